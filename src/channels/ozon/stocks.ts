import type { z } from 'zod';
import { CredentialsRejected, type ConnectorContext, type SyncRunCounter } from '../core/connector.ts';
import { pageGuard } from '../core/paging.ts';
import type { MirrorReading, MirrorWarehouse } from '../core/facts.ts';
import { ozonCall, settingsOf } from './client.ts';
import {
  analyticsStocksAnswer,
  productInfoAnswer,
  productListAnswer,
  stockOnWarehousesAnswer,
  stocksAnswer,
  stockTypes,
  type OzonStockItem,
  type OzonStockType,
  type WarehouseStockRow,
} from './types.ts';

/**
 * Ozon stock into Sklad's read-only mirror warehouses, from two sources, as the seed's
 * `inventory_data` kept them (its `source` and `stock_type` are each mirror's):
 *  - /v4/product/info/stocks: per product and stock type, one mirror per type (source
 *    'ozon', the seed's 'Ozon'; stock type 'FBO', 'FBS', 'realFBS');
 *  - Ozon's analytics: per product and FBO warehouse, one mirror per warehouse (source
 *    'ozon:analytics', the seed's 'Ozon_Analytics', which breaks 'ozon' down; stock type
 *    'analytics'), with its three numbers: free to sell, reserved and promised (confirmed
 *    future supplies, kept beside the level and never sold).
 * A failing source does not stop the other: the run keeps what it read and says which
 * failed (a problem, so the run ends 'partial'). Each page is handed to core ingestion
 * (`ctx.ingest.mirrorStock`: matched by offer_id, written in one transaction) and its cursor
 * saved after it, so a run that fails mid-way resumes there.
 */

interface StocksState {
  /** /v4 cursor of the page to read next; absent: start from the beginning. */
  typesCursor?: string;
  /** Per-warehouse detail: offset (v2) or SKU batch index (v1) to read next. */
  detailOffset?: number;
}

type AccountState = { stocks?: StocksState } & Record<string, unknown>;

const mirrorCode = (accountId: number, part: string) => `ozon-${accountId}-${part}`.slice(0, 100);

/** Sources of the two feeds; `<source>:<part>` breaks `<source>` down, so the analytics is not counted twice. */
const stockApiSource = 'ozon';
const analyticsSource = 'ozon:analytics';
const typeNames: Record<OzonStockType, string> = { fbo: 'FBO', fbs: 'FBS', realFbs: 'realFBS' };

/** The mirror of one stock type: `ozon-<account>-fbs`, source 'ozon', stock type 'FBS'. */
const typeMirror = (ctx: ConnectorContext, type: OzonStockType): MirrorWarehouse => ({
  code: mirrorCode(ctx.account.id, type),
  name: `${ctx.account.name}: Ozon ${type}`,
  source: stockApiSource,
  stockType: typeNames[type],
});

/** The mirror of one FBO warehouse: `ozon-<account>-fbo-<name>`, source 'ozon:analytics', stock type 'analytics'. */
const fboMirror = (ctx: ConnectorContext, name: string): MirrorWarehouse => ({
  code: mirrorCode(ctx.account.id, `fbo-${name}`),
  name: `${ctx.account.name}: Ozon FBO ${name}`.slice(0, 200),
  source: analyticsSource,
  stockType: 'analytics',
});

export async function syncOzonStocks(ctx: ConnectorContext, run: SyncRunCounter): Promise<void> {
  const failures: string[] = [];
  // The SKUs of a whole pass of source 1 (not of a resumed one) spare source 2 the product list.
  let skus: number[] | null = null;
  for (const [name, source] of [
    ['/v4/product/info/stocks', async () => void (skus = await syncStockTypes(ctx, run))],
    ['per-warehouse analytics', () => syncWarehouseDetail(ctx, run, skus)],
  ] as const) {
    try {
      await source();
    } catch (error) {
      if (error instanceof CredentialsRejected || ctx.signal.aborted) throw error;
      const message = `Ozon ${name} failed; the other source was still saved: ${(error as Error).message}`;
      failures.push(message);
      ctx.logger.warn({ err: error }, message);
      run.problem(message);
    }
  }
  if (failures.length === 2) throw new Error(`Both Ozon stock sources failed: ${failures.join(' | ')}`);
}

async function loadStocksState(ctx: ConnectorContext): Promise<{ all: AccountState; stocks: StocksState }> {
  const all = (await ctx.loadState<AccountState>()) ?? {};
  return { all, stocks: { ...all.stocks } };
}

async function saveStocksState(ctx: ConnectorContext, patch: Partial<StocksState>) {
  const { all, stocks } = await loadStocksState(ctx);
  await ctx.saveState({ ...all, stocks: { ...stocks, ...patch } });
}

/** Source 1: totals per stock type. Returns the Ozon SKUs seen when it read all pages. */
async function syncStockTypes(ctx: ConnectorContext, run: SyncRunCounter): Promise<number[] | null> {
  const { pageSize } = settingsOf(ctx.account);
  let cursor = (await loadStocksState(ctx)).stocks.typesCursor ?? '';
  const resumed = cursor !== '';
  const skus: number[] = [];
  let done = 0;
  const pages = pageGuard(ctx, 'POST /v4/product/info/stocks', { start: cursor });
  let page: z.infer<typeof stocksAnswer>;
  do {
    page = await ozonCall(
      ctx,
      '/v4/product/info/stocks',
      { cursor, filter: { visibility: 'ALL' }, limit: pageSize },
      stocksAnswer,
    );
    run.add({ fetched: page.items.length });
    for (const item of page.items) for (const s of item.stocks) if (s.sku) skus.push(s.sku);
    await writeTypeTotals(ctx, run, page.items);
    cursor = page.cursor;
    done += page.items.length;
    await saveStocksState(ctx, { typesCursor: cursor || undefined });
    await ctx.progress({ done, total: page.total, message: 'Ozon stocks by type' });
  } while (pages.more({ items: page.items.length, limit: pageSize, total: page.total, next: cursor }));
  // Only a run stopped by the page cap resumes at its cursor; any other stop (a short page, a cursor given twice) starts the next run afresh.
  if (pages.stop !== 'page cap' && cursor) await saveStocksState(ctx, { typesCursor: undefined });
  return resumed || pages.stop === 'page cap' || pages.stop === 'cursor repeated' ? null : skus;
}

async function writeTypeTotals(ctx: ConnectorContext, run: SyncRunCounter, items: OzonStockItem[]) {
  const readings = items.flatMap((item) =>
    stockTypes.map((type): MirrorReading => {
      const s = item.stocks.find((x) => x.type === type);
      return {
        warehouse: typeMirror(ctx, type),
        ref: { sku: item.offer_id },
        onHand: s?.present ?? 0,
        reserved: s?.reserved ?? 0,
      };
    }),
  );
  const { changed } = await ctx.ingest.mirrorStock(readings);
  run.add({ updated: changed });
}

/** Source 2: per FBO warehouse, from /v1/analytics/stocks or the seed's /v2 report. */
async function syncWarehouseDetail(ctx: ConnectorContext, run: SyncRunCounter, skusFromTypes: number[] | null) {
  const settings = settingsOf(ctx.account);
  let offset = (await loadStocksState(ctx)).stocks.detailOffset ?? 0;

  if (settings.warehouseDetail === 'v2') {
    const pages = pageGuard(ctx, 'POST /v2/analytics/stock_on_warehouses');
    for (;;) {
      const page = await ozonCall(
        ctx,
        '/v2/analytics/stock_on_warehouses',
        { limit: settings.pageSize, offset, warehouse_type: 'ALL' },
        stockOnWarehousesAnswer,
      );
      const rows = page.result.rows.map((r) => ({
        sku: r.sku,
        offerId: r.item_code,
        warehouseName: r.warehouse_name,
        freeToSell: r.free_to_sell_amount,
        reserved: r.reserved_amount,
        promised: r.promised_amount,
      }));
      run.add({ fetched: rows.length });
      await writeDetail(ctx, run, rows);
      offset += rows.length;
      await saveStocksState(ctx, { detailOffset: rows.length < settings.pageSize ? undefined : offset });
      await ctx.progress({ done: offset, message: 'Ozon stocks per warehouse' });
      if (!pages.more({ items: rows.length, limit: settings.pageSize })) return;
    }
  }

  // v1 takes at most 100 SKUs a call; the SKUs come from source 1, or from the product list when it failed.
  const skus = [...new Set(skusFromTypes ?? (await allSkus(ctx)))].sort((a, b) => a - b);
  const read = (from: number) => {
    const answer = ozonCall(
      ctx,
      '/v1/analytics/stocks',
      { skus: skus.slice(from, from + 100).map(String) },
      analyticsStocksAnswer,
    );
    answer.catch(() => {}); // awaited below; a batch read ahead and never awaited must not go unhandled
    return answer;
  };
  // The next batch is read while this one is written: the writes, not Ozon, set the pace.
  let ahead = offset < skus.length ? read(offset) : null;
  for (let i = offset; i < skus.length; i += 100) {
    const page = await ahead!;
    ahead = i + 100 < skus.length ? read(i + 100) : null;
    const rows = page.items.map((r) => ({
      sku: r.sku,
      offerId: r.offer_id,
      warehouseName: r.warehouse_name,
      freeToSell: r.available_stock_count,
      reserved: r.other_stock_count,
      promised: r.requested_stock_count,
    }));
    run.add({ fetched: rows.length });
    await writeDetail(ctx, run, rows);
    const next = i + 100;
    await saveStocksState(ctx, { detailOffset: next < skus.length ? next : undefined });
    await ctx.progress({ done: Math.min(next, skus.length), total: skus.length, message: 'Ozon stocks per warehouse' });
  }
}

async function writeDetail(ctx: ConnectorContext, run: SyncRunCounter, rows: WarehouseStockRow[]) {
  const readings = rows.map((r): MirrorReading => {
    const reserved = Math.max(0, r.reserved);
    return {
      warehouse: fboMirror(ctx, r.warehouseName),
      ref: { sku: r.offerId },
      onHand: Math.max(0, r.freeToSell) + reserved,
      reserved,
      promised: Math.max(0, r.promised),
    };
  });
  const { changed } = await ctx.ingest.mirrorStock(readings);
  run.add({ updated: changed });
}

/** Every Ozon SKU of the seller: the product list, then its details (1,000 a call each). */
async function allSkus(ctx: ConnectorContext): Promise<number[]> {
  const skus: number[] = [];
  let lastId = '';
  const pages = pageGuard(ctx, 'POST /v3/product/list');
  let page: z.infer<typeof productListAnswer>;
  do {
    page = await ozonCall(
      ctx,
      '/v3/product/list',
      { filter: { visibility: 'ALL' }, last_id: lastId, limit: 1000 },
      productListAnswer,
    );
    if (page.result.items.length) {
      const info = await ozonCall(
        ctx,
        '/v3/product/info/list',
        { product_id: page.result.items.map((i) => String(i.product_id)) },
        productInfoAnswer,
      );
      for (const item of info.items) if (item.sku) skus.push(item.sku);
    }
    lastId = page.result.last_id;
  } while (pages.more({ items: page.result.items.length, limit: 1000, total: page.result.total, next: lastId }));
  return skus;
}
