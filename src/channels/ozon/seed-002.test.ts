import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOzonSimulator, type OzonSimulator } from '../../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../../simulators/ozon/state.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';
import { signIn, usePanel } from '../../web/test-kit.ts';
import { createAccount } from '../core/accounts.ts';
import { runConnectorJob } from '../core/jobs.ts';
import { seedCatalog } from '../core/testing.ts';

/**
 * Seed 002 (Ozon stocks) as written, through what a person uses (issue 17): the seed's report
 * `/v2/analytics/stock_on_warehouses` and `/v4/product/info/stocks` read by a stocks run, then
 * every stock row with its three numbers (free to sell, reserved, promised), its source ('ozon':
 * the stock API, 'ozon:analytics': its analytics) and its stock type, answered and filtered by
 * GET /api/v1/stock and shown on the panel's stock page.
 */

interface StockRow {
  sku: string;
  warehouse_code: string;
  warehouse_name: string;
  source: string | null;
  stock_type: string | null;
  on_hand: number;
  reserved: number;
  available: number;
  promised: number;
}

interface SeedRow {
  item_code: string;
  warehouse_name: string;
  free_to_sell_amount: number;
  reserved_amount: number;
  promised_amount: number;
}

const seededOzon = () =>
  createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 30, fboWarehouses: 5, postings: 0, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });

/** An Ozon account reading the seed's v2 report, its products in the catalogue, and one stocks run done. */
async function syncedAccount(hub: Hub, url: string, sim: OzonSimulator) {
  await seedCatalog(hub.db, { count: 30, stock: () => 4 });
  const { id } = await createAccount(
    hub.db,
    hub.masterKey!,
    {
      channel: 'ozon',
      name: 'Ozon seed 002',
      baseUrl: url,
      credentials: { clientId: sim.clientId, apiKey: sim.apiKey },
      settings: { pageSize: 100, warehouseDetail: 'v2' },
    },
    'test',
  );
  await runConnectorJob(hub, id, 'stocks');
  return id;
}

/** The seed's own report, asked of the simulator as the seed asks Ozon. */
async function seedReport(url: string, sim: OzonSimulator): Promise<SeedRow[]> {
  const res = await fetch(`${url}/v2/analytics/stock_on_warehouses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'client-id': sim.clientId, 'api-key': sim.apiKey },
    body: JSON.stringify({ limit: 1000, offset: 0, warehouse_type: 'ALL' }),
  });
  return ((await res.json()) as { result: { rows: SeedRow[] } }).result.rows;
}

const countBy = <T>(items: T[], keyOf: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOf(item)] = (counts[keyOf(item)] ?? 0) + 1;
  return counts;
};

describeEachDatabase('seed 002 conformance: Ozon stock rows through the API', (t) => {
  const sim = seededOzon();
  let simServer: { url: string; close(): Promise<void> };
  let server: TestServer;
  let accountId: number;

  /** Every row GET /stock answers for a query, page by page. */
  async function allRows(query: string): Promise<StockRow[]> {
    const found: StockRow[] = [];
    for (let offset = 0; ; offset += 500) {
      const res = await server.api(`/api/v1/stock?${query}&limit=500&offset=${offset}`);
      expect(res.status).toBe(200);
      found.push(...res.body.items);
      if (found.length >= res.body.total) return found;
    }
  }

  beforeAll(async () => {
    simServer = await sim.listen();
    server = await startTestServer(t.database);
    accountId = await syncedAccount(server.hub, simServer.url, sim);
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  test('seed 002: promised_amount, free_to_sell_amount and reserved_amount of every analytics row are kept and answered', async () => {
    const report = (await seedReport(simServer.url, sim)).filter(
      (r) => r.free_to_sell_amount || r.reserved_amount || r.promised_amount,
    );
    expect(report.some((r) => r.promised_amount > 0)).toBe(true);
    const rows = await allRows('source=ozon:analytics');
    const byKey = new Map(rows.map((r) => [`${r.sku}|${r.warehouse_code}`, r]));
    for (const r of report) {
      const row = byKey.get(`${r.item_code}|ozon-${accountId}-fbo-${r.warehouse_name}`);
      expect(row, `${r.item_code} at ${r.warehouse_name}`).toMatchObject({
        available: r.free_to_sell_amount,
        reserved: r.reserved_amount,
        promised: r.promised_amount,
        on_hand: r.free_to_sell_amount + r.reserved_amount,
        source: 'ozon:analytics',
        stock_type: 'analytics',
      });
    }
    expect(rows).toHaveLength(report.length);
  });

  test("seed 002: each row says its source and stock type, and the seed's two grouping queries have an answer", async () => {
    // SELECT warehouse_name, stock_type, COUNT(*) FROM inventory_data WHERE source = 'Ozon' GROUP BY warehouse_name, stock_type
    const main = await allRows('source=ozon');
    expect(main.length).toBeGreaterThan(0);
    expect(new Set(main.map((r) => r.stock_type))).toEqual(new Set(['FBO', 'FBS', 'realFBS']));
    const byType = countBy(main, (r) => `${r.warehouse_name}|${r.stock_type}`);
    expect(Object.keys(byType).sort()).toEqual(
      ['FBO', 'FBS', 'realFBS']
        .map((type) => `Ozon seed 002: Ozon ${{ FBO: 'fbo', FBS: 'fbs', realFBS: 'realFbs' }[type]}|${type}`)
        .sort(),
    );
    // Ozon's FBO total is what its analytics break down per warehouse.
    const fboTotal = main.filter((r) => r.stock_type === 'FBO').reduce((s, r) => s + r.on_hand, 0);
    const analytics = await allRows('source=ozon:analytics');
    expect(analytics.reduce((s, r) => s + r.on_hand, 0)).toBe(fboTotal);

    // SELECT warehouse_name, COUNT(*) FROM inventory_data WHERE source = 'Ozon_Analytics' GROUP BY warehouse_name ORDER BY COUNT(*) DESC
    const perWarehouse = countBy(analytics, (r) => r.warehouse_name);
    const fbo = sim.state.warehouses.filter((w) => w.type === 'fbo');
    expect(Object.keys(perWarehouse).sort()).toEqual(fbo.map((w) => `Ozon seed 002: Ozon FBO ${w.name}`).sort());
    const report = await seedReport(simServer.url, sim);
    for (const w of fbo) {
      const held = report.filter(
        (r) => r.warehouse_name === w.name && (r.free_to_sell_amount || r.reserved_amount || r.promised_amount),
      ).length;
      expect(perWarehouse[`Ozon seed 002: Ozon FBO ${w.name}`]).toBe(held);
    }

    // The same rows by stock type; lists and any case; 'none': our own warehouse's rows.
    expect((await allRows('stock_type=analytics')).length).toBe(analytics.length);
    expect((await allRows('source=OZON:Analytics')).length).toBe(analytics.length);
    expect((await allRows('stock_type=fbo,FBS')).map((r) => r.stock_type).sort()).toEqual(
      main
        .filter((r) => r.stock_type !== 'realFBS')
        .map((r) => r.stock_type)
        .sort(),
    );
    const own = await allRows('source=none');
    expect(own).toHaveLength(30);
    expect(
      own.every((r) => r.source === null && r.stock_type === null && r.warehouse_code === 'MAIN' && r.promised === 0),
    ).toBe(true);
    expect((await server.api('/api/v1/stock?source=' + ','.repeat(3))).status).toBe(400);
  });

  test('seed 002: a promised quantity that changes alone is kept without a ledger row; a re-run changes nothing', async () => {
    const [w] = sim.state.warehouses.filter((x) => x.type === 'fbo');
    const product = sim.state.products[2];
    const cell = sim.state.stock(product.productId, w.id)!;
    sim.state.setStock(product.productId, w.id, {
      present: cell.present,
      reserved: cell.reserved,
      promised: cell.promised + 7,
    });
    const movements = async () => (await server.api('/api/v1/stock/movements?limit=1')).body.total as number;
    const before = await movements();
    await runConnectorJob(server.hub, accountId, 'stocks');
    const [row] = (await allRows(`source=ozon:analytics`)).filter(
      (r) => r.sku === product.offerId && r.warehouse_code === `ozon-${accountId}-fbo-${w.name}`,
    );
    expect(row.promised).toBe(cell.promised + 7);
    expect(await movements()).toBe(before);
  });
});

describe('seed 002 conformance: the panel shows each row’s source, stock type and three numbers', () => {
  const panel = usePanel();
  const sim = seededOzon();
  let simServer: { url: string; close(): Promise<void> };
  let accountId: number;

  beforeAll(async () => {
    simServer = await sim.listen();
    accountId = await syncedAccount(panel.server.hub, simServer.url, sim);
  });
  afterAll(() => simServer?.close());

  test('seed 002: the stock page filters by source and stock type and shows promised beside reserved and available', async () => {
    const [w] = sim.state.warehouses.filter((x) => x.type === 'fbo');
    // The first such product in the page's order (SKU, then warehouse), so it is on the first page.
    const product = [...sim.state.products]
      .sort((a, b) => (a.offerId.toLowerCase() < b.offerId.toLowerCase() ? -1 : 1))
      .find((p) => {
        const c = sim.state.stock(p.productId, w.id);
        return c && c.promised > 0 && c.reserved > 0;
      })!;
    const cell = sim.state.stock(product.productId, w.id)!;
    const page = await panel.open();
    await signIn(page, panel.server.adminKey, '/stock');
    await page.page.getByLabel('Источник').selectOption('ozon:analytics');
    await page.page.getByLabel('Тип остатка').selectOption('analytics');
    await page.page.getByRole('button', { name: 'Показать' }).click();
    await page.page.waitForURL(/source=ozon%3Aanalytics/);
    const rows = page.page.locator('#levels tbody tr');
    expect(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-source'))))).toEqual(
      new Set(['ozon:analytics']),
    );
    const row = page.page.locator(
      `#levels tr[data-sku="${product.offerId}"][data-warehouse="ozon-${accountId}-fbo-${w.name}"]`,
    );
    expect(await row.getAttribute('data-stock-type')).toBe('analytics');
    expect(await row.locator('[data-origin]').textContent()).toContain('analytics');
    expect(await row.locator('[data-available]').textContent()).toBe(String(cell.present - cell.reserved));
    expect(await row.locator('[data-promised]').textContent()).toBe(String(cell.promised));
    expect(await row.locator('[data-reserved]').textContent()).toBe(String(cell.reserved));
    await page.screenshot('stock-seed-002-analytics');

    await page.page.getByRole('link', { name: 'English' }).click();
    await page.page.goto('/stock?source=none');
    const own = page.page.locator('#levels tbody tr').first();
    expect(await own.getAttribute('data-warehouse')).toBe('MAIN');
    expect(await own.locator('[data-origin]').textContent()).toContain('Our own');
    expect(await page.page.locator('#levels thead').textContent()).toContain('Promised');
  });
});
