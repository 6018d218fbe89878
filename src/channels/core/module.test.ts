import { serve } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { assembleSklad } from '../../assembly.ts';
import { rows } from '../../db/database.ts';
import { startEngine } from '../../engine/start.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import { recordMovement } from '../../inventory/movements.ts';
import { launchBrowser, openPage, type WatchedPage } from '../../test/browser.ts';
import { expectNoConsoleErrors, signIn } from '../../web/test-kit.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { registry } from '../registry.ts';
import type { Connector, PushOutcome } from './connector.ts';
import type { ChannelModule } from './module.ts';
import { runConnectorJob } from './jobs.ts';
import { syncAccount } from './sync.ts';
import { seedCatalog } from './testing.ts';

/**
 * The channel-module contract's own proof (docs/decisions/120): a service no file of Sklad
 * knows, defined here (a tiny simulator and a ~40-line connector), is assembled with the app
 * and works end to end: its account is added through the panel's form drawn from its
 * credential fields, its listings are matched, a write-off reaches it, and its order is
 * ingested and written off by core.
 */

const TOKEN = 'throwaway-token-0001';

/** The service: three items, their quantities, one order; a token in X-Token. */
function throwawayService() {
  const quantities = new Map<string, number>([
    ['T-1', 0],
    ['T-2', 0],
    ['T-3', 0],
  ]);
  const skus = new Map([
    ['T-1', 'MOD-1'],
    ['T-2', 'MOD-2'],
    ['T-3', 'NOT-OURS'],
  ]);
  const orders: unknown[] = [];
  const app = new Hono();
  app.use('*', async (c, next) => (c.req.header('x-token') === TOKEN ? next() : c.json({ message: 'bad token' }, 401)));
  app.get('/items', (c) => c.json([...skus].map(([id, sku]) => ({ id, sku, quantity: quantities.get(id) }))));
  app.put('/items/:id/quantity', async (c) => {
    const { quantity } = (await c.req.json()) as { quantity: number };
    quantities.set(c.req.param('id'), quantity);
    return c.json({ ok: true });
  });
  app.get('/orders', (c) => c.json(orders));
  return { app, quantities, orders };
}

const item = z.object({ id: z.string(), sku: z.string(), quantity: z.number() });
const order = z.object({
  number: z.string(),
  item: z.string(),
  sku: z.string(),
  count: z.number(),
  price: z.number(),
  at: z.string(),
});

const throwawayConnector: Connector = {
  channel: 'throwaway',
  title: 'Throwaway shop',
  defaultBaseUrl: 'http://127.0.0.1:9',
  capabilities: { listings: true, pushStock: true, readStock: false, orders: true },
  limits: { pushBatchSize: 10, requestsPerSecond: 100, burst: 100, maxConcurrent: 4 },
  credentialsSchema: z.object({ token: z.string().min(10) }),
  async validate(ctx) {
    await ctx.http.request({ method: 'GET', path: '/items', headers: { 'x-token': ctx.account.credentials.token } });
    return { ok: true, details: 'the shop answered' };
  },
  async *fetchListings(ctx) {
    const res = await ctx.http.request({
      method: 'GET',
      path: '/items',
      headers: { 'x-token': ctx.account.credentials.token },
    });
    yield z
      .array(item)
      .parse(res.body)
      .map((i) => ({ externalId: i.id, sku: i.sku, quantity: i.quantity }));
  },
  async pushQuantities(ctx, items) {
    const outcomes: PushOutcome[] = [];
    for (const i of items) {
      await ctx.http.request({
        method: 'PUT',
        path: `/items/${i.listing.externalId}/quantity`,
        headers: { 'x-token': ctx.account.credentials.token },
        body: { quantity: i.quantity },
      });
      outcomes.push({ listingId: i.listing.listingId, ok: true });
    }
    return outcomes;
  },
  jobs: [
    {
      name: 'orders',
      description: 'Orders of the throwaway shop',
      async run(ctx, run) {
        const res = await ctx.http.request({
          method: 'GET',
          path: '/orders',
          headers: { 'x-token': ctx.account.credentials.token },
        });
        const list = z.array(order).parse(res.body);
        const stored = await ctx.ingest.orders(
          list.map((o) => ({
            externalId: o.number,
            status: 'new',
            orderedAt: o.at,
            currency: 'EUR',
            totalMinor: o.price * o.count,
            lines: [
              {
                ref: { listingExternalId: o.item, sku: o.sku },
                sku: o.sku,
                name: o.sku,
                quantity: o.count,
                priceMinor: o.price,
              },
            ],
          })),
        );
        run.add({ fetched: list.length, created: stored.filter((s) => s.created).length });
      },
    },
  ],
};

const throwawayModule: ChannelModule = {
  connector: throwawayConnector,
  credentialFields: [
    {
      key: 'token',
      label: { ru: 'Токен магазина', en: 'Shop token' },
      help: { ru: 'Из настроек магазина', en: 'From the shop settings' },
      secret: true,
    },
  ],
};

describeEachDatabase('a channel module no other file knows', (t) => {
  const service = throwawayService();
  let shop: ReturnType<typeof serve>;
  let shopUrl: string;
  let server: TestServer;
  let stopEngine: () => Promise<void>;
  let productIds: number[];
  let warehouseId: number;

  beforeAll(async () => {
    assembleSklad([...registry, throwawayModule]);
    shop = serve({ fetch: service.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => shop.once('listening', () => resolve()));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    server = await startTestServer(t.database);
    const catalog = await seedCatalog(server.hub.db, { count: 2, skuPrefix: 'MOD-', stock: () => 10 });
    productIds = catalog.productIds;
    warehouseId = catalog.warehouseId;
  });
  afterAll(async () => {
    await stopEngine?.();
    await server?.close();
    await new Promise<void>((resolve) => shop?.close(() => resolve()));
    assembleSklad();
  });

  it('is added from the panel, matched, pushed to, and its orders written off', async () => {
    // The API lists it with its fields, as the panel and the bot read them.
    const channels = await server.api('/api/v1/channels');
    expect(channels.body.items.find((c: { channel: string }) => c.channel === 'throwaway').credential_fields).toEqual([
      {
        key: 'token',
        label: { ru: 'Токен магазина', en: 'Shop token' },
        help: { ru: 'Из настроек магазина', en: 'From the shop settings' },
        secret: true,
      },
    ]);

    const browser = await launchBrowser();
    try {
      const w = await openPage(browser, { baseUrl: server.baseUrl });
      await addAccountThroughPanel(w, server, shopUrl);
      await w.close();
    } finally {
      await browser.close();
    }
    const [account] = await rows<{ id: number; status: string }>(
      server.hub.db,
      sql`select id, status from channel_accounts where channel = 'throwaway'`,
    );
    expect(account.status).toBe('active');

    // Listings matched by SKU, quantities pushed.
    await syncAccount(server.hub, account.id);
    expect(service.quantities.get('T-1')).toBe(10);
    expect(service.quantities.get('T-2')).toBe(10);
    expect(service.quantities.get('T-3')).toBe(0);

    // A write-off reaches the shop through the outbox and the workers.
    stopEngine = await startEngine(server.hub);
    await server.hub.db.transaction((tx) =>
      recordMovement(tx, { type: 'write_off', productId: productIds[0], warehouseId, quantity: 3 }, 'test'),
    );
    await waitFor('the write-off to reach the shop', () => service.quantities.get('T-1') === 7);

    // An order is ingested by core: matched by the listing's id, written off the only own warehouse once.
    service.orders.push({
      number: 'TW-1',
      item: 'T-2',
      sku: 'MOD-2',
      count: 4,
      price: 250,
      at: new Date().toISOString(),
    });
    await runConnectorJob(server.hub, account.id, 'orders');
    await runConnectorJob(server.hub, account.id, 'orders');
    const [stored] = await rows<{ id: number; status: string; product_id: number }>(
      server.hub.db,
      sql`
      select o.id, o.status, l.product_id from orders o join order_lines l on l.order_id = o.id where o.channel = 'throwaway'`,
    );
    expect(stored).toMatchObject({ status: 'new', product_id: productIds[1] });
    const [level] = await rows<{ on_hand: number }>(
      server.hub.db,
      sql`
      select on_hand::int from stock_levels where product_id = ${productIds[1]} and warehouse_id = ${warehouseId}`,
    );
    expect(level.on_hand).toBe(6);
    await waitFor('the order to reach the shop as a new quantity', () => service.quantities.get('T-2') === 6);
  });
});

/** The seller's way in: the panel's add-account form, its fields drawn from the module (the label is the module's). */
async function addAccountThroughPanel(w: WatchedPage, server: TestServer, shopUrl: string) {
  await signIn(w, server.adminKey, '/channels/new');
  await w.page.locator('select[name="channel"]').selectOption('throwaway');
  const fields = w.page.locator('#channel-fields[data-channel="throwaway"]');
  await fields.waitFor();
  const token = fields.getByLabel(/^Токен магазина( \*)?$/);
  expect(await token.getAttribute('type')).toBe('password');
  await w.page.locator('input[name="name"]').fill('Throwaway shop');
  await w.page.locator('input[name="base_url"]').fill(shopUrl);
  await token.fill(TOKEN);
  await w.page.locator('form[action="/channels/new"] button[type="submit"]').click();
  await w.page.waitForURL(/\/channels\/\d+\?added=1$/);
  expectNoConsoleErrors(w);
}
