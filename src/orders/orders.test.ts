import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { ensureWarehouse, recordMovement } from '../inventory/movements.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { upsertSales } from './channel-data.ts';
import { upsertOrder, type OrderInput } from './service.ts';

describeEachDatabase('orders', (t) => {
  let server: TestServer;
  let productId: number;
  let otherId: number;
  let warehouseId: number;

  const level = async () =>
    (
      await rows<{ on_hand: number }>(
        t.database.db,
        sql`select on_hand from stock_levels where product_id = ${productId} and warehouse_id = ${warehouseId}`,
      )
    )[0]?.on_hand;

  const order = (overrides: Partial<OrderInput> = {}): OrderInput => ({
    accountId: 7,
    channel: 'allegro',
    externalId: 'A-1',
    status: 'new',
    channelStatus: 'READY_FOR_PROCESSING',
    orderedAt: '2026-11-01T10:00:00Z',
    currency: 'PLN',
    totalMinor: 2500,
    warehouseId,
    lines: [{ productId, sku: 'MUG-1', name: 'Mug', quantity: 2, priceMinor: 1250 }],
    ...overrides,
  });

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const db = t.database.db;
    [{ id: productId }, { id: otherId }] = await rows<{ id: number }>(
      db,
      sql`insert into products (sku, name) values ('MUG-1', 'Mug'), ('CUP-1', 'Cup') returning id`,
    );
    await db.transaction(async (tx) => {
      warehouseId = (await ensureWarehouse(tx, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false })).id;
      await recordMovement(tx, { type: 'receipt', productId, warehouseId, quantity: 10 }, 'test');
      await recordMovement(tx, { type: 'receipt', productId: otherId, warehouseId, quantity: 1 }, 'test');
    });
  });
  afterAll(() => server.close());

  test('a new order writes its lines off once; a re-import changes nothing', async () => {
    const db = t.database.db;
    const first = await db.transaction((tx) => upsertOrder(tx, order(), 'allegro'));
    expect(first).toMatchObject({ created: true });
    expect(await level()).toBe(8);
    const again = await db.transaction((tx) => upsertOrder(tx, order(), 'allegro'));
    expect(again).toMatchObject({ created: false, statusChanged: false, orderId: first.orderId });
    expect(await level()).toBe(8);
    const [count] = await rows<{ n: number }>(db, sql`select count(*)::int as n from orders where external_id = 'A-1'`);
    expect(count.n).toBe(1);
  });

  test('a cancellation returns exactly what was written off, once, and announces the change', async () => {
    const db = t.database.db;
    const cancelled = await db.transaction((tx) =>
      upsertOrder(tx, order({ status: 'cancelled', channelStatus: 'CANCELLED' }), 'allegro'),
    );
    expect(cancelled).toMatchObject({ statusChanged: true, previousStatus: 'new' });
    expect(await level()).toBe(10);
    await db.transaction((tx) =>
      upsertOrder(tx, order({ status: 'cancelled', channelStatus: 'CANCELLED' }), 'allegro'),
    );
    expect(await level()).toBe(10);
    const outbox = await rows<{ topic: string }>(
      db,
      sql`select topic from outbox where topic like 'order.%' and key = ${String(cancelled.orderId)} order by id`,
    );
    expect(outbox.map((o) => o.topic)).toEqual(['order.created', 'order.changed']);
  });

  test('a re-import with other lines replaces them: the old write-offs come back, the new lines are written off once, a cancellation returns them', async () => {
    const db = t.database.db;
    const otherLevel = async () =>
      (
        await rows<{ on_hand: number }>(
          db,
          sql`select on_hand from stock_levels where product_id = ${otherId} and warehouse_id = ${warehouseId}`,
        )
      )[0].on_hand;
    const before = { mug: await level(), cup: await otherLevel() };
    await db.transaction((tx) => upsertOrder(tx, order({ accountId: 8, externalId: 'A-LINES' }), 'allegro'));
    expect(await level()).toBe(before.mug - 2);
    const corrected = order({
      accountId: 8,
      externalId: 'A-LINES',
      totalMinor: 2250,
      lines: [
        { productId, sku: 'MUG-1', name: 'Mug', quantity: 1, priceMinor: 1250 },
        { productId: otherId, sku: 'CUP-1', name: 'Cup', quantity: 1, priceMinor: 1000 },
      ],
    });
    const [{ n: changesBefore }] = await rows<{ n: number }>(
      db,
      sql`select count(*)::int as n from outbox where topic = 'order.changed'`,
    );
    const result = await db.transaction((tx) => upsertOrder(tx, corrected, 'reconciler'));
    expect(result).toMatchObject({ created: false, statusChanged: false });
    expect(await level()).toBe(before.mug - 1);
    expect(await otherLevel()).toBe(before.cup - 1);
    const lines = await rows<{ sku: string; quantity: number }>(
      db,
      sql`
      select sku, quantity from order_lines where order_id = ${result.orderId} order by line_no`,
    );
    expect(lines.map((l) => `${l.sku}×${l.quantity}`)).toEqual(['MUG-1×1', 'CUP-1×1']);
    // The CRM hears of it (order.changed), and the same lines again change nothing.
    const [{ n: changesAfter }] = await rows<{ n: number }>(
      db,
      sql`select count(*)::int as n from outbox where topic = 'order.changed'`,
    );
    expect(changesAfter).toBe(changesBefore + 1);
    await db.transaction((tx) => upsertOrder(tx, corrected, 'reconciler'));
    expect([await level(), await otherLevel()]).toEqual([before.mug - 1, before.cup - 1]);
    await db.transaction((tx) =>
      upsertOrder(tx, { ...corrected, status: 'cancelled', channelStatus: 'CANCELLED' }, 'allegro'),
    );
    expect([await level(), await otherLevel()]).toEqual([before.mug, before.cup]);
    // The ledger explains it: every sale of the order is matched by a return.
    const [ledger] = await rows<{ net: number }>(
      db,
      sql`
      select coalesce(sum(quantity), 0)::int as net from stock_movements where reference like ${`order:${result.orderId}:%`}`,
    );
    expect(ledger.net).toBe(0);
  });

  test('an order for more than the stock writes off what there is and says so', async () => {
    const db = t.database.db;
    const result = await db.transaction((tx) =>
      upsertOrder(
        tx,
        order({
          externalId: 'A-2',
          lines: [{ productId: otherId, sku: 'CUP-1', name: 'Cup', quantity: 3, priceMinor: 100 }],
        }),
        'allegro',
      ),
    );
    const res = await server.api(`/api/v1/orders/${result.orderId}`);
    expect(res.status).toBe(200);
    expect(res.body.stock_note).toMatch(/3 sold, 1 in stock/);
    expect(res.body.lines[0]).toMatchObject({ sku: 'CUP-1', quantity: 3 });
    expect(res.body.history.map((h: { status: string }) => h.status)).toEqual(['new']);
  });

  test('a bad order from a connector is refused whole, naming the field', async () => {
    const db = t.database.db;
    await expect(
      db.transaction((tx) => upsertOrder(tx, order({ externalId: 'A-3', currency: 'zloty' }), 'allegro')),
    ).rejects.toThrow(/currency/);
    const [count] = await rows<{ n: number }>(db, sql`select count(*)::int as n from orders where external_id = 'A-3'`);
    expect(count.n).toBe(0);
  });

  test('the API finds orders by marketplace id or posting number and counts cancelled ones', async () => {
    await t.database.db.transaction((tx) =>
      upsertOrder(
        tx,
        order({ externalId: 'OZ-9', channel: 'ozon', postingNumber: '123-456-1', currency: 'RUB' }),
        'ozon',
      ),
    );
    const found = await server.api('/api/v1/orders?q=123-456-1');
    expect(found.body.items.map((o: { external_id: string }) => o.external_id)).toEqual(['OZ-9']);
    const stats = await server.api('/api/v1/orders/statistics?account_id=7');
    expect(stats.body).toMatchObject({ total: 3, cancelled: 1, active: 2 });
    expect((await server.api('/api/v1/orders?status=nonsense')).status).toBe(400);
    expect((await server.api('/api/v1/orders/999999')).status).toBe(404);
  });

  test('statistics sum revenue per currency: a PLN order and a RUB one are never added up', async () => {
    const db = t.database.db;
    const noStock = [{ productId: null, sku: 'GIFT-CARD', name: 'Gift card', quantity: 1, priceMinor: 1000 }];
    const orders: Partial<OrderInput>[] = [
      { externalId: 'CUR-RUB-1', currency: 'RUB', totalMinor: 470_000 },
      { externalId: 'CUR-PLN-1', currency: 'PLN', totalMinor: 5000 },
      { externalId: 'CUR-PLN-2', currency: 'PLN', totalMinor: 2500 },
      { externalId: 'CUR-PLN-3', currency: 'PLN', totalMinor: 900, status: 'cancelled' },
      { externalId: 'CUR-RUB-2', currency: 'RUB', totalMinor: 4000, status: 'returned' },
      { externalId: 'CUR-KZT-1', currency: 'KZT', totalMinor: 100_000, status: 'cancelled' },
    ];
    for (const o of orders)
      await db.transaction((tx) => upsertOrder(tx, order({ accountId: 12, lines: noStock, ...o }), 'test'));
    const stats = await server.api('/api/v1/orders/statistics?account_id=12');
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ total: 6, active: 3, cancelled: 2, returned: 1 });
    expect(stats.body.by_currency).toEqual([
      { currency: 'KZT', revenue_minor: 0, cancelled_minor: 100_000 },
      { currency: 'PLN', revenue_minor: 7500, cancelled_minor: 900 },
      { currency: 'RUB', revenue_minor: 470_000, cancelled_minor: 0 },
    ]);
    expect(stats.body).not.toHaveProperty('revenue_minor');
  });

  test('sales: a replayed page adds nothing and the buyout rate is buyouts ÷ (buyouts + returns)', async () => {
    const db = t.database.db;
    const page = [
      {
        accountId: 9,
        channel: 'wildberries',
        externalId: 'S1',
        kind: 'buyout' as const,
        amountMinor: 100_00,
        soldAt: '2026-11-02T00:00:00Z',
      },
      {
        accountId: 9,
        channel: 'wildberries',
        externalId: 'S2',
        kind: 'buyout' as const,
        amountMinor: 100_00,
        soldAt: '2026-11-02T00:00:00Z',
      },
      {
        accountId: 9,
        channel: 'wildberries',
        externalId: 'S3',
        kind: 'buyout' as const,
        amountMinor: 100_00,
        soldAt: '2026-11-02T00:00:00Z',
      },
      {
        accountId: 9,
        channel: 'wildberries',
        externalId: 'R1',
        kind: 'return' as const,
        amountMinor: -100_00,
        soldAt: '2026-11-03T00:00:00Z',
      },
    ];
    expect((await upsertSales(db, page)).every((r) => r.created)).toBe(true);
    expect((await upsertSales(db, page)).some((r) => r.created)).toBe(false);
    const stats = await server.api('/api/v1/sales/statistics?account_id=9');
    expect(stats.body).toMatchObject({ buyouts: 3, returns: 1, buyout_rate: 0.75 });
  });
  test('the list pages by cursor in any sort, filtered by channel, account and date: no order skipped or repeated when new ones arrive', async () => {
    const db = t.database.db;
    const noStock = [{ productId: null, sku: 'GIFT-CARD', name: 'Gift card', quantity: 1, priceMinor: 1000 }];
    // 23 orders of account 11 on two channels; several share a time or a total, so the id must break ties.
    for (let i = 0; i < 23; i++) {
      await db.transaction((tx) =>
        upsertOrder(
          tx,
          order({
            accountId: 11,
            channel: i % 2 ? 'ozon' : 'wix',
            externalId: `CUR-${i}`,
            currency: 'RUB',
            totalMinor: 1000 + (i % 5) * 100,
            orderedAt: `2026-10-${String(1 + Math.floor(i / 3)).padStart(2, '0')}T08:00:00Z`,
            lines: noStock,
          }),
          'test',
        ),
      );
    }
    const all = async (query: string) => {
      const seen: { external_id: string; ordered_at: string; total_minor: number }[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const res = await server.api(
          `/api/v1/orders?account_id=11&limit=5&${query}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        if (pages === 0) {
          // An order stored after the first page is read sorts before it: later pages are not shifted by it.
          await db.transaction((tx) =>
            upsertOrder(
              tx,
              order({
                accountId: 11,
                channel: 'wix',
                externalId: `CUR-late-${query}`,
                currency: 'RUB',
                orderedAt: '2026-12-01T00:00:00Z',
                totalMinor: 99_999,
                lines: noStock,
              }),
              'test',
            ),
          );
        }
        cursor = res.body.next_cursor;
        if (!cursor) return seen;
      }
      throw new Error('the cursor did not end');
    };
    const newest = await all('sort=ordered_at');
    expect(newest).toHaveLength(23);
    expect(new Set(newest.map((o) => o.external_id)).size).toBe(23);
    expect(newest.map((o) => o.ordered_at)).toEqual([...newest.map((o) => o.ordered_at)].sort().reverse());

    const cheapest = await all('sort=total_minor&direction=asc');
    // Both late orders (the largest totals) come last, each once: the one stored during this run too, since it sorts after the cursor.
    expect(cheapest.slice(-2).map((o) => o.external_id)).toEqual([
      'CUR-late-sort=ordered_at',
      'CUR-late-sort=total_minor&direction=asc',
    ]);
    const firstRun = cheapest.filter((o) => !o.external_id.startsWith('CUR-late'));
    expect(firstRun).toHaveLength(23);
    expect(firstRun.map((o) => o.total_minor)).toEqual([...firstRun.map((o) => o.total_minor)].sort((a, b) => a - b));

    const ozon = await server.api(
      '/api/v1/orders?account_id=11&channel=ozon&from=2026-10-02T00:00:00Z&to=2026-10-05T00:00:00Z&limit=50',
    );
    expect(ozon.body.items.map((o: { external_id: string }) => o.external_id).sort()).toEqual([
      'CUR-11',
      'CUR-3',
      'CUR-5',
      'CUR-7',
      'CUR-9',
    ]);
    expect(ozon.body.next_cursor).toBeNull();

    // A cursor of another sort, or no cursor at all, is a 400 naming the field.
    const first = await server.api('/api/v1/orders?account_id=11&limit=5');
    const wrong = await server.api(
      `/api/v1/orders?account_id=11&limit=5&sort=total_minor&cursor=${first.body.next_cursor}`,
    );
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('cursor');
    expect((await server.api('/api/v1/orders?cursor=not-a-cursor')).status).toBe(400);

    // prev_cursor, as `before`, reads the page before, the same rows in the same order; the first page has none.
    const ids = (res: { body: { items: { id: number }[] } }) => res.body.items.map((o) => o.id);
    const page1 = await server.api('/api/v1/orders?account_id=11&limit=5&sort=total_minor');
    expect(page1.body.prev_cursor).toBeNull();
    const page2 = await server.api(
      `/api/v1/orders?account_id=11&limit=5&sort=total_minor&cursor=${page1.body.next_cursor}`,
    );
    const page3 = await server.api(
      `/api/v1/orders?account_id=11&limit=5&sort=total_minor&cursor=${page2.body.next_cursor}`,
    );
    const back2 = await server.api(
      `/api/v1/orders?account_id=11&limit=5&sort=total_minor&before=${page3.body.prev_cursor}`,
    );
    expect(ids(back2)).toEqual(ids(page2));
    const back1 = await server.api(
      `/api/v1/orders?account_id=11&limit=5&sort=total_minor&before=${back2.body.prev_cursor}`,
    );
    expect(ids(back1)).toEqual(ids(page1));
    expect(back1.body.prev_cursor).toBeNull();
    expect(back1.body.next_cursor).not.toBeNull();
  });
});
