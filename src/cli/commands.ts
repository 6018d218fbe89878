import type { Command } from 'commander';
import { channelsCommands } from '../channels/core/cli.ts';

/**
 * Commands that domains add to `sklad` (worker, scheduler, sync, simulate, ozon test …):
 * each entry registers its subcommands on the program.
 */
export const cliCommands: ((program: Command) => void)[] = [(await import('../engine/cli.ts')).engineCommands, channelsCommands, (await import('../channels/ozon/cli.ts')).ozonCommands, (await import('../notifications/cli.ts')).notificationsCommands];
