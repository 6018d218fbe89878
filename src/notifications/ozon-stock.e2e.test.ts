import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { checkTelegramLog } from '../../simulators/telegram/spec.ts';
import { createAccount } from '../channels/core/accounts.ts';
import '../channels/core/jobs.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { enqueueJob, getJob } from '../engine/jobs.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { startNotifierLoop } from './runtime.ts';
import { telegramApi, telegramSender } from './sender.ts';

/**
 * Seed 001's critical stock for an Ozon cabinet, end to end (issue 17): the Ozon simulator, its
 * stocks run by the engine's workers, the detector after the pull, the sender talking to the
 * Telegram simulator. Ozon's stock is watched as WB's is: its own pool, whatever the seller
 * holds himself, and its per-warehouse analytics not counted on top of its FBO total.
 */

const OLGA = 2001;
const TITLE = '📉 Критичный остаток';

describeEachDatabase('seed 001 conformance: critical stock of an Ozon cabinet reaches Telegram', (t) => {
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 5, fboWarehouses: 3, postings: 0, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });
  const tg = createTelegramSimulator();
  let ozonServer: { url: string; close(): Promise<void> };
  let tgServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let stopWorkers: () => Promise<void>;
  let stopLoop: () => Promise<void>;
  let cabinet = 0;

  const alerts = () => tg.state.sentTo(OLGA).filter((m) => m.text?.startsWith(TITLE));

  /** One stocks pull as the scheduler starts it; waits for the detector's pass after it and for every send to end. */
  async function pull() {
    const { id: jobId } = await enqueueJob(server.hub.db, {
      type: 'ozon.stocks',
      accountId: cabinet,
      payload: { accountId: cabinet },
    });
    await expect
      .poll(async () => (await getJob(server.hub.db, jobId)).status, { timeout: 30_000, interval: 50 })
      .toBe('succeeded');
    const [run] = await rows<{ status: string; finished_at: string }>(
      server.hub.db,
      sql`select status, finished_at::text from sync_runs where job_id = ${jobId}`,
    );
    expect(run.status).toBe('succeeded');
    await expect
      .poll(
        async () => {
          const [w] = await rows<{ after: boolean }>(
            server.hub.db,
            sql`
        select checked_at > ${run.finished_at}::timestamptz as after from notification_watch where account_id = ${cabinet}`,
          );
          return w?.after;
        },
        { timeout: 20_000, interval: 50 },
      )
      .toBe(true);
    await expect
      .poll(
        async () =>
          (
            await rows<{ n: number }>(
              server.hub.db,
              sql`
      select count(*)::int as n from deliveries where status in ('pending', 'sending')`,
            )
          )[0].n,
        { timeout: 20_000, interval: 50 },
      )
      .toBe(0);
  }

  /** Sets a product's stock in every Ozon warehouse: `present` units in the first `warehouses` of them, none elsewhere. */
  function setOzonStock(offerId: string, warehouses: number, present: number) {
    const product = ozon.state.products.find((p) => p.offerId === offerId)!;
    for (const [i, w] of ozon.state.warehouses.entries()) {
      ozon.state.setStock(product.productId, w.id, { present: i < warehouses ? present : 0, reserved: 0, promised: 0 });
    }
  }

  beforeAll(async () => {
    ozonServer = await ozon.listen();
    tgServer = await tg.listen();
    server = await startTestServer(t.database);
    // Plenty of the seller's own: Ozon's pool is watched on its own.
    await seedCatalog(server.hub.db, { count: 5, stock: () => 50 });
    tg.state.addUser({ id: OLGA, first_name: 'Ольга', username: 'olga' });
    cabinet = (
      await createAccount(
        server.hub.db,
        server.hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Озон Ольги',
          baseUrl: ozonServer.url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
          settings: { warehouseDetail: 'v2' },
        },
        'test',
      )
    ).id;
    stopWorkers = startWorkers(server.hub, { concurrency: 2, pollMs: 50 });
    const api = telegramApi({ token: tg.token, apiRoot: tgServer.url });
    stopLoop = startNotifierLoop(server.hub, telegramSender(api), {
      detectEveryMs: 3_600_000,
      pollMs: 50,
      backoffMs: 10,
    });
  }, 60_000);

  afterAll(async () => {
    await stopLoop?.();
    await stopWorkers?.();
    await server?.close();
    tg.state.wakeAll();
    await tgServer?.close();
    await ozonServer?.close();
  }, 30_000);

  test('seed 001 conformance: critical stock at Ozon is alerted once, though the seller holds plenty of his own', async () => {
    const user = await server.api('/users/', {
      method: 'POST',
      json: { telegram_id: OLGA, username: 'olga', first_name: 'Ольга' },
    });
    expect(user.status).toBe(201);
    const joined = await server.api('/api/v1/bot/cabinets/members', {
      method: 'POST',
      json: { account_id: cabinet, telegram_id: OLGA },
    });
    expect(joined.status).toBe(200);
    setOzonStock('SKU-2', 8, 10);
    // The first pull sets the baseline: nothing is news.
    await pull();
    expect(alerts()).toEqual([]);

    // 4 left at Ozon (2 + 2 in two FBO warehouses): the analytics' 4 per warehouse are not added to the FBO total's 4.
    setOzonStock('SKU-2', 2, 2);
    await pull();
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0].text).toContain('SKU-2');
    expect(alerts()[0].text).toMatch(/Доступно: 4 \(порог 5\)/);
    expect(alerts()[0].text).toContain('Озон Ольги');

    // Still low on the next pull: the same episode, no second alert; back up and down again: a new one.
    await pull();
    expect(alerts()).toHaveLength(1);
    setOzonStock('SKU-2', 3, 10);
    await pull();
    setOzonStock('SKU-2', 1, 1);
    await pull();
    expect(alerts()).toHaveLength(2);
    expect(alerts()[1].text).toMatch(/Доступно: 1 \(порог 5\)/);
    // The seller's own 50 of SKU-2 alert nothing.
    expect(alerts().every((m) => m.text?.includes('SKU-2'))).toBe(true);
    expect(checkTelegramLog(tg.log)).toEqual([]);
  }, 90_000);
});
