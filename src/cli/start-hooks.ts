import type { Hub } from '../hub.ts';
import { wixEnvStartHook } from '../channels/wix/env.ts';

/**
 * What `sklad start` runs beside the API, in order: the workers, the scheduler, the demo.
 * Each returns how to stop it.
 */
export const startHooks: ((hub: Hub) => Promise<() => Promise<void> | void>)[] = [wixEnvStartHook, (hub) => import('../engine/start.ts').then((m) => m.startEngine(hub)), (hub) => import('../notifications/runtime.ts').then((m) => m.notificationsStartHook(hub))];
