import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBitrix24Simulator, type Bitrix24Simulator, type BitrixPortal } from '../../simulators/bitrix24/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub, seedCatalog } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import type { Hub } from '../hub.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';
import { orderKey } from './flow.ts';
import { exited, useWorkerProcesses } from '../test/worker-processes.ts';

/**
 * The CRM export with real `sklad worker` processes (PostgreSQL: PGlite is one process): 300
 * Ozon orders waiting for the CRM; the worker is killed with SIGKILL while a batch of deals is
 * in flight (Bitrix24 answers slowly), a successor takes the messages and the orders over when
 * their leases run out. Every order ends sent, with exactly one deal.
 */

const ORDERS = 300;

describe.skipIf(!testKinds().includes('postgres'))(
  'the CRM export with a sklad worker killed by SIGKILL mid-batch [postgres]',
  () => {
    const t = useTestDatabase('postgres');
    let bitrix: Bitrix24Simulator;
    let portal: BitrixPortal;
    const ozon = createOzonSimulator({
      state: seedOzon(new OzonState(), {
        products: 10,
        fboWarehouses: 1,
        postings: ORDERS,
        offerId: (i) => `SKU-${i}`,
      }),
    });
    const servers: { close(): Promise<void> }[] = [];
    let hub: Hub;

    const workers = useWorkerProcesses(() => ({ url: t.url!, masterKey: hub.masterKey! }));
    const spawnWorker = workers.spawn;

    beforeAll(async () => {
      bitrix = createBitrix24Simulator();
      portal = bitrix.state.addPortal({ name: 'shop.bitrix24.ru' });
      const [bitrixServer, ozonServer] = [await bitrix.listen(), await ozon.listen()];
      servers.push(bitrixServer, ozonServer);
      hub = channelsHub(t.database);
      await seedCatalog(hub.db, { count: 10, stock: () => 1_000 });
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'bitrix24',
          name: 'Portal',
          baseUrl: bitrixServer.url,
          credentials: { webhookUrl: portal.webhookUrl(bitrixServer.url) },
        },
        'test',
      );
      const ozonId = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          {
            channel: 'ozon',
            name: 'Ozon',
            baseUrl: ozonServer.url,
            credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
          },
          'test',
        )
      ).id;
      // Imported with no worker running: every order's export waits in the outbox.
      await runConnectorJob(hub, ozonId, 'postings');
    }, 120_000);

    afterAll(async () => {
      for (const s of servers) await s.close();
    });

    const sentCount = async () =>
      (await rows<{ n: number }>(hub.db, sql`select count(*)::int as n from orders where crm_state = 'sent'`))[0].n;

    test('every order is sent once and has exactly one deal after the kill', async () => {
      const orders = await rows<{ channel: string; account_id: number; external_id: string }>(
        hub.db,
        sql`select channel, account_id, external_id from orders`,
      );
      expect(orders).toHaveLength(ORDERS);
      // Slow batches keep one in flight long enough to kill the worker inside it.
      bitrix.faults.set({ rate: 1, kinds: ['slow'], slowMs: 700, paths: ['/rest/'] });
      const first = await spawnWorker();
      await waitFor('the first deals to be made', () => portal.deals().length > 0, 60_000);
      first.kill('SIGKILL');
      await exited(first);
      expect(await sentCount()).toBeLessThan(ORDERS);
      bitrix.faults.set(null);
      await spawnWorker();
      await waitFor('every order to be sent', async () => (await sentCount()) === ORDERS, 150_000);

      const perKey = new Map<string, number>();
      for (const d of portal.deals())
        perKey.set(String(d.fields.ORIGIN_ID), (perKey.get(String(d.fields.ORIGIN_ID)) ?? 0) + 1);
      for (const o of orders) expect(perKey.get(orderKey(o)), orderKey(o)).toBe(1);
      expect(portal.deals()).toHaveLength(ORDERS);
    }, 300_000);
  },
);
