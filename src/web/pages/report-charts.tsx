import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { daysOf, type CoverReport, type OrdersReport, type StockValueReport } from '../../reports/queries.ts';
import type { View } from '../context.ts';
import { ASSET_VERSION } from '../layout.tsx';
import { channelName, Empty, formatNumber } from '../ui.tsx';

/**
 * The dashboard's three charts (issue 20, docs/decisions/220): Chart.js draws them from a JSON
 * island (assets/charts.js), the series shaped here so the script only draws. Each money chart
 * shows one currency at a time, with a choice of the others: amounts in different currencies
 * are never stacked or added. The tables of the same figures are the Reports page's.
 */

export const locale = (v: View) => (v.lang === 'ru' ? 'ru-RU' : 'en-GB');

/** A UTC day as a short date in the page's language (4 дек., 4 Dec). */
export const shortDay = (v: View, day: string) =>
  new Intl.DateTimeFormat(locale(v), { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );

interface Series {
  label: string;
  data: number[];
  /** The palette's colour: a channel keeps its own in both order charts. */
  colour: number;
}

/** What assets/charts.js reads: per chart, its axis labels and series (money per currency, in minor units). */
interface ChartData {
  locale: string;
  orders: { labels: string[]; series: Series[] };
  revenue: { labels: string[]; byCurrency: Record<string, Series[]> };
  stock: { labels: string[]; byCurrency: Record<string, Series[]> };
  cover: { labels: string[]; names: string[]; data: number[]; unit: string; available: string; perDay: string };
}

function chartData(v: View, orders: OrdersReport, stock: StockValueReport, cover: CoverReport): ChartData {
  const days = daysOf(orders.window);
  const at = new Map(days.map((d, i) => [d, i]));
  const channels = [...new Set(orders.rows.map((r) => r.channel))].sort();
  const perDay = () => days.map(() => 0);
  const counts = new Map(channels.map((c) => [c, perDay()]));
  const revenue: Record<string, Map<string, number[]>> = {};
  for (const r of orders.rows) {
    const i = at.get(r.day)!;
    counts.get(r.channel)![i] += r.orders;
    const byChannel = (revenue[r.currency] ??= new Map());
    if (!byChannel.has(r.channel)) byChannel.set(r.channel, perDay());
    byChannel.get(r.channel)![i] += r.revenue_minor;
  }
  const warehouses = [...new Map(stock.rows.map((r) => [r.warehouse_id, r.name])).entries()];
  const stockBy: Record<string, Series[]> = {};
  for (const { currency } of stock.totals) {
    const values = warehouses.map(
      ([id]) => stock.rows.find((r) => r.warehouse_id === id && r.currency === currency)?.value_minor ?? 0,
    );
    stockBy[currency] = [{ label: v.t('reports.colValue'), data: values, colour: 0 }];
  }
  return {
    locale: locale(v),
    orders: {
      labels: days.map((d) => shortDay(v, d)),
      series: channels.map((c, i) => ({ label: channelName(c), data: counts.get(c)!, colour: i })),
    },
    revenue: {
      labels: days.map((d) => shortDay(v, d)),
      byCurrency: Object.fromEntries(
        orders.totals.map(({ currency }) => [
          currency,
          [...revenue[currency]].map(([c, data]) => ({ label: channelName(c), data, colour: channels.indexOf(c) })),
        ]),
      ),
    },
    stock: { labels: warehouses.map(([, name]) => name), byCurrency: stockBy },
    cover: {
      labels: cover.items.map((r) => r.sku),
      names: cover.items.map((r) => r.name),
      data: cover.items.map((r) => r.days_of_cover),
      unit: v.t('reports.unitDays'),
      available: v.t('reports.colAvailable'),
      perDay: v.t('reports.colPerDay'),
    },
  };
}

/** JSON inside a script element: `<` escaped, so a product's name can never close the element. */
const island = (data: unknown) => raw(JSON.stringify(data).replace(/</g, '\\u003c'));

/** A chart's box: its canvas (sized by its box, so it fits a phone's width) and what it says in words. */
function ChartBox({
  v,
  name,
  title,
  height,
  picker,
  children,
}: {
  v: View;
  name: string;
  title: string;
  height: number;
  picker?: string[];
  children?: Child;
}) {
  return (
    <section class="card chart-card" data-chart-card={name}>
      <h2>{title}</h2>
      {picker && picker.length > 1 && (
        <label class="field" style="max-width:12rem;margin-bottom:0.5rem">
          <span>{v.t('reports.pickCurrency')}</span>
          <select data-chart-currency={name}>
            {picker.map((c) => (
              <option value={c}>{c}</option>
            ))}
          </select>
        </label>
      )}
      <div class="chart" style={`position:relative;width:100%;min-width:0;height:${height}px`}>
        <canvas data-chart={name} role="img" aria-label={v.t('reports.chartOf', { name: title })}></canvas>
      </div>
      {children}
    </section>
  );
}

interface ChartsProps {
  v: View;
  orders: OrdersReport;
  stock: StockValueReport;
  cover: CoverReport;
}

export function ReportCharts({ v, orders, stock, cover }: ChartsProps) {
  const { t } = v;
  const data = chartData(v, orders, stock, cover);
  const window = t('reports.window', {
    days: orders.window.days,
    from: shortDay(v, orders.window.from),
    to: shortDay(v, orders.window.to),
  });
  return (
    <section class="report-charts" aria-label={t('reports.charts')} style="margin-bottom:1rem">
      <div class="page-head">
        <h2>{t('reports.charts')}</h2>
        <a class="button ghost small" href="/reports">
          {t('reports.allReports')}
        </a>
      </div>
      <div class="grid grid-2">
        {orders.rows.length === 0 ? (
          <section class="card">
            <h2>{t('reports.orders')}</h2>
            <Empty>{t('reports.noOrders')}</Empty>
          </section>
        ) : (
          <>
            <ChartBox v={v} name="orders" title={t('reports.ordersChart')} height={260}>
              <p>
                <small>{window}</small>
              </p>
            </ChartBox>
            <ChartBox
              v={v}
              name="revenue"
              title={t('reports.revenueChart')}
              height={260}
              picker={orders.totals.map((x) => x.currency)}
            >
              <p>
                <small>{window}</small>
              </p>
            </ChartBox>
          </>
        )}
        {stock.totals.length === 0 ? (
          // Nothing on hand, or nothing of it priced yet: no value to draw, but the units are said.
          <section class="card" data-chart-card="stock">
            <h2>{t('reports.stock')}</h2>
            <Empty>
              {stock.rows.length === 0
                ? t('reports.noStock')
                : t('reports.unpriced', {
                    products: formatNumber(v, stock.unpriced.products),
                    units: formatNumber(v, stock.unpriced.units),
                  })}
            </Empty>
          </section>
        ) : (
          <ChartBox
            v={v}
            name="stock"
            title={t('reports.stock')}
            height={240}
            picker={stock.totals.map((x) => x.currency)}
          >
            <p>
              <small>{t('reports.stockNote')}</small>
            </p>
            {stock.unpriced.units > 0 && (
              <p data-unpriced={stock.unpriced.units}>
                <small>
                  {t('reports.unpriced', {
                    products: formatNumber(v, stock.unpriced.products),
                    units: formatNumber(v, stock.unpriced.units),
                  })}
                </small>
              </p>
            )}
          </ChartBox>
        )}
        {cover.items.length === 0 ? (
          <section class="card">
            <h2>{t('reports.cover')}</h2>
            <Empty>{t('reports.noSales')}</Empty>
          </section>
        ) : (
          <ChartBox v={v} name="cover" title={t('reports.cover')} height={Math.max(160, 34 * cover.items.length + 50)}>
            <p>
              <small>
                {t('reports.coverWindow', {
                  days: cover.window.days,
                  from: shortDay(v, cover.window.from),
                  to: shortDay(v, cover.window.to),
                })}
              </small>
            </p>
            {cover.without_sales > 0 && (
              <p>
                <small>{t('reports.withoutSales', { n: formatNumber(v, cover.without_sales) })}</small>
              </p>
            )}
          </ChartBox>
        )}
      </div>
      <script type="application/json" id="chart-data">
        {island(data)}
      </script>
      <script src={`/assets/chart.umd.min.js?v=${ASSET_VERSION}`} defer></script>
      <script src={`/assets/charts.js?v=${ASSET_VERSION}`} defer></script>
    </section>
  );
}
