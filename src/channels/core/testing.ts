import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../../db/database.ts';
import { loadConfig } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { createLogger, type Logger } from '../../shared/logger.ts';
import { ensureWarehouse } from '../../inventory/movements.ts';
import { createAccount, requireMasterKey } from './accounts.ts';
import { channelQuantitySql } from './availability.ts';

/**
 * Fixtures for tests and benchmarks of the channel machinery: many products with stock in
 * one statement each (the ledger rows included, so levels and ledger agree), and a generic
 * account pointed at a simulator.
 */

export interface SeededCatalog {
  warehouseId: number;
  productIds: number[];
  skus: string[];
}

/** A hub without the HTTP app (src/test/server.ts has one with it), with a master key. */
export function channelsHub(database: Database, logger: Logger = createLogger({ level: 'silent' })): Hub {
  return {
    config: loadConfig({ SKLAD_DATA_DIR: '/tmp/sklad-test', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
    database,
    db: database.db,
    logger,
    masterKey: Buffer.alloc(32, 7),
  };
}

/** Products `<skuPrefix><n>` for n in from..from+count−1, each with `stock(n)` units received in one warehouse. */
export async function seedCatalog(
  ex: Executor,
  options: {
    count: number;
    from?: number;
    skuPrefix?: string;
    stock?: (n: number) => number;
    warehouseCode?: string;
    ean?: (n: number) => string | null;
  },
): Promise<SeededCatalog> {
  const from = options.from ?? 1;
  const prefix = options.skuPrefix ?? 'SKU-';
  const warehouse = await ensureWarehouse(ex, {
    code: options.warehouseCode ?? 'MAIN',
    name: 'Main warehouse',
    kind: 'own',
    readOnly: false,
  });
  const numbers = Array.from({ length: options.count }, (_, i) => from + i);
  const skus = numbers.map((n) => `${prefix}${n}`);
  const eans = numbers.map((n) => options.ean?.(n) ?? null);
  const stock = numbers.map((n) => options.stock?.(n) ?? 0);
  const products = await rows<{ id: number; sku: string }>(
    ex,
    sql`
    insert into products (sku, ean, name)
    select s, e, 'Product ' || s from unnest(${sql.param(skus)}::text[], ${sql.param(eans)}::text[]) as t(s, e)
    returning id, sku`,
  );
  const idBySku = new Map(products.map((p) => [p.sku, p.id]));
  const productIds = skus.map((s) => idBySku.get(s)!);
  const withStock = productIds.map((id, i) => ({ id, q: stock[i] })).filter((p) => p.q > 0);
  if (withStock.length) {
    await ex.execute(sql`
      insert into stock_movements (type, product_id, warehouse_id, quantity, on_hand_after, reserved_after, reason, actor)
      select 'receipt', p, ${warehouse.id}, q, q, 0, 'test fixture', 'test'
        from unnest(${sql.param(withStock.map((p) => p.id))}::bigint[], ${sql.param(withStock.map((p) => p.q))}::bigint[]) as t(p, q)`);
    await ex.execute(sql`
      insert into stock_levels (product_id, warehouse_id, on_hand)
      select p, ${warehouse.id}, q
        from unnest(${sql.param(withStock.map((p) => p.id))}::bigint[], ${sql.param(withStock.map((p) => p.q))}::bigint[]) as t(p, q)`);
  }
  // What autovacuum would do soon after a bulk load: without statistics the planner guesses
  // hundreds of stock rows per product, and the push queries get JIT-compiled on every call.
  if (options.count >= 1_000) await ex.execute(sql`analyze products, stock_levels`);
  return { warehouseId: warehouse.id, productIds, skus };
}

/** A generic account on a simulator's URL. */
export async function createGenericAccount(
  hub: Hub,
  options: { name?: string; baseUrl: string; apiKey: string; settings?: Record<string, unknown> },
): Promise<number> {
  const account = await createAccount(
    hub.db,
    requireMasterKey(hub.masterKey),
    {
      channel: 'generic',
      name: options.name ?? 'Generic shop',
      baseUrl: options.baseUrl,
      credentials: { apiKey: options.apiKey },
      settings: options.settings ?? {},
    },
    'test',
  );
  return account.id;
}

/** Stock truth for an account as the database computes it, by listing external id. */
export async function expectedChannelQuantities(ex: Executor, accountId: number): Promise<Map<string, number>> {
  const found = await rows<{ external_id: string; quantity: number }>(
    ex,
    sql`
    select l.external_id, ${channelQuantitySql(accountId, sql`l.product_id`)} as quantity
      from listings l where l.account_id = ${accountId} and l.match_state = 'matched'`,
  );
  return new Map(found.map((r) => [r.external_id, r.quantity]));
}
