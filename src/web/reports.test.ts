import ExcelJS from 'exceljs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemo } from '../demo/setup.ts';
import { startDemoSimulators, type DemoSimulators } from '../demo/simulators.ts';
import { signIn, usePanel } from './test-kit.ts';
import type { WatchedPage } from '../test/browser.ts';

/**
 * The dashboard's charts and the Reports page (issue 20) in a real browser on the demo's data:
 * Chart.js draws each chart from the page's figures, the charts fit a phone's width, the money
 * charts change currency, and the Reports page's tables hold the API's rows with an XLSX each.
 */

interface Drawn {
  drawn: boolean;
  type: string | undefined;
  labels: string[];
  series: number;
  sum: number;
  width: number;
  right: number;
}

/** What Chart.js holds for each canvas of the page: its type, labels and the sum of its numbers, and where the canvas is. */
async function drawnCharts(w: WatchedPage): Promise<Record<string, Drawn>> {
  await w.page.locator('canvas[data-chart]').first().waitFor();
  return w.page.evaluate(() => {
    const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart;
    return Object.fromEntries(
      [...document.querySelectorAll<HTMLCanvasElement>('canvas[data-chart]')].map((canvas) => {
        const chart = Chart.getChart(canvas);
        const sum = chart
          ? chart.data.datasets.flatMap((d: { data: number[] }) => d.data).reduce((a: number, b: number) => a + b, 0)
          : 0;
        return [
          canvas.dataset.chart,
          {
            drawn: Boolean(chart),
            type: chart?.config.type,
            labels: chart?.data.labels ?? [],
            series: chart?.data.datasets.length ?? 0,
            sum,
            width: canvas.getBoundingClientRect().width,
            right: canvas.getBoundingClientRect().right,
          },
        ];
      }),
    );
  });
}

describe('the dashboard’s charts and the reports', () => {
  const panel = usePanel();
  let sims: DemoSimulators;

  beforeAll(async () => {
    const { hub } = panel.server;
    sims = await startDemoSimulators({ withOrders: true });
    expect((await createDemo(hub, sims)).problems).toEqual([]);
    // The demo's products have base prices (the catalogue's rubles), so its stock has a value; the desk lamp's is dropped, as if never set.
    await hub.db.execute(
      sql`delete from product_prices where product_id = (select id from products where sku = 'DEMO-LAMP-DESK')`,
    );
  }, 120_000);
  afterAll(async () => {
    await sims?.close();
  });

  it('the dashboard draws orders, revenue, stock value and days of cover from the demo’s figures', async () => {
    const w = await panel.open({ locale: 'en-GB' });
    await signIn(w, panel.server.adminKey);
    const charts = await drawnCharts(w);
    expect(Object.keys(charts).sort()).toEqual(['cover', 'orders', 'revenue', 'stock']);
    for (const [name, c] of Object.entries(charts)) {
      expect(c.drawn, name).toBe(true);
      expect(c.type, name).toBe('bar');
      expect(c.sum, `${name} has numbers`).toBeGreaterThan(0);
      expect(c.width, name).toBeGreaterThan(100);
    }
    expect(charts.orders.labels).toHaveLength(30);
    expect(charts.orders.series).toBeGreaterThan(3); // one series per channel that had orders

    // The same figures as the API's: the orders of 30 days, the stock's value in roubles, the products that run out first.
    const orders = await panel.server.api('/api/v1/reports/orders');
    expect(charts.orders.sum).toBe(orders.body.rows.reduce((n: number, r: { orders: number }) => n + r.orders, 0));
    const stock = await panel.server.api('/api/v1/reports/stock-value');
    expect(stock.body.totals[0].currency).toBe('RUB');
    expect(charts.stock.sum).toBe(stock.body.totals[0].value_minor);
    expect(stock.body.unpriced.products).toBe(1);
    await w.page.locator('[data-unpriced]').first().waitFor();
    const cover = await panel.server.api('/api/v1/reports/days-of-cover');
    expect(charts.cover.labels).toEqual(cover.body.items.map((i: { sku: string }) => i.sku));
    expect(cover.body.items.length).toBeGreaterThan(0);
  }, 60_000);

  it('on a phone, in Russian, the charts fit the width and a money chart changes currency', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey);
    const charts = await drawnCharts(w);
    for (const [name, c] of Object.entries(charts)) expect(c.right, name).toBeLessThanOrEqual(390);
    expect(await w.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await w.page.locator('[data-chart-card="orders"] h2').textContent()).toBe('Заказы по дням');

    // The demo sells in roubles, tenge, zloty and dirhams: each is a chart of its own, never a sum.
    const picker = w.page.locator('select[data-chart-currency="revenue"]');
    const currencies = await picker.locator('option').allTextContents();
    expect(currencies.length).toBeGreaterThan(1);
    const before = charts.revenue.sum;
    await picker.selectOption(currencies[1]);
    const after = await w.page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('canvas[data-chart="revenue"]')!;
      const chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart.getChart(canvas);
      return chart.data.datasets.flatMap((d: { data: number[] }) => d.data).reduce((a: number, b: number) => a + b, 0);
    });
    const orders = await panel.server.api('/api/v1/reports/orders');
    const revenue = (currency: string) =>
      orders.body.totals.find((s: { currency: string }) => s.currency === currency).revenue_minor;
    expect(before).toBe(revenue(currencies[0]));
    expect(after).toBe(revenue(currencies[1]));
  }, 60_000);

  it('the Reports page shows the figures as tables, each downloadable as XLSX with the same rows', async () => {
    const w = await panel.open({ locale: 'en-GB' });
    await signIn(w, panel.server.adminKey, '/reports');
    await w.page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    const api = {
      orders: (await panel.server.api('/api/v1/reports/orders')).body.rows.length,
      'stock-value': (await panel.server.api('/api/v1/reports/stock-value')).body.rows.length,
      'days-of-cover': (await panel.server.api('/api/v1/reports/days-of-cover')).body.items.length,
    };
    for (const [report, count] of Object.entries(api)) {
      const section = w.page.locator(`[data-report="${report}"]`);
      expect(await section.locator('tbody tr').count(), report).toBe(count);
      expect(count, report).toBeGreaterThan(0);
      const href = await section.locator('a[data-download]').getAttribute('href');
      // The panel's session reads the reports API, as the browser's download does.
      const file = await w.page.request.get(href!);
      expect(file.status(), report).toBe(200);
      const workbook = new ExcelJS.Workbook();
      const body = await file.body();
      await workbook.xlsx.load(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer);
      expect(workbook.worksheets[0].actualRowCount, report).toBe(count + 1); // its header row, then the table's rows
    }
  }, 60_000);
});
