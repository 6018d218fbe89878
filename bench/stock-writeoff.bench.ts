import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { ensureWarehouse, MAX_QUANTITY, recordMovement } from '../src/inventory/movements.ts';
import { alternate, scratchPostgres, type Benchmark, type BenchResult } from './harness.ts';

/**
 * Write-off movements per second through the service layer against the ceiling: plain
 * single-row INSERTs of the same ledger rows into a table without constraints, in the same
 * database, with the same number of concurrent callers. Goals (issue 18): 0.6 of the ceiling
 * on PostgreSQL, 0.5 on PGlite, and 0.5 inside a caller's transaction (a line of its own).
 *
 * ops_per_s is `recordMovement(db, …)` as the API calls it: the movement is its own transaction,
 * one statement (level UPDATE + ledger row + outbox row). in_tx_per_s is the same call inside an
 * explicit `db.transaction(...)`, as a caller that adds more work to the transaction runs it
 * (BEGIN and COMMIT cost two more round trips); tx_bound is the ceiling's own INSERT inside
 * such a transaction, ÷ the ceiling: what the transaction alone leaves (docs/decisions/242).
 */
const PRODUCTS = 500;
const CALLERS = 8;
const ROUNDS = 4;
const MS_PER_ROUND = 1500;
/** Issue 18's goals: service ÷ ceiling ≥ 0.6 on PostgreSQL and ≥ 0.5 on PGlite; inside a caller's transaction ≥ 0.5. */
const SERVICE_GOAL = { postgres: 0.6, pglite: 0.5 } as const;
const IN_TRANSACTION_GOAL = 0.5;

async function measure(database: Database, name: string, callers: number): Promise<BenchResult[]> {
  await migrate(database);
  const products = await database.query<{ id: number }>(
    `insert into products (sku, name) select 'BENCH-' || n, 'Bench product ' || n from generate_series(1, $1::int) n returning id`,
    [PRODUCTS],
  );
  const ids = products.map((p) => Number(p.id));
  const warehouse = await ensureWarehouse(database.db, { code: 'BENCH', name: 'Bench', kind: 'own', readOnly: false });
  await database.db.transaction(async (tx) => {
    for (const productId of ids) {
      await recordMovement(
        tx,
        { type: 'receipt', productId, warehouseId: warehouse.id, quantity: MAX_QUANTITY },
        'bench',
      );
    }
  });
  await database.query(`
    create table bench_ceiling (
      id bigint generated always as identity primary key,
      type text not null, product_id bigint not null, warehouse_id bigint not null, quantity bigint not null,
      reason text, actor text not null, created_at timestamptz not null default now())`);

  const writeOffInput = (n: number) =>
    ({
      type: 'write_off',
      productId: ids[n % ids.length],
      warehouseId: warehouse.id,
      quantity: 1,
      reason: 'bench',
    }) as const;
  const writeOff = (n: number) => recordMovement(database.db, writeOffInput(n), 'bench');
  const writeOffInTransaction = (n: number) =>
    database.db.transaction((tx) => recordMovement(tx, writeOffInput(n), 'bench'));
  const rawInsert = (n: number) =>
    database.query(
      'insert into bench_ceiling (type, product_id, warehouse_id, quantity, reason, actor) values ($1, $2, $3, $4, $5, $6)',
      ['write_off', ids[n % ids.length], warehouse.id, -1, 'bench', 'bench'],
    );

  // The ceiling's own insert inside the same caller's transaction: what BEGIN and COMMIT alone
  // leave of the ceiling, so the in-transaction line shows how far any movement could go.
  const ceilingInTransaction = (n: number) =>
    database.db.transaction((tx) =>
      tx.execute(
        sql`insert into bench_ceiling (type, product_id, warehouse_id, quantity, reason, actor) values ('write_off', ${ids[n % ids.length]}, ${warehouse.id}, -1, 'bench', 'bench')`,
      ),
    );

  const contenders = {
    service: writeOff,
    inTransaction: writeOffInTransaction,
    ceilingInTransaction,
    ceiling: rawInsert,
  };
  await alternate(1, 400, callers, contenders); // warm up every path (and prepare its statements)
  const rate = await alternate(ROUNDS, MS_PER_ROUND, callers, contenders);

  // The numbers only count if the ledger still explains every level.
  const [check] = await database.query<{ drift: number }>(`
    select count(*)::int as drift from stock_levels l
      join (select product_id, warehouse_id, sum(quantity) as total from stock_movements group by 1, 2) m using (product_id, warehouse_id)
     where m.total <> l.on_hand`);
  if (check.drift) throw new Error(`${check.drift} levels differ from their ledger`);

  const ratio = rate.service / rate.ceiling;
  const [service, inTransaction, ceiling, ceilingInTx] = [
    rate.service,
    rate.inTransaction,
    rate.ceiling,
    rate.ceilingInTransaction,
  ].map(Math.round);
  const txBound = (rate.ceilingInTransaction / rate.ceiling).toFixed(2);
  return [
    {
      name,
      metrics: {
        ops_per_s: service,
        ceiling_per_s: ceiling,
        in_tx_per_s: inTransaction,
        in_tx_ratio: (rate.inTransaction / rate.ceiling).toFixed(2),
        callers,
      },
      ratio,
      goal: SERVICE_GOAL[database.kind],
      summary:
        `${database.kind}: ${service} write-offs/s through recordMovement (${inTransaction}/s inside an explicit transaction) ` +
        `vs ${ceiling} plain INSERTs/s; ${callers} concurrent callers, ${PRODUCTS} products, ${ROUNDS} alternating rounds of ${MS_PER_ROUND} ms`,
    },
    {
      // The same write-off inside a caller's transaction (BEGIN, the movement, COMMIT), against the same ceiling.
      name: `${name}-in-tx`,
      metrics: {
        in_tx_per_s: inTransaction,
        ceiling_per_s: ceiling,
        ceiling_in_tx_per_s: ceilingInTx,
        tx_bound: txBound,
        callers,
      },
      ratio: rate.inTransaction / rate.ceiling,
      goal: IN_TRANSACTION_GOAL,
      summary:
        `${database.kind}: ${inTransaction} write-offs/s inside a caller's transaction vs ${ceiling} plain INSERTs/s; ` +
        `the plain INSERT inside the same transaction makes ${ceilingInTx}/s ` +
        `(${txBound} of the ceiling: BEGIN and COMMIT alone leave that much, docs/decisions/242)`,
    },
  ];
}

async function onPostgres(): Promise<BenchResult[]> {
  const scratch = await scratchPostgres('sklad_bench');
  try {
    const database = await openDatabase({ url: scratch.url, poolSize: CALLERS, applicationName: 'sklad-bench' });
    try {
      return await measure(database, 'stock-writeoff-postgres', CALLERS);
    } finally {
      await database.close();
    }
  } finally {
    await scratch.drop();
  }
}

async function onPglite(): Promise<BenchResult[]> {
  // On disk, as `sklad start` keeps it; PGlite is one connection, so the callers queue on it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-bench-'));
  try {
    const database = await openDatabase({ dataDir: dir });
    try {
      return await measure(database, 'stock-writeoff-pglite', CALLERS);
    } finally {
      await database.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const benchmark: Benchmark = {
  name: 'stock-writeoff',
  run: async () => [...(await onPglite()), ...(await onPostgres())],
};
export default benchmark;
