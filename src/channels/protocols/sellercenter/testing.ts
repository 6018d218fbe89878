import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAnswer,
  checkExchange,
  SellerCenterState,
  type SellerCenterSeller,
  type SellerCenterSimulator,
  type SellerCenterSimulatorOptions,
} from '../../../../simulators/sellercenter/index.ts';
import { rows } from '../../../db/database.ts';
import { enqueueJob, getJob } from '../../../engine/jobs.ts';
import { waitFor } from '../../../engine/test-fixtures/wait.ts';
import { startWorkers } from '../../../engine/worker.ts';
import type { Hub } from '../../../hub.ts';
import { recordMovement } from '../../../inventory/movements.ts';
import { describeEachDatabase, testKinds, useTestDatabase } from '../../../test/databases.ts';
import { createAccount } from '../../core/accounts.ts';
import { connectorContextFor } from '../../core/context.ts';
import { runConnectorJob } from '../../core/jobs.ts';
import type { ChannelModule } from '../../core/module.ts';
import { reconcileAccount } from '../../core/propagation.ts';
import { syncAccount } from '../../core/sync.ts';
import { channelsHub, seedCatalog } from '../../core/testing.ts';
import { listingPrices, setAccountPrice, setBasePrice } from '../../../pricing/prices.ts';
import { ORDERS_PAGE } from './client.ts';
import { minorToDecimal } from './orders.ts';
import { exited, useWorkerProcesses } from '../../../test/worker-processes.ts';

/**
 * The end-to-end test of a SellerCenter module (Lamoda's, Namshi's), on both databases, with
 * its simulator over real HTTP and real workers: an order in the simulator → the order and its
 * write-off in Sklad → the new quantity on the channel through a ProductUpdate feed; a
 * cancellation returns the stock; one order fetched by its number; a SKU the feed refuses is
 * a failed push of that listing only; a refused key and a wrong clock turn the account
 * needs_reauth; a broken answer is a failed run naming the element; and at the end every
 * request the connector sent was signed as §2 says and every answer fits the contract.
 */

export interface SellerCenterCase {
  module: ChannelModule;
  simulator(
    options: Omit<SellerCenterSimulatorOptions, 'flavour'>,
  ): SellerCenterSimulator & { addSeller(input: { userId: string; apiKey: string }): SellerCenterSeller };
  currency: string;
  /** The unit price the simulator's products get, and what it is in minor units. */
  price: { text: string; minor: number };
}

const PRODUCTS = 8;
const STOCK = 20;
const credentials = { userId: 'seller@sklad.example', apiKey: 'sellercenter-test-key-1' };

export function describeSellerCenterModule(c: SellerCenterCase) {
  const { channel, title } = c.module.connector;

  describeEachDatabase(`the ${title} module against its simulator`, (t) => {
    const sim = c.simulator({ rateLimit: null });
    let seller: SellerCenterSeller;
    let url: string;
    const closers: (() => Promise<void>)[] = [];
    let hub: Hub;
    let accountId: number;
    let warehouseId: number;
    let productIds: number[];
    /** Exchanges whose answer a test broke on purpose, or whose key was wrong on purpose. */
    const deliberate = new Set<(typeof sim.log)[number]>();

    beforeAll(async () => {
      seller = sim.addSeller(credentials);
      for (let n = 1; n <= PRODUCTS; n++)
        seller.addProduct({
          sellerSku: `SKU-${n}`,
          name: `Product ${n}`,
          quantity: 0,
          price: c.price.text,
          productId: `4600000000${String(n).padStart(3, '0')}`,
        });
      const server = await sim.listen();
      url = server.url;
      closers.push(server.close);
      hub = channelsHub(t.database);
      ({ warehouseId, productIds } = await seedCatalog(hub.db, { count: PRODUCTS, stock: () => STOCK }));
      accountId = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          { channel, name: title, baseUrl: url, credentials, settings: { stockWarehouseId: warehouseId } },
          'test',
        )
      ).id;
      await syncAccount(hub, accountId);
      closers.push(startWorkers(hub, { pollMs: 50, stopGraceMs: 0 }));
    });
    afterAll(async () => {
      for (const close of closers.reverse()) await close();
    });

    const onHand = async (i: number) =>
      (
        await rows<{ on_hand: number }>(
          hub.db,
          sql`select on_hand from stock_levels where product_id = ${productIds[i]} and warehouse_id = ${warehouseId}`,
        )
      )[0].on_hand;
    const channelQuantity = (i: number) => seller.product(`SKU-${i + 1}`)!.quantity;
    const orderRow = async (number: string) =>
      (
        await rows<{
          status: string;
          total_minor: number;
          currency: string;
          ordered_at: string;
          channel_status: string;
        }>(
          hub.db,
          sql`
        select status, total_minor::int as total_minor, currency, iso(ordered_at) as ordered_at, channel_status from orders
         where channel = ${channel} and account_id = ${accountId} and external_id = ${number}`,
        )
      )[0];
    /** The orders job as the engine runs it: queued, claimed by a worker, run in a sync run. */
    async function pullOrders(account = accountId) {
      const { id } = await enqueueJob(hub.db, {
        type: `${channel}.orders`,
        accountId: account,
        payload: { accountId: account },
      });
      return waitFor(`${channel}.orders to end`, async () => {
        const job = await getJob(hub.db, id);
        return ['succeeded', 'dead', 'failed'].includes(job.status) ? job : null;
      });
    }

    it('lists every product by its SellerSku, matched to Sklad’s products, and the first sync pushed their stock by a feed', async () => {
      const listings = await rows<{ external_id: string; sku: string; ean: string; match_state: string }>(
        hub.db,
        sql`
        select external_id, sku, ean, match_state from listings where account_id = ${accountId} order by id`,
      );
      expect(listings).toHaveLength(PRODUCTS);
      expect(listings[0]).toEqual({ external_id: 'SKU-1', sku: 'SKU-1', ean: '4600000000001', match_state: 'matched' });
      for (let i = 0; i < PRODUCTS; i++) expect(channelQuantity(i)).toBe(STOCK);
      expect(
        sim.log.filter((e) => e.query.Action?.[0] === 'ProductUpdate' && e.method === 'POST').length,
      ).toBeGreaterThan(0);
    });

    it('imports an order: written off once in Sklad, the new quantity pushed back by a ProductUpdate feed; a cancellation returns it', async () => {
      const order = seller.addOrder({
        lines: [{ sku: 'SKU-1', quantity: 3 }, { sku: 'SKU-2' }],
        shippingAmount: '5.50',
      });
      expect((await pullOrders()).status).toBe('succeeded');
      const stored = await orderRow(order.number);
      expect(stored).toMatchObject({
        status: 'new',
        currency: c.currency,
        total_minor: 4 * c.price.minor + 550,
        channel_status: 'pending',
      });
      // Local dates read in the offset Head/Timestamp names: the instant the simulator made it, to the second.
      expect(Date.parse(stored.ordered_at)).toBe(Math.floor(order.createdAt / 1000) * 1000);
      const lines = await rows<{ sku: string; quantity: number; price_minor: number }>(
        hub.db,
        sql`
        select l.sku, l.quantity, l.price_minor::int as price_minor from order_lines l join orders o on o.id = l.order_id where o.external_id = ${order.number} order by l.line_no`,
      );
      expect(lines).toEqual([
        { sku: 'SKU-1', quantity: 3, price_minor: c.price.minor },
        { sku: 'SKU-2', quantity: 1, price_minor: c.price.minor },
      ]);
      expect([await onHand(0), await onHand(1)]).toEqual([STOCK - 3, STOCK - 1]);
      await waitFor(
        'the channel to show the stock',
        () => channelQuantity(0) === STOCK - 3 && channelQuantity(1) === STOCK - 1,
      );

      // A second pull changes nothing: one write-off per line.
      await pullOrders();
      expect(await onHand(0)).toBe(STOCK - 3);

      seller.cancelOrder(order.number);
      await pullOrders();
      expect((await orderRow(order.number)).status).toBe('cancelled');
      expect([await onHand(0), await onHand(1)]).toEqual([STOCK, STOCK]);
      await waitFor(
        'the channel to show the stock back',
        () => channelQuantity(0) === STOCK && channelQuantity(1) === STOCK,
      );
      const [sales] = await rows<{ n: number }>(
        hub.db,
        sql`select count(*)::int as n from stock_movements where type = 'sale' and product_id = ${productIds[0]}`,
      );
      expect(sales.n).toBe(1);
    }, 60_000);

    it('an order the marketplace ships from its own warehouse moves none of Sklad’s stock', async () => {
      const order = seller.addOrder({
        lines: [{ sku: 'SKU-3', quantity: 2 }],
        shippingType: 'Own Warehouse',
        status: 'shipped',
      });
      await pullOrders();
      expect((await orderRow(order.number)).status).toBe('shipped');
      expect(await onHand(2)).toBe(STOCK);
    });

    it('fetches one order by its number or its id and hands it to ingestion; an unknown number is null', async () => {
      const order = seller.addOrder({ lines: [{ sku: 'SKU-4', quantity: 2 }] });
      seller.setItemStatus(order.id, 'delivered');
      const ctx = await connectorContextFor(hub, accountId);
      const fact = await c.module.connector.fetchOrder!(ctx, order.number);
      expect(fact).toMatchObject({
        externalId: order.number,
        status: 'delivered',
        currency: c.currency,
        lines: [{ ref: { sku: 'SKU-4' }, quantity: 2, priceMinor: c.price.minor }],
      });
      expect(await c.module.connector.fetchOrder!(ctx, String(order.id))).toMatchObject({ externalId: order.number });
      expect(await c.module.connector.fetchOrder!(ctx, '999999999')).toBeNull();
      const [ingested] = await ctx.ingest.orders([fact!]);
      expect(ingested).toMatchObject({ created: true, unmatched: [] });
      expect((await orderRow(order.number)).status).toBe('delivered');
      expect(await onHand(3)).toBe(STOCK - 2);
      expect(c.module.support?.fetchOrderAction).toBeTruthy();
    });

    it('a SKU the feed refuses is a failed push of that listing only, kept with its error; reconcile reads quantities back', async () => {
      seller.feedErrors.set('SKU-5', 'Product is blocked by moderation');
      await recordMovement(hub.db, { type: 'receipt', productId: productIds[4], warehouseId, quantity: 5 }, 'test');
      await recordMovement(hub.db, { type: 'receipt', productId: productIds[5], warehouseId, quantity: 5 }, 'test');
      await waitFor('the refused push to be kept', async () => {
        const [l] = await rows<{ last_push_error: string | null }>(
          hub.db,
          sql`select last_push_error from listings where account_id = ${accountId} and sku = 'SKU-5'`,
        );
        return l.last_push_error;
      });
      await waitFor('SKU-6 to be pushed', () => channelQuantity(5) === STOCK + 5);
      const [refused] = await rows<{ last_push_error: string; needs_push: boolean }>(
        hub.db,
        sql`select last_push_error, needs_push from listings where account_id = ${accountId} and sku = 'SKU-5'`,
      );
      expect(refused.last_push_error).toMatch(
        new RegExp(`^${title} refused it in feed [0-9a-f-]{36}: 1: Product is blocked by moderation$`),
      );
      expect(refused.needs_push).toBe(false);
      expect(channelQuantity(4)).toBe(STOCK);
      seller.feedErrors.delete('SKU-5');

      // Someone changed a quantity in the seller center: reconcile reads GetProducts and puts Sklad's back.
      seller.products.get('SKU-7')!.quantity = 3;
      // The workers of this file may be pushing the account right now: a busy reconcile did nothing, so it is asked again.
      const summary = await waitFor('a reconcile that ran', async () => {
        const s = await reconcileAccount(hub, accountId);
        return s.busy ? null : s;
      });
      expect(summary.pushed).toBeGreaterThanOrEqual(1);
      expect([channelQuantity(6), channelQuantity(4)]).toEqual([STOCK, STOCK + 5]);
    }, 60_000);

    it('a price change reaches the channel by a ProductUpdate feed’s Price; a refusal shows on the listing; a listing matched later gets its price', async () => {
      const listingOf = async (i: number) =>
        (await listingPrices(hub.db, productIds[i])).find((l) => l.account_id === accountId)!;
      const channelPrice = (sku: string) => seller.product(sku)?.price;
      const from = sim.log.length;
      // The base price, and a rule of this account on another product (× 1.5, rounded half up to the kopeck, fils …).
      const ruled = Math.floor((3 * c.price.minor + 1) / 2);
      await setBasePrice(
        hub.db,
        productIds[0],
        { amount: 2 * c.price.minor + 1, currency: c.currency, reason: 'test' },
        'test',
      );
      await setBasePrice(hub.db, productIds[1], { amount: c.price.minor, currency: c.currency }, 'test');
      await setAccountPrice(hub.db, productIds[1], accountId, { factor: 1500 }, 'test');
      await waitFor(
        'the prices on the channel',
        () =>
          channelPrice('SKU-1') === minorToDecimal(2 * c.price.minor + 1, c.currency) &&
          channelPrice('SKU-2') === minorToDecimal(ruled, c.currency),
      );
      expect(
        await waitFor('the push settled', async () => ((await listingOf(0)).needs_push ? null : listingOf(0))),
      ).toMatchObject({ last_pushed_amount: 2 * c.price.minor + 1, refusal: null });
      const feeds = sim.log
        .slice(from)
        .filter((e) => e.method === 'POST' && e.query.Action?.[0] === 'ProductUpdate')
        .map((e) => String(e.body));
      expect(
        feeds.some((xml) => xml.includes(`<Price>${minorToDecimal(2 * c.price.minor + 1, c.currency)}</Price>`)),
      ).toBe(true);
      expect(feeds.every((xml) => !xml.includes('<SalePrice>'))).toBe(true);

      // The seller center no longer has SKU-7 (the digest's "Seller SKU … not found"), and a price in another of the channel's currencies is not this shop's.
      const seventh = seller.products.get('SKU-7')!;
      seller.products.delete('SKU-7');
      const other = c.module.connector.pricing!.currencies!.find((code) => code !== c.currency)!;
      await setBasePrice(hub.db, productIds[6], { amount: c.price.minor, currency: c.currency }, 'test');
      await setAccountPrice(hub.db, productIds[7], accountId, { amount: 1_000, currency: other }, 'test');
      const missing = await waitFor('SKU-7 refused', async () => (await listingOf(6)).refusal);
      expect(missing).toMatch(
        new RegExp(`^${title} refused it in feed [0-9a-f-]{36}: 1: Seller SKU 'SKU-7' not found$`),
      );
      expect(await waitFor('SKU-8 refused', async () => (await listingOf(7)).refusal)).toBe(
        `This ${title} shop sells in ${c.currency}: a price in ${other} is not sent`,
      );
      expect(await listingOf(6)).toMatchObject({
        needs_push: false,
        last_pushed_amount: null,
        refused_at: expect.any(String),
      });
      seller.products.set('SKU-7', seventh);
      // Back on the channel, the next change goes through and clears the refusal.
      await setBasePrice(hub.db, productIds[6], { amount: c.price.minor + 100, currency: c.currency }, 'test');
      await waitFor(
        'SKU-7 priced',
        async () =>
          (await listingOf(6)).refusal === null &&
          channelPrice('SKU-7') === minorToDecimal(c.price.minor + 100, c.currency),
      );

      // A product priced before its listing exists: the match marks the new listing, and its price goes out.
      const {
        productIds: [ninth],
      } = await seedCatalog(hub.db, { count: 1, from: PRODUCTS + 1, stock: () => STOCK });
      await setBasePrice(hub.db, ninth, { amount: 3 * c.price.minor, currency: c.currency }, 'test');
      seller.addProduct({ sellerSku: `SKU-${PRODUCTS + 1}`, name: 'Listed later', quantity: 0, price: c.price.text });
      await syncAccount(hub, accountId);
      await waitFor(
        'the newly matched listing priced',
        () => channelPrice(`SKU-${PRODUCTS + 1}`) === minorToDecimal(3 * c.price.minor, c.currency),
      );
      // Its stock goes by its own push, which may land after the price's.
      await waitFor(
        'the newly matched listing stocked',
        () => seller.product(`SKU-${PRODUCTS + 1}`)!.quantity === STOCK,
      );
    }, 60_000);

    it('a broken answer fails the run with an error naming the element', async () => {
      seller.addOrder({ lines: [{ sku: 'SKU-8' }] });
      for (const [how, named] of [
        [
          { kind: 'drop', element: 'CreatedAt' },
          /GetOrders answer does not fit: SuccessResponse\/Body\/Orders\/Order\[\d+\]\/CreatedAt: /,
        ],
        [
          { kind: 'unexpected', element: 'Surprise' },
          /GetOrders answer does not fit: SuccessResponse\/Body: unexpected element <Surprise>/,
        ],
        [{ kind: 'truncate' }, /GetOrders answer is not well-formed XML/],
      ] as const) {
        sim.malform.next('GetOrders', how);
        const before = sim.log.length;
        await expect(runConnectorJob(hub, accountId, 'orders')).rejects.toThrow(named);
        // The broken answer is this run's GetOrders (the workers may have asked for other things meanwhile).
        for (const e of sim.log.slice(before)) if (e.query.Action?.[0] === 'GetOrders') deliberate.add(e);
        const [run] = await rows<{ status: string; error: string }>(
          hub.db,
          sql`
          select status, error from sync_runs where account_id = ${accountId} and type = ${`${channel}.orders`} order by id desc limit 1`,
        );
        expect(run.status).toBe('failed');
        expect(run.error).toMatch(named);
      }
      // Whole answers again: the run resumes where the failed ones stopped.
      expect((await pullOrders()).status).toBe('succeeded');
    });

    it('a refused key, and a request the clock made too old, turn the account needs_reauth with the reason', async () => {
      const wrong = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          {
            channel,
            name: `${title} wrong key`,
            baseUrl: url,
            credentials: { ...credentials, apiKey: 'not-the-key-0000' },
          },
          'test',
        )
      ).id;
      const from = sim.log.length;
      await expect(runConnectorJob(hub, wrong, 'orders')).rejects.toThrow(
        `${title} refused the UserID and API key (E007: Login failed)`,
      );
      for (const e of sim.log.slice(from)) deliberate.add(e);
      const [account] = await rows<{ status: string; status_reason: string }>(
        hub.db,
        sql`select status, status_reason from channel_accounts where id = ${wrong}`,
      );
      expect(account).toEqual({
        status: 'needs_reauth',
        status_reason: `${title} refused the UserID and API key (E007: Login failed)`,
      });

      // An instance whose clock is an hour ahead refuses every Timestamp (E003).
      const state = new SellerCenterState(() => Date.now() + 3_600_000);
      const ahead = c.simulator({ state, rateLimit: null });
      ahead.addSeller(credentials);
      const server = await ahead.listen();
      closers.push(server.close);
      const skewed = (
        await createAccount(
          hub.db,
          hub.masterKey!,
          { channel, name: `${title} clock`, baseUrl: server.url, credentials },
          'test',
        )
      ).id;
      const ctx = await connectorContextFor(hub, skewed, { allowInactive: true });
      expect(await c.module.connector.validate(ctx)).toEqual({
        ok: false,
        reason: expect.stringMatching(
          /refused the request’s time \(E003: Timestamp has expired\): check this server’s clock$/,
        ),
      });
      await expect(runConnectorJob(hub, skewed, 'orders')).rejects.toThrow(/E003/);
      expect(
        (await rows<{ status: string }>(hub.db, sql`select status from channel_accounts where id = ${skewed}`))[0]
          .status,
      ).toBe('needs_reauth');
    });

    it('sent only signed requests naming documented actions, and every answer fits the contract', () => {
      const keys = new Map([[credentials.userId, credentials.apiKey]]);
      const problems: string[] = [];
      const actions = new Set<string>();
      for (const entry of sim.log) {
        if (deliberate.has(entry)) {
          // Even a refusal or a broken answer came to a request that names a documented action.
          if (String(entry.responseBody).includes('<ErrorResponse>'))
            problems.push(...checkAnswer(entry.query.Action?.[0] ?? '', String(entry.responseBody)));
          continue;
        }
        actions.add(`${entry.method} ${entry.query.Action?.[0]}`);
        problems.push(...checkExchange(entry, keys));
      }
      expect([...actions].sort()).toEqual([
        'GET FeedStatus',
        'GET GetMultipleOrderItems',
        'GET GetOrder',
        'GET GetOrderItems',
        'GET GetOrders',
        'GET GetProducts',
        'POST ProductUpdate',
      ]);
      expect(problems).toEqual([]);
    });
  });
}

/** The trouble tests' shop: more stock than all their orders take. */
const TROUBLE = { products: 10, stock: 100, orders: 30, cancelled: 10 };

interface Placed {
  number: string;
  /** Units by product index. */
  lines: [product: number, quantity: number][];
}

/** The simulator with the seller's products, and an account whose listings and stock were synced once. */
async function troubleRig(c: SellerCenterCase, database: Parameters<typeof channelsHub>[0]) {
  const sim = c.simulator({ rateLimit: null });
  const seller = sim.addSeller(credentials);
  for (let n = 1; n <= TROUBLE.products; n++)
    seller.addProduct({ sellerSku: `SKU-${n}`, name: `Product ${n}`, quantity: 0, price: c.price.text });
  const server = await sim.listen();
  const hub = channelsHub(database);
  const { warehouseId } = await seedCatalog(hub.db, { count: TROUBLE.products, stock: () => TROUBLE.stock });
  const { channel, title } = c.module.connector;
  const accountId = (
    await createAccount(
      hub.db,
      hub.masterKey!,
      { channel, name: title, baseUrl: server.url, credentials, settings: { stockWarehouseId: warehouseId } },
      'test',
    )
  ).id;
  await syncAccount(hub, accountId);
  const db = hub.db;

  /** Orders a minute apart; every other one of two units, every third with a second SKU. */
  const placeOrders = (count: number): Placed[] =>
    Array.from({ length: count }, (_, k): Placed => {
      const lines: Placed['lines'] = [[k % TROUBLE.products, 1 + (k % 2)]];
      if (k % 3 === 0) lines.push([(k + 3) % TROUBLE.products, 1]);
      const order = seller.addOrder({
        lines: lines.map(([i, quantity]) => ({ sku: `SKU-${i + 1}`, quantity })),
        at: new Date(Date.now() - (count - k) * 60_000),
      });
      return { number: order.number, lines };
    });

  /** The orders job as the engine runs it; deduplicated with one already waiting or running. */
  const enqueueOrders = () =>
    enqueueJob(db, {
      type: `${channel}.orders`,
      accountId,
      payload: { accountId },
      key: `${channel}.orders:${accountId}`,
    });
  const jobEnd = (id: number, boundMs = 60_000) =>
    waitFor(
      `${channel}.orders to end`,
      async () => {
        const job = await getJob(db, id);
        return job.status === 'succeeded' || job.status === 'dead' ? job : null;
      },
      boundMs,
    );

  async function ledger() {
    const [counts] = await rows<{
      orders: number;
      distinct_orders: number;
      lines: number;
      cancelled: number;
      cancelled_lines: number;
    }>(
      db,
      sql`
      select (select count(*)::int from orders where channel = ${channel}) as orders,
             (select count(distinct external_id)::int from orders where channel = ${channel}) as distinct_orders,
             (select count(*)::int from order_lines l join orders o on o.id = l.order_id where o.channel = ${channel}) as lines,
             (select count(*)::int from orders where channel = ${channel} and status = 'cancelled') as cancelled,
             (select count(*)::int from order_lines l join orders o on o.id = l.order_id where o.channel = ${channel} and o.status = 'cancelled') as cancelled_lines`,
    );
    // Per order line, by the reference core writes its movements under: never none, never two.
    const [movements] = await rows<{ sales_off: number; returns_off: number; sales: number; returns: number }>(
      db,
      sql`
      select count(*) filter (where sales <> 1)::int as sales_off,
             count(*) filter (where returns <> case when status = 'cancelled' then 1 else 0 end)::int as returns_off,
             coalesce(sum(sales), 0)::int as sales, coalesce(sum(returns), 0)::int as returns
        from (select o.status,
                     (select count(*) from stock_movements m where m.type = 'sale' and m.reference like 'order:' || o.id || ':line:' || l.line_no || ':%') as sales,
                     (select count(*) from stock_movements m where m.type = 'return' and m.reference like 'order:' || o.id || ':line:' || l.line_no || ':%') as returns
                from order_lines l join orders o on o.id = l.order_id where o.channel = ${channel}) per_line`,
    );
    return { ...counts, ...movements };
  }

  /** Every order once, one sale per line, one return per cancelled line; Sklad and the channel at the stock those leave. */
  async function expectSettled(placed: Placed[], cancelled: number) {
    const after = await ledger();
    expect(after).toMatchObject({
      orders: placed.length,
      distinct_orders: placed.length,
      cancelled,
      sales_off: 0,
      returns_off: 0,
    });
    expect([after.sales, after.returns]).toEqual([after.lines, after.cancelled_lines]);
    const want = Array.from({ length: TROUBLE.products }, () => TROUBLE.stock);
    placed.forEach((o, k) => {
      if (k >= cancelled) for (const [i, q] of o.lines) want[i] -= q;
    });
    const seen = async () => {
      const levels = await rows<{ on_hand: number }>(
        db,
        sql`
        select l.on_hand::int as on_hand from stock_levels l join products p on p.id = l.product_id where l.warehouse_id = ${warehouseId} order by p.id`,
      );
      return {
        sklad: levels.map((l) => l.on_hand),
        channel: want.map((_, i) => seller.product(`SKU-${i + 1}`)!.quantity),
      };
    };
    // The ProductUpdate feeds follow the write-offs: waited for, then compared, so a miss shows the difference.
    await waitFor(
      'the channel to show the stock',
      async () => JSON.stringify(await seen()) === JSON.stringify({ sklad: want, channel: want }),
      60_000,
    ).catch(() => null);
    expect(await seen()).toEqual({ sklad: want, channel: want });
  }

  /** Every request signed and documented, every whole answer in the contract's shapes. */
  const contractProblems = () =>
    sim.log.flatMap((e) => checkExchange(e, new Map([[credentials.userId, credentials.apiKey]])));

  return { sim, seller, server, hub, ledger, placeOrders, enqueueOrders, jobEnd, expectSettled, contractProblems };
}

/**
 * A SellerCenter module's orders under trouble (its `<module>.sigkill.test.ts`): 30 orders
 * pulled by `<channel>.orders` as the engine runs it, with 30 % of the answers failing (5xx, and
 * timeouts that end in a 504; no instance documents a rate limit, §6, so no 429), then a third
 * of them cancelled. Then, on PostgreSQL, 230 orders (three GetOrders pages) with a real `sklad
 * worker` process killed by SIGKILL while the second page is in flight (every answer slow), and
 * a successor taking the job and the stock pushes over when their leases run out. Each time:
 * every order once, one sale per order line, one return per cancelled line, and the channel at
 * Sklad's stock through ProductUpdate feeds.
 */
export function describeSellerCenterTrouble(c: SellerCenterCase) {
  const { title } = c.module.connector;

  describeEachDatabase(`${title} orders through 30 % faults (end to end)`, (t) => {
    let rig: Awaited<ReturnType<typeof troubleRig>>;
    let stopWorkers: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      rig = await troubleRig(c, t.database);
      stopWorkers = startWorkers(rig.hub, { concurrency: 4, pollMs: 50, stopGraceMs: 0 });
    });
    afterAll(async () => {
      await stopWorkers?.();
      await rig?.server.close();
    });

    it('every order once, one sale per line, one return per cancelled line, and the channel at the stock', async () => {
      rig.sim.faults.set({ rate: 0.3, kinds: ['500', '502', '503', 'timeout'], slowMs: 300 });
      // The random faults may miss a kind in a short run: each comes at least once for sure.
      for (const kind of ['503', 'timeout', '500'] as const) rig.sim.faults.next(kind, 1);
      try {
        const placed = rig.placeOrders(TROUBLE.orders);
        expect((await rig.jobEnd((await rig.enqueueOrders()).id)).status).toBe('succeeded');
        await rig.expectSettled(placed, 0);
        for (const o of placed.slice(0, TROUBLE.cancelled)) rig.seller.cancelOrder(o.number);
        expect((await rig.jobEnd((await rig.enqueueOrders()).id)).status).toBe('succeeded');
        await rig.expectSettled(placed, TROUBLE.cancelled);
      } finally {
        rig.sim.faults.set(null);
      }
      for (const kind of ['500', '503', 'timeout'])
        expect(
          rig.sim.log.some((e) => e.fault === kind),
          kind,
        ).toBe(true);
      expect(rig.contractProblems()).toEqual([]);
    }, 90_000);
  });

  describe.skipIf(!testKinds().includes('postgres'))(
    `${title} orders with a sklad worker killed by SIGKILL mid-run [postgres]`,
    () => {
      const t = useTestDatabase('postgres');
      let rig: Awaited<ReturnType<typeof troubleRig>>;

      const workers = useWorkerProcesses(() => ({ url: t.url!, masterKey: rig.hub.masterKey! }));
      const spawnWorker = workers.spawn;

      beforeAll(async () => {
        rig = await troubleRig(c, t.database);
      }, 60_000);
      afterAll(async () => {
        await rig?.server.close();
      });

      it('a worker killed between two pages: its successor finishes the run, every order and every write-off once', async () => {
        const first = await spawnWorker();
        const placed = rig.placeOrders(2 * ORDERS_PAGE + TROUBLE.orders);
        // Slow answers keep the run on its second page long enough to kill the worker there.
        rig.sim.faults.set({ rate: 1, kinds: ['slow'], slowMs: 400 });
        const { id } = await rig.enqueueOrders();
        await waitFor('the first page to be in', async () => (await rig.ledger()).orders >= ORDERS_PAGE, 60_000);
        first.kill('SIGKILL');
        await exited(first);
        expect((await rig.ledger()).orders).toBeLessThan(placed.length);
        rig.sim.faults.set(null);

        // The successor takes the job over once the killed worker's lease has run out, and resumes at the saved page.
        await spawnWorker();
        expect((await rig.jobEnd(id, 90_000)).status).toBe('succeeded');
        await rig.expectSettled(placed, 0);
        expect((await getJob(rig.hub.db, id)).attempts).toBeGreaterThanOrEqual(2);

        // Cancellations, read by the successor: each returns its lines once, and the channel gets the units back.
        for (const o of placed.slice(0, TROUBLE.cancelled)) rig.seller.cancelOrder(o.number);
        expect((await rig.jobEnd((await rig.enqueueOrders()).id)).status).toBe('succeeded');
        await rig.expectSettled(placed, TROUBLE.cancelled);
        expect(rig.contractProblems()).toEqual([]);
      }, 180_000);
    },
  );
}
