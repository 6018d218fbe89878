import type { Hub } from '../hub.ts';
import { wixEnvStartHook } from '../channels/wix/env.ts';

/**
 * What `sklad start` runs beside the API, in order: the environment's Wix account, the demo
 * (before the engine, so its first sync is done when the workers start), the workers and the
 * scheduler, the notifier (which starts the demo's Telegram simulator). Each returns how to
 * stop it; they are stopped in reverse order.
 */
export const startHooks: ((hub: Hub) => Promise<() => Promise<void> | void>)[] = [wixEnvStartHook, (hub) => import('../demo/start.ts').then((m) => m.demoStartHook(hub)), (hub) => import('../engine/start.ts').then((m) => m.startEngine(hub)), (hub) => import('../notifications/runtime.ts').then((m) => m.notificationsStartHook(hub))];
