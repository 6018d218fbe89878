import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../config.ts';
import { loadMasterKey } from '../shared/master-key.ts';
import { onShutdown, openHub } from '../cli/runtime.ts';
import { say } from '../cli/lang.ts';
import { startScheduler } from './scheduler.ts';
import { startWorkers } from './worker.ts';

/** `sklad worker` and `sklad scheduler`: each runs alone, for scale-out against one PostgreSQL. */
export function engineCommands(program: Command) {
  program
    .command('worker')
    .description(say('cli.worker'))
    .option('--concurrency <n>', say('cli.worker.concurrency'), parseCount, 4)
    .action(async (options: { concurrency: number }) => {
      const hub = await openScaleOutHub('worker');
      await loadExtraJobModules();
      const stop = startWorkers(hub, { concurrency: options.concurrency });
      onShutdown(hub, [stop]);
      console.log(say('cli.worker.running', { concurrency: options.concurrency, pid: process.pid }));
    });

  program
    .command('scheduler')
    .description(say('cli.scheduler'))
    .action(async () => {
      const hub = await openScaleOutHub('scheduler');
      await loadExtraJobModules();
      const stop = startScheduler(hub);
      onShutdown(hub, [stop]);
      console.log(say('cli.scheduler.running', { pid: process.pid }));
    });
}

async function openScaleOutHub(role: string) {
  const config = loadConfig();
  if (!config.DATABASE_URL) {
    throw new Error(say('cli.scaleOut.needsPostgres', { role }));
  }
  const hub = await openHub(config, { role });
  hub.masterKey = loadMasterKey(config, hub.logger);
  return hub;
}

/**
 * SKLAD_EXTRA_JOB_MODULES: comma-separated module paths (relative to the working directory)
 * imported before the workers start, so they define job types the app does not have: the
 * scale test's fixture (src/engine/test-fixtures/) uses it. Production needs none.
 */
export async function loadExtraJobModules(value = process.env.SKLAD_EXTRA_JOB_MODULES) {
  for (const file of (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    await import(pathToFileURL(path.resolve(file)).href);
  }
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError(say('cli.worker.count'));
  return n;
}
