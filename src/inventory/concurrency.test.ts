import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { ensureWarehouse, recordMovement } from './movements.ts';

describeEachDatabase('stock under concurrent requests', (t) => {
  let server: TestServer;
  let warehouseId: number;

  const newStockedProduct = async (sku: string, quantity: number) => {
    const [{ id }] = await rows<{ id: number }>(
      t.database.db,
      sql`insert into products (sku, name) values (${sku}, ${sku}) returning id`,
    );
    if (quantity)
      await t.database.db.transaction((tx) =>
        recordMovement(tx, { type: 'receipt', productId: id, warehouseId, quantity }, 'test'),
      );
    return id;
  };

  const writeOff = (productId: number, quantity: number, idempotencyKey?: string, key?: string) =>
    server.api('/api/v1/stock/movements', {
      method: 'POST',
      key,
      headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      json: { type: 'write_off', product_id: productId, warehouse_id: warehouseId, quantity, reason: 'damaged' },
    });

  const ledger = async (productId: number) =>
    (
      await rows<{ n: number; sum: number }>(
        t.database.db,
        sql`
      select count(*)::int as n, coalesce(sum(quantity), 0)::int as sum from stock_movements
       where product_id = ${productId} and warehouse_id = ${warehouseId}`,
      )
    )[0];

  const onHand = async (productId: number) =>
    (
      await rows<{ on_hand: number }>(
        t.database.db,
        sql`
      select on_hand from stock_levels where product_id = ${productId} and warehouse_id = ${warehouseId}`,
      )
    )[0].on_hand;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    warehouseId = (await ensureWarehouse(t.database.db, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false }))
      .id;
  });
  afterAll(() => server.close());

  test('200 concurrent write-offs of 1 against a stock of 100: exactly 100 accepted, 100 refused, level 0', async () => {
    const productId = await newStockedProduct('HOT-1', 100);
    const answers = await Promise.all(Array.from({ length: 200 }, () => writeOff(productId, 1)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(100);
    expect(statuses.filter((s) => s === 409)).toHaveLength(100);
    for (const refused of answers.filter((a) => a.status === 409)) {
      expect(refused.body.error).toMatchObject({ code: 'STOCK_INSUFFICIENT', details: { available: 0, requested: 1 } });
    }
    expect(await onHand(productId)).toBe(0);
    // the receipt plus 100 write-offs, summing to the level
    expect(await ledger(productId)).toEqual({ n: 101, sum: 0 });
    const afters = answers.filter((a) => a.status === 201).map((a) => a.body.movements[0].on_hand_after);
    expect(new Set(afters).size).toBe(100);
  }, 120_000); // 200 requests on two shared cores: generous, as it is not a timing test

  test('the same Idempotency-Key sent 20 times at once writes one movement and answers the same each time', async () => {
    const productId = await newStockedProduct('KEY-1', 10);
    const answers = await Promise.all(Array.from({ length: 20 }, () => writeOff(productId, 2, 'write-off-42')));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const first = answers.find((a) => a.headers.get('idempotent-replayed') === null)!;
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    for (const a of answers) expect(a.body).toEqual(first.body);
    expect(await ledger(productId)).toEqual({ n: 2, sum: 8 });
    expect(await onHand(productId)).toBe(8);
  });

  test('the same key with a different body is refused with 422; another API key has its own keys', async () => {
    const productId = await newStockedProduct('KEY-2', 10);
    expect((await writeOff(productId, 1, 'k-2')).status).toBe(201);
    const reused = await writeOff(productId, 3, 'k-2');
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const other = await writeOff(productId, 1, 'k-2', await server.keyFor('operator', 'other-client'));
    expect(other.status).toBe(201);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(await onHand(productId)).toBe(8);
  });

  test('a refused request is answered the same for its key, even after stock arrives', async () => {
    const productId = await newStockedProduct('KEY-3', 1);
    const refused = await writeOff(productId, 5, 'k-3');
    expect(refused.status).toBe(409);
    await t.database.db.transaction((tx) =>
      recordMovement(tx, { type: 'receipt', productId, warehouseId, quantity: 10 }, 'test'),
    );
    const again = await writeOff(productId, 5, 'k-3');
    expect(again.status).toBe(409);
    expect(again.body).toEqual(refused.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await onHand(productId)).toBe(11);
    // a new key is a new attempt
    expect((await writeOff(productId, 5, 'k-3b')).status).toBe(201);
  });

  test('two callers recording the same reference at once write it once', async () => {
    const productId = await newStockedProduct('REF-1', 10);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.database.db.transaction((tx) =>
          recordMovement(
            tx,
            { type: 'sale', productId, warehouseId, quantity: 3, reference: 'order:1:line:1:sale:1' },
            'import',
          ),
        ),
      ),
    );
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of results) expect(r.movements).toEqual(results[0].movements);
    expect(await onHand(productId)).toBe(7);
    expect(await ledger(productId)).toEqual({ n: 2, sum: 7 });
  });
});
