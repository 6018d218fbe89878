import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGenericSimulator } from '../../../simulators/generic/index.ts';
import { rows } from '../../db/database.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, useTwoWorkerHubs, type TestServer } from '../../test/server.ts';
import { accountRuntime } from './context.ts';
import { bucketRowTakes, takeToken } from './http-client.ts';
import { createGenericAccount } from './testing.ts';

const KEY = 'generic-key-rate-blocks-7c1d';

/** A fast channel's tokens are taken from the shared bucket in blocks (docs/decisions/181). */
describeEachDatabase('tokens taken in blocks', (t) => {
  // The simulator's bucket holds more than the client's: a busy machine's jitter (requests paced right, sent a moment late) is not a broken limiter.
  const sim = createGenericSimulator({ apiKey: KEY, batchSize: 50, requestsPerSecond: 100, burst: 64 });
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let accountId: number;
  // On PostgreSQL each hub has its own pool and so its own blocks, as two worker processes have; PGlite's one connection is one process.
  const workerHubs = useTwoWorkerHubs(t);
  const bucket = async (id: number) =>
    (
      await rows<{ tokens: number; held_now: number; held_before: number; held_window: string }>(
        server.hub.db,
        sql`select tokens, held_now, held_before, held_window from rate_buckets where account_id = ${id} and limit_group = ''`,
      )
    )[0];

  beforeAll(async () => {
    simServer = await sim.listen();
    server = await startTestServer(t.database);
    sim.seed({ count: 10, from: 1 });
    // 100 a second, a burst of 40: blocks of 10 (a tenth of a second, a quarter of the burst).
    accountId = await createGenericAccount(server.hub, {
      baseUrl: simServer.url,
      apiKey: KEY,
      settings: { requestsPerSecond: 100, burst: 40, maxConcurrent: 16 },
    });
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  it('keeps the limit with no 429 while touching the shared row once a block, not once a request', async () => {
    sim.resetLog();
    const before = bucketRowTakes(accountId);
    // Two workers (on PostgreSQL two processes' pools); 150 requests, more than the burst, so the rate paces them.
    const [a, b] = await Promise.all(workerHubs().map((hub) => accountRuntime(hub, accountId)));
    await Promise.all(
      [a, b].flatMap((rt) =>
        Array.from({ length: 75 }, () =>
          rt.ctx.http.request({ method: 'GET', path: '/v1/seller', headers: { authorization: `Bearer ${KEY}` } }),
        ),
      ),
    );
    expect(sim.statusCounts()[429] ?? 0).toBe(0);
    expect(sim.statusCounts()[200]).toBe(150);
    const takes = bucketRowTakes(accountId) - before;
    expect(takes).toBeGreaterThanOrEqual(15);
    // Blocks of up to 10, from a full bucket and, once it is empty, of the queue's next slots: well under one update a request.
    expect(takes).toBeLessThan(75);
    // Every held token counted against the capacity: the row never holds more than the capacity less them.
    const row = await bucket(accountId);
    expect(row.tokens + row.held_now + row.held_before).toBeLessThanOrEqual(40 + 1e-9);
  });

  it('counts a block against the capacity until its process reports it, and forgets a dead process’s block two leases on', async () => {
    const id = await createGenericAccount(server.hub, {
      name: 'Blocks 2',
      baseUrl: simServer.url,
      apiKey: KEY,
      settings: { requestsPerSecond: 100, burst: 40, maxConcurrent: 16 },
    });
    const limits = { pushBatchSize: 1, requestsPerSecond: 100, burst: 40, maxConcurrent: 16 };
    await takeToken(server.hub.db, id, limits);
    // A full bucket of 40 gave a block of 10: 30 left in the row, 10 held by this process.
    let row = await bucket(id);
    expect(row.held_now + row.held_before).toBe(10);
    expect(row.tokens).toBeCloseTo(30, 0);
    for (let i = 0; i < 9; i++) await takeToken(server.hub.db, id, limits);
    expect((await bucket(id)).held_now + (await bucket(id)).held_before).toBe(10);
    // The 11th token takes a new block, reporting the spent one: still 10 held, not 20.
    await takeToken(server.hub.db, id, limits);
    row = await bucket(id);
    expect(row.held_now + row.held_before).toBe(10);
    // Another process holds 25 in the last take's lease window (the row as a dead one left it), and the bucket had time to fill.
    await server.hub.db.execute(sql`update rate_buckets set held_now = held_now + 25, tokens = 0,
      updated_at = clock_timestamp() - interval '10 seconds' where account_id = ${id} and limit_group = ''`);
    // This process spends its block's other 9 and takes the next: the row refills only to 40 − 25 held, so 5 stay.
    for (let i = 0; i < 10; i++) await takeToken(server.hub.db, id, limits);
    row = await bucket(id);
    expect(row.held_now + row.held_before).toBe(35);
    expect(row.tokens).toBeCloseTo(5, 0);
    // Two lease windows on, the dead process's count is gone: the next block sees the whole capacity again.
    await server.hub.db.execute(sql`update rate_buckets set held_window = held_window - 2, tokens = 0,
      updated_at = clock_timestamp() - interval '10 seconds' where account_id = ${id} and limit_group = ''`);
    for (let i = 0; i < 10; i++) await takeToken(server.hub.db, id, limits);
    row = await bucket(id);
    expect(row.held_now + row.held_before).toBe(10);
    expect(row.tokens).toBeCloseTo(30, 0);
  });

  it('refills only up to the capacity less the held tokens, and keeps handing out slots when they are at their most', async () => {
    const id = await createGenericAccount(server.hub, {
      name: 'Blocks 3',
      baseUrl: simServer.url,
      apiKey: KEY,
      settings: { requestsPerSecond: 100, burst: 40, maxConcurrent: 16 },
    });
    const limits = { pushBatchSize: 1, requestsPerSecond: 100, burst: 40, maxConcurrent: 16 };
    await takeToken(server.hub.db, id, limits);
    // Other processes hold 29 besides this one's 10 (39, the most a take leaves held), and a queue of 5 slots was reserved long ago.
    await server.hub.db.execute(sql`update rate_buckets set held_now = held_now + 29, tokens = -5,
      updated_at = clock_timestamp() - interval '10 seconds' where account_id = ${id} and limit_group = ''`);
    for (let i = 0; i < 10; i++) await takeToken(server.hub.db, id, limits);
    // Ten seconds refilled 1,000 tokens, but the row stopped at 40 − 29 held: a block of 10 left 1.
    let row = await bucket(id);
    expect(row.held_now + row.held_before).toBe(39);
    expect(row.tokens).toBeCloseTo(1, 0);
    // Held at their most, slots still come: the next take is again a held block of 10 (the queue's next slots), still under the cap.
    for (let i = 0; i < 10; i++) await takeToken(server.hub.db, id, limits);
    row = await bucket(id);
    expect(row.held_now + row.held_before).toBe(39);
    expect(row.tokens).toBeLessThanOrEqual(1);
  });
});
