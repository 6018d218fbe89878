import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { ensureWarehouse, recordMovement } from '../inventory/movements.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { upsertOrders, type OrderInput } from './service.ts';

describeEachDatabase('orders stored a chunk at a time', (t) => {
  let server: TestServer;
  let productId: number;
  let warehouseId: number;

  const level = async () =>
    (
      await rows<{ on_hand: number }>(
        t.database.db,
        sql`select on_hand from stock_levels where product_id = ${productId} and warehouse_id = ${warehouseId}`,
      )
    )[0]?.on_hand;
  const counts = async () =>
    (
      await rows<{
        orders: number;
        lines: number;
        history: number;
        outbox: number;
        movements: number;
        touched: string;
      }>(
        t.database.db,
        sql`
      select (select count(*)::int from orders) as orders, (select count(*)::int from order_lines) as lines,
             (select count(*)::int from order_status_history) as history, (select count(*)::int from outbox where topic like 'order.%') as outbox,
             (select count(*)::int from stock_movements where type in ('sale', 'return')) as movements,
             (select max(updated_at)::text from orders) as touched`,
      )
    )[0];

  const order = (externalId: string, overrides: Partial<OrderInput> = {}): OrderInput => ({
    accountId: 9,
    channel: 'wildberries',
    externalId,
    status: 'new',
    channelStatus: 'ordered',
    orderedAt: '2026-11-01T10:00:00Z',
    currency: 'RUB',
    totalMinor: 150_000,
    warehouseId: null,
    lines: [{ productId, sku: 'MUG-1', name: 'Mug', quantity: 1, priceMinor: 150_000 }],
    raw: { warehouseName: 'Коледино' },
    ...overrides,
  });
  const chunk = () => [
    order('W-1'),
    order('W-2'),
    order('W-3', { lines: [{ productId: null, sku: 'NONE', name: 'Unknown', quantity: 2, priceMinor: 75_000 }] }),
    order('S-1', { warehouseId }),
  ];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const db = t.database.db;
    [{ id: productId }] = await rows<{ id: number }>(
      db,
      sql`insert into products (sku, name) values ('MUG-1', 'Mug') returning id`,
    );
    await db.transaction(async (tx) => {
      warehouseId = (await ensureWarehouse(tx, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false })).id;
      await recordMovement(tx, { type: 'receipt', productId, warehouseId, quantity: 10 }, 'test');
    });
  });
  afterAll(() => server.close());

  test('new orders go in with their lines, history and order.created; the one holding stock is written off under its own reference', async () => {
    const db = t.database.db;
    const results = await db.transaction((tx) => upsertOrders(tx, chunk(), 'wildberries:9'));
    expect(results.map((r) => r.created)).toEqual([true, true, true, true]);
    expect(new Set(results.map((r) => r.orderId)).size).toBe(4);
    const stored = await rows<{ external_id: string; id: number; lines: number; history: number; created: number }>(
      db,
      sql`
      select o.external_id, o.id, (select count(*)::int from order_lines l where l.order_id = o.id) as lines,
             (select count(*)::int from order_status_history h where h.order_id = o.id and h.actor = 'wildberries:9') as history,
             (select count(*)::int from outbox x where x.topic = 'order.created' and x.key = o.id::text) as created
        from orders o order by o.external_id`,
    );
    expect(stored.map((s) => [s.external_id, s.lines, s.history, s.created])).toEqual([
      ['S-1', 1, 1, 1],
      ['W-1', 1, 1, 1],
      ['W-2', 1, 1, 1],
      ['W-3', 1, 1, 1],
    ]);
    expect(stored.find((s) => s.external_id === 'W-1')!.id).toBe(results[0].orderId);
    const stockOrder = results[3].orderId;
    const sales = await rows<{ reference: string; quantity: number }>(
      db,
      sql`select reference, quantity from stock_movements where type = 'sale'`,
    );
    expect(sales).toEqual([{ reference: `order:${stockOrder}:line:1:sale:1`, quantity: -1 }]);
    expect(await level()).toBe(9);
  });

  test('the same chunk again writes nothing', async () => {
    const db = t.database.db;
    const before = await counts();
    const results = await db.transaction((tx) => upsertOrders(tx, chunk(), 'wildberries:9'));
    expect(results.map((r) => [r.created, r.statusChanged])).toEqual([
      [false, false],
      [false, false],
      [false, false],
      [false, false],
    ]);
    expect(await counts()).toEqual(before);
    expect(await level()).toBe(9);
  });

  test('a changed status is written with its history and order.changed; a cancellation returns the stock once', async () => {
    const db = t.database.db;
    const before = await counts();
    const changed = [
      order('W-1', { status: 'shipped' }),
      order('W-2', { totalMinor: 140_000 }),
      order('S-1', { warehouseId, status: 'cancelled', channelStatus: 'cancelled' }),
    ];
    const results = await db.transaction((tx) => upsertOrders(tx, changed, 'wildberries:9'));
    expect(results.map((r) => [r.statusChanged, r.previousStatus])).toEqual([
      [true, 'new'],
      [false, 'new'],
      [true, 'new'],
    ]);
    const after = await counts();
    expect({
      history: after.history - before.history,
      outbox: after.outbox - before.outbox,
      movements: after.movements - before.movements,
      orders: after.orders,
    }).toEqual({ history: 2, outbox: 2, movements: 1, orders: before.orders });
    const [w2] = await rows<{ total_minor: number; status: string }>(
      db,
      sql`select total_minor, status from orders where external_id = 'W-2'`,
    );
    expect({ total: Number(w2.total_minor), status: w2.status }).toEqual({ total: 140_000, status: 'new' });
    const payloads = await rows<{ payload: Record<string, unknown> }>(
      db,
      sql`select payload from outbox where topic = 'order.changed' order by id`,
    );
    expect(payloads.map((p) => p.payload)).toEqual([
      { status: 'shipped', previousStatus: 'new', accountId: 9 },
      { status: 'cancelled', previousStatus: 'new', accountId: 9 },
    ]);
    expect(await level()).toBe(10);
    await db.transaction((tx) => upsertOrders(tx, changed, 'wildberries:9'));
    expect(await counts()).toEqual(after);
    expect(await level()).toBe(10);
  });
});
