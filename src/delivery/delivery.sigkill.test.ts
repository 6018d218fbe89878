import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import type { Hub } from '../hub.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { cdekOrdersOf, startDeliveryFixture, type DeliveryFixture } from './testing.ts';
import { exited, useWorkerProcesses } from '../test/worker-processes.ts';

/**
 * The flow with real `sklad worker` processes (PostgreSQL: PGlite is one process) and 30 % of
 * CDEK's answers faulty: the worker is killed with SIGKILL while its first creates are in
 * flight (CDEK answers them slowly, and makes the orders after the worker is gone). A new
 * worker takes the packages over once their leases run out, finds those orders under our
 * numbers, and finishes: exactly one CDEK order and one waybill per package.
 */

const PACKAGES = 12;

describe.skipIf(!testKinds().includes('postgres'))('Ozon → CDEK with a sklad worker killed mid-flow [postgres]', () => {
  const t = useTestDatabase('postgres');
  let hub: Hub;
  let f: DeliveryFixture;

  const workers = useWorkerProcesses(() => ({ url: t.url!, masterKey: hub.masterKey! }));
  const spawnWorker = workers.spawn;

  beforeAll(async () => {
    hub = channelsHub(t.database);
    f = await startDeliveryFixture(hub);
  }, 60_000);
  afterAll(async () => {
    await f?.close();
  });

  const packages = () =>
    rows<{ id: number; number: string; waybill_url: string | null }>(
      hub.db,
      sql`select id, number, waybill_url from packages order by id`,
    );

  test('killed while its creates are in flight, a successor finishes: one CDEK order and one waybill per package', async () => {
    for (let i = 0; i < PACKAGES; i++) f.addPosting(i);
    await runConnectorJob(hub, f.ozonId, 'postings');
    expect(await packages()).toHaveLength(PACKAGES);

    f.cdek.faults.set({
      rate: 0.3,
      kinds: ['500', '502', '503', '429', 'malformed'],
      retryAfterSeconds: 1,
      slowMs: 3_000,
    });
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
    // The last waybill is stored by its job's transaction; the job row is closed right after it.
    const open = async () => {
      const [{ n }] = await rows<{ n: number }>(
        hub.db,
        sql`
        select count(*)::int as n from outbox where topic in ('ProcessDeliveryJob', 'GenerateDeliveryDocumentsJob') and processed_at is null`,
      );
      return n;
    };
    await waitFor('no delivery job left open', async () => (await open()) === 0, 90_000);
    const [{ sent }] = await rows<{ sent: number }>(
      hub.db,
      sql`select count(*)::int as sent from orders where delivery_state = 'sent'`,
    );
    expect(sent).toBe(PACKAGES);
  }, 300_000);
});
