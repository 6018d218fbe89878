import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import type { Hub } from '../hub.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { cdekOrdersOf, startDeliveryFixture, type DeliveryFixture } from './testing.ts';

/**
 * The flow with real `sklad worker` processes (PostgreSQL: PGlite is one process) and 30 % of
 * CDEK's answers faulty: the worker is killed with SIGKILL while its first creates are in
 * flight (CDEK answers them slowly, and makes the orders after the worker is gone). A new
 * worker takes the packages over once their leases run out, finds those orders under our
 * numbers, and finishes: exactly one CDEK order and one waybill per package.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PACKAGES = 12;

describe.skipIf(!testKinds().includes('postgres'))('Ozon → CDEK with a sklad worker killed mid-flow [postgres]', () => {
  const t = useTestDatabase('postgres');
  const children: ChildProcess[] = [];
  let hub: Hub;
  let f: DeliveryFixture;

  const spawnWorker = async () => {
    const child = spawn(process.execPath, ['bin/sklad.mjs', 'worker', '--concurrency', '4'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.url, SKLAD_MASTER_KEY: hub.masterKey!.toString('base64'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitFor(`worker ${child.pid} to start`, () => {
      if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${output}`);
      return output.includes('Sklad worker running');
    }, 60_000);
    return child;
  };
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  beforeAll(async () => {
    hub = channelsHub(t.database);
    f = await startDeliveryFixture(hub);
  }, 60_000);
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await f?.close();
  });

  const packages = () => rows<{ id: number; number: string; waybill_url: string | null }>(hub.db, sql`select id, number, waybill_url from packages order by id`);

  test('killed while its creates are in flight, a successor finishes: one CDEK order and one waybill per package', async () => {
    for (let i = 0; i < PACKAGES; i++) f.addPosting(i);
    await runConnectorJob(hub, f.ozonId, 'postings');
    expect(await packages()).toHaveLength(PACKAGES);

    f.cdek.faults.set({ rate: 0.3, kinds: ['500', '502', '503', '429', 'malformed'], retryAfterSeconds: 1, slowMs: 3_000 });
    f.cdek.faults.next('slow', 4, ['/v2/orders']);
    f.cdek.resetLog();
    const first = await spawnWorker();
    // The four slow creates are at CDEK, which makes their orders after the worker is gone.
    await waitFor('creates in flight', () => f.cdek.peakConcurrency() >= 4, 60_000);
    first.kill('SIGKILL');
    await exited(first);
    expect((await packages()).some((p) => p.waybill_url)).toBe(false);

    await spawnWorker();
    await waitFor('every waybill', async () => (await packages()).every((p) => p.waybill_url), 150_000);
    f.cdek.faults.set(null);

    for (const p of await packages()) expect(cdekOrdersOf(f.cdek, p.number), p.number).toEqual({ live: 1, refused: 0 });
    const slow = f.cdek.log.filter((e) => e.method === 'POST' && e.path === '/v2/orders' && e.fault === 'slow');
    expect(slow).toHaveLength(4);
    const [{ open }] = await rows<{ open: number }>(hub.db, sql`
      select count(*)::int as open from outbox where topic in ('ProcessDeliveryJob', 'GenerateDeliveryDocumentsJob') and processed_at is null`);
    expect(open).toBe(0);
    const [{ sent }] = await rows<{ sent: number }>(hub.db, sql`select count(*)::int as sent from orders where delivery_state = 'sent'`);
    expect(sent).toBe(PACKAGES);
  }, 300_000);
});
