import { sql } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { rows, type Executor } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { ensureWarehouse, recordMovement } from './movements.ts';

// Write-offs that are their own transactions, called at once, go as one group (one statement,
// one commit: docs/decisions/182, 241). Each caller gets its own answer, one caller's oversell
// refuses only that caller, and a group waits on no level another transaction holds.
describeEachDatabase('write-offs called at once', (t) => {
  test('a group with one oversell refuses only that caller; the others are written with their level, ledger and outbox rows', async () => {
    const db = t.database.db;
    const [a, b] = (
      await rows<{ id: number }>(
        db,
        sql`insert into products (sku, name) values ('G-A', 'A'), ('G-B', 'B') returning id`,
      )
    ).map((r) => Number(r.id));
    const warehouseId = (await ensureWarehouse(db, { code: 'GROUP', name: 'Group', kind: 'own', readOnly: false })).id;
    await recordMovement(db, { type: 'receipt', productId: a, warehouseId, quantity: 10 }, 'test');
    await recordMovement(db, { type: 'receipt', productId: b, warehouseId, quantity: 1 }, 'test');
    const outboxBefore = (
      await rows<{ n: number }>(db, sql`select count(*)::int as n from outbox where topic = 'stock.changed'`)
    )[0].n;

    const writeOff = (productId: number, quantity: number) =>
      recordMovement(db, { type: 'write_off', productId, warehouseId, quantity, reason: 'group' }, 'test');
    // All in one tick: three of A, two of B (only one is in stock), three more of A.
    const answers = await Promise.allSettled([
      writeOff(a, 1),
      writeOff(a, 1),
      writeOff(a, 1),
      writeOff(b, 1),
      writeOff(b, 1),
      writeOff(a, 1),
      writeOff(a, 1),
      writeOff(a, 1),
    ]);

    const refused = answers.flatMap((r, i) => (r.status === 'rejected' ? [{ i, error: r.reason as unknown }] : []));
    // The second of B's two: the group writes its legs in the callers' order.
    expect(refused.map((r) => r.i)).toEqual([4]);
    expect(refused[0].error).toBeInstanceOf(DomainError);
    expect((refused[0].error as DomainError).code).toBe('STOCK_INSUFFICIENT');
    const written = answers.flatMap((r) => (r.status === 'fulfilled' ? r.value.movements : []));
    expect(
      written
        .filter((m) => m.product_id === a)
        .map((m) => m.on_hand_after)
        .sort((x, y) => y - x),
    ).toEqual([9, 8, 7, 6, 5, 4]);
    expect(written.filter((m) => m.product_id === b).map((m) => m.on_hand_after)).toEqual([0]);

    // The ledger explains every level, and every written movement has its outbox row.
    const [drift] = await rows<{ n: number }>(
      db,
      sql`
      select count(*)::int as n from stock_levels l
        join (select product_id, warehouse_id, sum(quantity) as total from stock_movements group by 1, 2) m using (product_id, warehouse_id)
       where m.total <> l.on_hand`,
    );
    expect(drift.n).toBe(0);
    const outboxAfter = (
      await rows<{ n: number }>(db, sql`select count(*)::int as n from outbox where topic = 'stock.changed'`)
    )[0].n;
    expect(outboxAfter - outboxBefore).toBe(7);

    // The seven written write-offs went in one transaction (one commit), not seven.
    const transactions = await rows<{ n: number }>(
      db,
      sql`
      select count(distinct xmin::text)::int as n from stock_movements where reason = 'group'`,
    );
    expect(transactions[0].n).toBe(1);
  });

  // PGlite is one connection: while a transaction is open, nothing else runs, so there is no other holder to meet.
  test.skipIf(t.kind === 'pglite')(
    'a group meeting a level another transaction holds writes the rest and leaves that leg to wait alone, so an order locking its lines in its own order cannot deadlock with it',
    async () => {
      const db = t.database.db;
      const [a, b] = (
        await rows<{ id: number }>(
          db,
          sql`insert into products (sku, name) values ('L-A', 'A'), ('L-B', 'B') returning id`,
        )
      ).map((r) => Number(r.id));
      const warehouseId = (await ensureWarehouse(db, { code: 'LOCKS', name: 'Locks', kind: 'own', readOnly: false }))
        .id;
      for (const productId of [a, b])
        await recordMovement(db, { type: 'receipt', productId, warehouseId, quantity: 10 }, 'test');
      const sale = (ex: Executor, productId: number) =>
        recordMovement(ex, { type: 'sale', productId, warehouseId, quantity: 1, reason: 'locks' }, 'test');

      // As an order whose lines are B, then A: it holds B's level…
      let group: Promise<unknown>[] = [];
      await db.transaction(async (tx) => {
        await sale(tx, b);
        // …while a group with A and B (A first: the order a group locks in) comes in.
        group = [sale(db, a), sale(db, b)];
        // The group wrote A without waiting for B, so the order gets A's level…
        await group[0];
        await sale(tx, a);
      });
      // …and B's leg, run alone, waited for the order's commit.
      const [writtenA, writtenB] = (await Promise.all(group)) as Awaited<ReturnType<typeof sale>>[];
      expect(writtenA.movements[0].on_hand_after).toBe(9);
      expect(writtenB.movements[0].on_hand_after).toBe(8);
      const levels = await rows<{ product_id: number; on_hand: number }>(
        db,
        sql`select product_id, on_hand from stock_levels where warehouse_id = ${warehouseId} order by product_id`,
      );
      expect(levels.map((l) => [Number(l.product_id), l.on_hand])).toEqual([
        [a, 8],
        [b, 8],
      ]);
    },
  );
});
