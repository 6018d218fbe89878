import { sql } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { ensureWarehouse, recordMovement } from './movements.ts';

// Write-offs that are their own transactions, called at once: on PGlite they go as one group
// (one statement, one commit: docs/decisions/182), on PostgreSQL each on its own connection.
// Either way each caller gets its own answer, and one caller's oversell refuses only that caller.
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
    // One of B's two (which one is the database's order: the group's on PGlite, the lock queue's on PostgreSQL).
    expect(refused).toHaveLength(1);
    expect([3, 4]).toContain(refused[0].i);
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

    // On PGlite the seven written write-offs went in one transaction (one commit), not seven.
    const transactions = await rows<{ n: number }>(
      db,
      sql`
      select count(distinct xmin::text)::int as n from stock_movements where reason = 'group'`,
    );
    expect(transactions[0].n).toBe(t.kind === 'pglite' ? 1 : 7);
  });
});
