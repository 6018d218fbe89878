import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { ensureWarehouse, recordMovement } from '../inventory/movements.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { createProduct } from './products.ts';

interface Item {
  id: number;
  sku: string;
  name: string;
  updated_at: string;
  archived: boolean;
}

describeEachDatabase('catalog: the products list sorted, filtered and paged by cursor', (t) => {
  let server: TestServer;
  const stock = new Map<string, number>();
  let accounts: number[] = [];

  beforeAll(async () => {
    server = await startTestServer(t.database);
    const db = t.database.db;
    const main = (await ensureWarehouse(db, { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false })).id;
    // 27 products; names and stock repeat, so the id has to break ties.
    for (let i = 0; i < 27; i++) {
      const sku = `LST-${String(i).padStart(2, '0')}`;
      const product = await createProduct(db, { sku, name: `Item ${['b', 'a', 'c'][i % 3]}` }, 'seed');
      const quantity = (i % 4) * 5;
      stock.set(sku, quantity);
      if (quantity)
        await db.transaction((tx) =>
          recordMovement(tx, { type: 'receipt', productId: product.id, warehouseId: main, quantity }, 'seed'),
        );
    }
    // Two are listed on Ozon (one per account), one on Wix.
    const [ozonA, ozonB, wix] = await rows<{ id: number }>(
      db,
      sql`
      insert into channel_accounts (channel, name, base_url, credentials_sealed, credentials_fingerprint)
      values ('ozon', 'Ozon A', 'http://x', 's', 'f1'), ('ozon', 'Ozon B', 'http://x', 's', 'f2'), ('wix', 'Wix', 'http://x', 's', 'f3') returning id`,
    );
    const id = async (sku: string) =>
      (await rows<{ id: number }>(db, sql`select id from products where sku = ${sku}`))[0].id;
    await db.execute(sql`
      insert into listings (account_id, external_id, product_id, match_state)
      values (${ozonA.id}, 'o-1', ${await id('LST-03')}, 'matched'), (${ozonB.id}, 'o-2', ${await id('LST-07')}, 'matched'),
             (${wix.id}, 'w-1', ${await id('LST-07')}, 'matched')`);
    await db.execute(sql`update products set archived_at = now() where sku in ('LST-25', 'LST-26')`);
    accounts = [ozonA.id, ozonB.id, wix.id];
  });
  afterAll(() => server.close());

  const list = (query: string) => server.api(`/api/v1/products?${query}`);

  /** Every page after the first by next_cursor; inserts a product after the first page, which must not shift the rest. */
  async function walk(query: string, during?: () => Promise<void>) {
    const seen: Item[] = [];
    let cursor: string | null = null;
    const pages: { next: string | null; prev: string | null }[] = [];
    for (let n = 0; n < 30; n++) {
      const res = await list(`${query}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.items);
      pages.push({ next: res.body.next_cursor, prev: res.body.prev_cursor });
      if (n === 0 && during) await during();
      cursor = res.body.next_cursor;
      if (!cursor) return { seen, pages };
    }
    throw new Error('the cursor did not end');
  }

  test('each sort reads every product once across pages, in order, ties broken by the id', async () => {
    const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    for (const [query, key] of [
      ['sort=sku', (p: Item) => p.sku.toLowerCase()],
      ['sort=name&direction=desc', (p: Item) => p.name.toLowerCase()],
      ['sort=stock', (p: Item) => stock.get(p.sku) ?? 0],
      ['sort=updated_at&direction=desc', (p: Item) => p.updated_at],
    ] as const) {
      const { seen, pages } = await walk(query);
      expect(seen, query).toHaveLength(25);
      expect(new Set(seen.map((p) => p.id)).size, query).toBe(25);
      expect(pages[0].prev, query).toBeNull();
      expect(pages.at(-1)!.next, query).toBeNull();
      const desc = query.includes('desc');
      const sorted = [...seen].sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const order = typeof x === 'number' ? x - (y as number) : byText(String(x), String(y));
        return (desc ? -order : order) || (desc ? b.id - a.id : a.id - b.id);
      });
      if (query !== 'sort=name&direction=desc')
        expect(
          seen.map((p) => p.sku),
          query,
        ).toEqual(sorted.map((p) => p.sku));
      else {
        // Names compare by the database's collation; within one name the id decides, newest first.
        for (const name of ['item a', 'item b', 'item c']) {
          const ids = seen.filter((p) => p.name.toLowerCase() === name).map((p) => p.id);
          expect(ids).toEqual([...ids].sort((a, b) => b - a));
        }
      }
    }
  });

  test('a product stored during the walk does not shift the pages; prev_cursor reads the page before, the same rows', async () => {
    const { seen } = await walk('sort=sku', async () => {
      await createProduct(t.database.db, { sku: 'LST-00A', name: 'Item late' }, 'seed');
    });
    // LST-00A sorts in the first page, read already: the rest are neither skipped nor repeated.
    expect(seen.map((p) => p.sku)).not.toContain('LST-00A');
    expect(new Set(seen.map((p) => p.sku)).size).toBe(25);

    const first = await list('sort=sku&limit=5');
    const second = await list(`sort=sku&limit=5&cursor=${first.body.next_cursor}`);
    const third = await list(`sort=sku&limit=5&cursor=${second.body.next_cursor}`);
    const back = await list(`sort=sku&limit=5&before=${third.body.prev_cursor}`);
    expect(back.body.items.map((p: Item) => p.sku)).toEqual(second.body.items.map((p: Item) => p.sku));
    expect(back.body.next_cursor).not.toBeNull();
    const start = await list(`sort=sku&limit=5&before=${back.body.prev_cursor}`);
    expect(start.body.items.map((p: Item) => p.sku)).toEqual(first.body.items.map((p: Item) => p.sku));
    expect(start.body.prev_cursor).toBeNull();
    await t.database.db.execute(sql`delete from products where sku = 'LST-00A'`);
  });

  test('filters: search, channel, account, archived; each combines with a sort', async () => {
    const skus = (res: { body: { items: Item[] } }) => res.body.items.map((p) => p.sku);
    const [ozonA, , wix] = accounts;
    expect(skus(await list('channel=ozon'))).toEqual(['LST-03', 'LST-07']);
    expect(skus(await list(`account_id=${ozonA}`))).toEqual(['LST-03']);
    expect(skus(await list(`channel=ozon&account_id=${wix}`))).toEqual([]);
    expect(skus(await list('channel=wix&sort=sku&direction=desc'))).toEqual(['LST-07']);
    expect(skus(await list('archived=only'))).toEqual(['LST-25', 'LST-26']);
    expect((await list('include_archived=true')).body.total).toBe(27);
    expect(skus(await list('q=lst-1&sort=stock&direction=desc&limit=3'))).toEqual(['LST-19', 'LST-15', 'LST-11']);
    // Without a sort, an exact SKU hit comes first, also read by cursor.
    const q = await list('q=LST-2&limit=2');
    expect(skus(q)).toEqual(['LST-20', 'LST-21']);
    const exact = await list('q=lst-22&limit=1');
    expect(skus(exact)).toEqual(['LST-22']);
    const rest = await walk('q=LST-2');
    expect(rest.seen.map((p) => p.sku)).toEqual(['LST-20', 'LST-21', 'LST-22', 'LST-23', 'LST-24']);
  });

  test('a cursor of another sort, both directions at once, or a wrong sort are 400s naming the field', async () => {
    const first = await list('sort=sku&limit=2');
    const wrong = await list(`sort=name&cursor=${first.body.next_cursor}`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('cursor');
    const both = await list(`sort=sku&cursor=${first.body.next_cursor}&before=${first.body.next_cursor}`);
    expect(both.status).toBe(400);
    expect(both.body.error.details.field).toBe('before');
    // A made-up cursor of the right sort whose value the column cannot hold is a 400 too, not a failed cast.
    const made = (v: unknown) => Buffer.from(JSON.stringify({ s: 'updated_at:desc', v, id: 1 })).toString('base64url');
    for (const v of ['garbage', 12]) {
      const res = await list(`sort=updated_at&direction=desc&cursor=${made(v)}`);
      expect(res.status, String(v)).toBe(400);
      expect(res.body.error.details.field).toBe('cursor');
    }
    const sort = await list('sort=price');
    expect(sort.status).toBe(400);
    expect(sort.body.error.details[0].field).toBe('query.sort');
  });
});
