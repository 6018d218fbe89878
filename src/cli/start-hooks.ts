import type { Hub } from '../hub.ts';
import { channelModules, type StartHook } from '../channels/core/module.ts';
import { demoStartHook } from '../demo/start.ts';
import { startEngine } from '../engine/start.ts';
import { notificationsStartHook } from '../notifications/runtime.ts';

/**
 * What `sklad start` runs beside the API, in order: the channel modules' own steps (the
 * environment's Wix account), the demo (before the engine, so its first sync is done when the
 * workers start), the workers and the scheduler, the notifier (which starts the demo's Telegram
 * simulator). Each returns how to stop it; they are stopped in reverse order.
 */
export function startHooks(): StartHook[] {
  return [
    ...channelModules().flatMap((m) => m.startHooks ?? []),
    demoStartHook,
    (hub: Hub) => startEngine(hub),
    notificationsStartHook,
  ];
}
