import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { onShutdown, openHub } from '../cli/runtime.ts';
import { loadMasterKey } from '../shared/master-key.ts';
import { say } from '../cli/lang.ts';

/**
 * `sklad notifier`: the event detector, the sender and the Telegram bot alone, for scale-out
 * beside `sklad api`, `sklad worker` and `sklad scheduler` (`sklad start` runs it in-process).
 * Several may run: deliveries are claimed with SKIP LOCKED and detection takes a row lock per
 * cabinet; run the bot (long polling) in one of them only, or use TELEGRAM_WEBHOOK_URL.
 */
export function notificationsCommands(program: Command) {
  program
    .command('notifier')
    .description(say('cli.notifier'))
    .action(async () => {
      const config = loadConfig();
      if (!config.DATABASE_URL) {
        throw new Error(say('cli.scaleOut.needsPostgres', { role: 'notifier' }));
      }
      const hub = await openHub(config, { role: 'notifier' });
      hub.masterKey = loadMasterKey(config, hub.logger);
      const { startNotifications } = await import('./runtime.ts');
      const stop = await startNotifications(hub);
      onShutdown(hub, [stop]);
      console.log(say('cli.notifier.running', { pid: process.pid }));
    });
}
