import type { Command } from 'commander';
import { channelsCommands } from '../channels/core/cli.ts';
import { channelModules } from '../channels/core/module.ts';
import { engineCommands } from '../engine/cli.ts';
import { notificationsCommands } from '../notifications/cli.ts';
import { supportCommands } from '../support/cli.ts';
import { deliveryCommands } from '../delivery/cli.ts';
import { reconcileCommands } from '../reconcile/cli.ts';
import { importCommands } from '../imports/cli.ts';
import { stockCommands } from '../inventory/cli.ts';

/** Adds every domain's commands and the channel modules' own (worker, scheduler, sync, ozon test …) to `sklad`. */
export function addCommands(program: Command) {
  engineCommands(program);
  channelsCommands(program);
  for (const module of channelModules()) module.cli?.(program);
  notificationsCommands(program);
  supportCommands(program);
  deliveryCommands(program);
  reconcileCommands(program);
  importCommands(program);
  stockCommands(program);
}
