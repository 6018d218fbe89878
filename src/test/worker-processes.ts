import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { waitFor } from '../engine/test-fixtures/wait.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Settles when the process has ended (at once when it already has). */
export const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));

/**
 * Real `sklad worker` processes for the SIGKILL tests (PostgreSQL: PGlite is one process), on
 * the test's database with the key its accounts were sealed with. Every one still running when
 * the file ends is killed, so none outlives a failed test.
 */
export function useWorkerProcesses(target: () => { url: string; masterKey: Buffer }) {
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
  });
  return {
    /** Starts a worker and waits until it says it runs. */
    async spawn(): Promise<ChildProcess> {
      const { url, masterKey } = target();
      const child = spawn(process.execPath, ['bin/sklad.mjs', 'worker', '--concurrency', '4'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: url, SKLAD_MASTER_KEY: masterKey.toString('base64'), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      await waitFor(
        `worker ${child.pid} to start`,
        () => {
          if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${output}`);
          return output.includes('Sklad worker running');
        },
        60_000,
      );
      return child;
    },
  };
}
