import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createProduct } from '../catalog/products.ts';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { getBasePrice, setBasePrice, setBasePrices } from './prices.ts';

/**
 * Pricing's set-based writer of base prices (used by imports and the products bulk edit) and
 * setBasePrice, its call for one product: the same rows either way — the price, a
 * `price_changes` row and a `price.changed` message per price that differs, nothing for an equal one.
 */
describeEachDatabase('pricing: base prices, many at once', (t) => {
  let server: TestServer;
  let ids: number[];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    ids = [];
    for (let i = 1; i <= 3; i++)
      ids.push((await createProduct(t.database.db, { sku: `BASE-${i}`, name: `Base ${i}` }, 'seed')).id);
  });
  afterAll(() => server.close());

  const history = (id: number) =>
    rows<{ account_id: number | null; before: unknown; after: unknown; actor: string; reason: string | null }>(
      t.database.db,
      sql`
      select account_id, before, after, actor, reason from price_changes where product_id = ${id} order by id`,
    );
  const messages = async (id: number) =>
    (
      await rows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from outbox where topic = 'price.changed' and key = ${String(id)}`,
      )
    )[0].n;

  test('writes what differs, once each, and an equal price writes nothing', async () => {
    const db = t.database.db;
    await setBasePrice(db, ids[2], { amount: 700, currency: 'RUB' }, 'anna');
    const changed = await db.transaction((tx) =>
      setBasePrices(
        tx,
        [
          { productId: ids[0], price: { amount: 1000, currency: 'RUB' } },
          { productId: ids[1], price: { amount: 2500, currency: 'PLN' } },
          { productId: ids[2], price: { amount: 700, currency: 'RUB' } },
        ],
        'import',
        'import prices.csv',
      ),
    );
    expect(changed).toBe(2);
    expect(await getBasePrice(db, ids[1])).toMatchObject({ amount: 2500, currency: 'PLN' });
    expect(await history(ids[0])).toEqual([
      {
        account_id: null,
        before: null,
        after: { amount: 1000, currency: 'RUB' },
        actor: 'import',
        reason: 'import prices.csv',
      },
    ]);
    expect(await history(ids[2])).toEqual([
      { account_id: null, before: null, after: { amount: 700, currency: 'RUB' }, actor: 'anna', reason: null },
    ]);
    expect([await messages(ids[0]), await messages(ids[1]), await messages(ids[2])]).toEqual([1, 1, 1]);

    // One product through setBasePrice: the same writer, so the same rows; the same price again writes nothing.
    await setBasePrice(db, ids[0], { amount: 1200, currency: 'RUB', reason: 'supplier' }, 'anna');
    await setBasePrice(db, ids[0], { amount: 1200, currency: 'RUB' }, 'anna');
    expect((await history(ids[0])).at(-1)).toEqual({
      account_id: null,
      before: { amount: 1000, currency: 'RUB' },
      after: { amount: 1200, currency: 'RUB' },
      actor: 'anna',
      reason: 'supplier',
    });
    expect(await history(ids[0])).toHaveLength(2);
    expect(await messages(ids[0])).toBe(2);
    expect(
      await db.transaction((tx) =>
        setBasePrices(tx, [{ productId: ids[0], price: { amount: 1200, currency: 'RUB' } }], 'import', 'again'),
      ),
    ).toBe(0);
  });
});
