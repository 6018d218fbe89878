import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, test } from 'vitest';
import { openDatabase, rows, type Database } from '../db/database.ts';
import { migrationsHash } from '../db/migrate.ts';
import { pgliteTemplateFile, testKinds, useTestDatabase } from '../test/databases.ts';
import { testHub } from '../test/server.ts';
import { enqueueJob } from './jobs.ts';
import './test-fixtures/reaper-jobs.ts';
import { waitFor } from './test-fixtures/wait.ts';
import { startWorkers } from './worker.ts';

/**
 * A worker killed with SIGKILL in the middle of a sync run (issue 19: 37 runs left `running`
 * after six kills). Its run's lease is not renewed any more; the next worker marks the run
 * failed with the reason, takes the job back and runs it again, and the new run ends. On
 * PGlite the killed worker owned the data directory alone, as `sklad start` does.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs test-fixtures/embedded-worker.ts on the database and kills it with SIGKILL once its sync run has started. */
async function killWorkerMidRun(database: { DATABASE_URL?: string; SKLAD_DATA_DIR?: string }) {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', SKLAD_SYNC_RUN_LEASE_SECONDS: '1', ...database };
  if (!database.DATABASE_URL) delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/engine/test-fixtures/embedded-worker.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      'the worker to start its sync run',
      () => {
        if (child.exitCode !== null) throw new Error(`the worker exited: ${output}`);
        return output.includes('reaper run started');
      },
      60_000,
    );
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const runsOf = (database: Database) =>
  rows<{ status: string; error: string | null; finished_at: string | null }>(
    database.db,
    sql`select status, error, iso(finished_at) as finished_at from sync_runs where type = 'test.reaper.sync' order by id`,
  );

async function expectReapedAndRunAgain(database: Database, jobId: number) {
  expect((await runsOf(database)).map((r) => r.status)).toEqual(['running']);
  const stop = startWorkers(testHub(database), { types: ['test.reaper.sync'], pollMs: 20 });
  try {
    await waitFor(
      'the job to succeed on its next attempt',
      async () => {
        const [job] = await rows<{ status: string }>(database.db, sql`select status from jobs where id = ${jobId}`);
        return job.status === 'succeeded';
      },
      30_000,
    );
  } finally {
    await stop();
  }
  const runs = await runsOf(database);
  expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
  expect(runs[0].error).toMatch(/stopped \(killed or lost\) and its lease expired/);
  expect(runs[0].finished_at).not.toBeNull();
  const [job] = await rows<{ attempts: number }>(database.db, sql`select attempts from jobs where id = ${jobId}`);
  expect(job.attempts).toBe(2);
  expect(await rows(database.db, sql`select id from sync_runs where status = 'running'`)).toEqual([]);
}

describe.skipIf(!testKinds().includes('postgres'))('a worker killed by SIGKILL mid-run [postgres]', () => {
  const t = useTestDatabase('postgres');
  test('its sync run is failed by the reaper with the reason, and the job runs again to the end', async () => {
    const { id } = await enqueueJob(t.database.db, { type: 'test.reaper.sync' });
    await killWorkerMidRun({ DATABASE_URL: t.url });
    await expectReapedAndRunAgain(t.database, id);
  }, 120_000);
});

describe.skipIf(!testKinds().includes('pglite'))('a worker killed by SIGKILL mid-run [pglite]', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-reaper-'));
  let database: Database | undefined;
  afterAll(async () => {
    await database?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('its sync run is failed by the reaper with the reason, and the job runs again to the end', async () => {
    // A data directory made from the migrated template, with the job waiting in it.
    const seeded = await openDatabase({
      dataDir,
      loadDataDir: new Blob([fs.readFileSync(pgliteTemplateFile(migrationsHash()))]),
    });
    const { id } = await enqueueJob(seeded.db, { type: 'test.reaper.sync' });
    await seeded.close();
    await killWorkerMidRun({ SKLAD_DATA_DIR: dataDir });
    database = await openDatabase({ dataDir });
    await expectReapedAndRunAgain(database, id);
  }, 120_000);
});
