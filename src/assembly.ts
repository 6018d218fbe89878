import { registerChannelJobs } from './channels/core/jobs.ts';
import { installChannelModules, type ChannelModule } from './channels/core/module.ts';
import { registry } from './channels/registry.ts';
import { registerExportJobs } from './exports/jobs.ts';
import { registerImportJobs } from './imports/jobs.ts';
import { registerEngineJobs } from './engine/outbox-retention.ts';
import { registerNotificationJobs } from './notifications/cabinets.ts';
import { registerCrmFlow } from './crm/flow.ts';
import { registerDeliveryFlow } from './delivery/flow.ts';
import { deliveryOrderHook } from './delivery/packages.ts';
import { registerOrderActionFlow } from './orders/actions.ts';
import { installOrderHooks } from './orders/hooks.ts';
import { registerPricingJobs } from './pricing/jobs.ts';
import { registerReconcileJobs } from './reconcile/jobs.ts';

/**
 * The whole of Sklad in one place (STYLE.md, "assembly in one place"): the channel modules of
 * the registry, then the job types, outbox consumers and schedules built from them, and the
 * flows on stored orders (the CRM export, deliveries). Nothing
 * registers itself when imported; `sklad` (src/cli/main.ts), the tests (src/test/setup.ts) and
 * the benchmarks call this before anything runs. A test may assemble with a module of its own.
 */
export function assembleSklad(modules: ChannelModule[] = registry) {
  installChannelModules(modules);
  registerChannelJobs(modules);
  registerCrmFlow();
  registerDeliveryFlow();
  registerOrderActionFlow();
  installOrderHooks([deliveryOrderHook]);
  registerExportJobs();
  registerImportJobs();
  registerEngineJobs();
  registerNotificationJobs();
  registerReconcileJobs();
  registerPricingJobs();
}
