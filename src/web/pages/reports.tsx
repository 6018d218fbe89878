import { Hono } from 'hono';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import {
  dayWindow,
  daysOfCover,
  ordersByDay,
  stockValue,
  type CoverReport,
  type OrdersReport,
  type StockValueReport,
} from '../../reports/queries.ts';
import { viewOf, type View } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { channelName, Empty, formatMoney, formatNumber, key, num, Select, Table } from '../ui.tsx';
import { shortDay } from './report-charts.tsx';

/**
 * The dashboard's figures as tables (issue 20): orders and revenue per channel per day, stock
 * value by own warehouse, the products closest to running out; each with its XLSX download
 * (the reports API, src/reports/routes.ts, which the panel's session may read). On a phone
 * each table is a list of cards, as elsewhere.
 */

const windows = [7, 14, 30, 60, 90];

/** A window the form offers, else the default: anything else in the address is ignored. */
const daysParam = (value: string | undefined, fallback: number) =>
  windows.includes(Number(value)) ? Number(value) : fallback;

export function reportPageRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.get('/reports', async (c) => {
    const v = viewOf(c);
    const days = daysParam(c.req.query('days'), 30);
    const coverDays = daysParam(c.req.query('cover_days'), 14);
    const [orders, stock, cover] = await Promise.all([
      ordersByDay(hub.db, dayWindow(days)),
      stockValue(hub.db),
      daysOfCover(hub.db, dayWindow(coverDays)),
    ]);
    return renderPage(c, v.t('reports.title'), <Reports v={v} orders={orders} stock={stock} cover={cover} />);
  });
  return app;
}

function Reports({
  v,
  orders,
  stock,
  cover,
}: {
  v: View;
  orders: OrdersReport;
  stock: StockValueReport;
  cover: CoverReport;
}) {
  const { t } = v;
  const options = windows.map((d) => ({ value: d, label: String(d) }));
  return (
    <>
      <div class="page-head">
        <h1>{t('reports.title')}</h1>
      </div>
      <p>{t('reports.intro')}</p>
      <form method="get" action="/reports" class="inline-form card">
        <Select name="days" label={t('reports.days')} value={orders.window.days} options={options} />
        <Select name="cover_days" label={t('reports.coverDays')} value={cover.window.days} options={options} />
        <div class="actions">
          <button type="submit">{t('reports.show')}</button>
        </div>
      </form>
      <OrdersTable v={v} report={orders} />
      <StockTable v={v} report={stock} />
      <CoverTable v={v} report={cover} />
    </>
  );
}

/** A report's heading with its download button: the same figures as an XLSX file in the page's language. */
function ReportHead({ v, title, href }: { v: View; title: string; href: string }) {
  return (
    <div class="page-head">
      <h2>{title}</h2>
      <a
        class="button ghost small"
        href={`${href}${href.includes('?') ? '&' : '?'}lang=${v.lang}`}
        download
        data-download={title}
      >
        ↓ {v.t('reports.download')}
      </a>
    </div>
  );
}

function OrdersTable({ v, report }: { v: View; report: OrdersReport }) {
  const { t } = v;
  const { window } = report;
  const columns = [
    key(t('reports.colDay')),
    key(t('reports.colChannel')),
    t('reports.colCurrency'),
    key(num(t('reports.colOrders'))),
    num(t('reports.colCancelled')),
    key(num(t('reports.colRevenue'))),
  ];
  return (
    <section class="card" data-report="orders">
      <ReportHead
        v={v}
        title={t('reports.orders')}
        href={`/api/v1/reports/orders.xlsx?days=${window.days}&to=${window.to}`}
      />
      <p>
        <small>
          {t('reports.window', { days: window.days, from: shortDay(v, window.from), to: shortDay(v, window.to) })}
        </small>
      </p>
      {report.rows.length === 0 ? (
        <Empty>{t('reports.noOrders')}</Empty>
      ) : (
        <Table
          label={t('reports.orders')}
          columns={columns}
          foot={report.totals.map((s) => (
            <tr data-total={s.currency}>
              <th colSpan={2}>{t('reports.total')}</th>
              <td data-label={t('reports.colCurrency')}>{s.currency}</td>
              <td class="num" data-label={t('reports.colOrders')}>
                {formatNumber(v, s.orders)}
              </td>
              <td class="num" data-label={t('reports.colCancelled')}>
                {formatNumber(v, s.cancelled)}
              </td>
              <td class="num" data-label={t('reports.colRevenue')}>
                {formatMoney(v, s.revenue_minor, s.currency)}
              </td>
            </tr>
          ))}
        >
          {report.rows.map((r) => (
            <tr data-day={r.day} data-channel={r.channel} data-currency={r.currency}>
              <td>{shortDay(v, r.day)}</td>
              <td>{channelName(r.channel)}</td>
              <td>{r.currency}</td>
              <td class="num">{formatNumber(v, r.orders)}</td>
              <td class="num">{formatNumber(v, r.cancelled)}</td>
              <td class="num">{formatMoney(v, r.revenue_minor, r.currency)}</td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}

function StockTable({ v, report }: { v: View; report: StockValueReport }) {
  const { t } = v;
  const columns = [
    key(t('reports.colWarehouse')),
    key(t('reports.colCurrency')),
    num(t('reports.colProducts')),
    num(t('reports.colUnits')),
    key(num(t('reports.colValue'))),
  ];
  return (
    <section class="card" data-report="stock-value">
      <ReportHead v={v} title={t('reports.stock')} href="/api/v1/reports/stock-value.xlsx" />
      <p>
        <small>{t('reports.stockNote')}</small>
      </p>
      {report.rows.length === 0 ? (
        <Empty>{t('reports.noStock')}</Empty>
      ) : (
        <Table
          label={t('reports.stock')}
          columns={columns}
          foot={report.totals.map((s) => (
            <tr data-total={s.currency}>
              <th>{t('reports.total')}</th>
              <td data-label={t('reports.colCurrency')}>{s.currency}</td>
              <td></td>
              <td class="num" data-label={t('reports.colUnits')}>
                {formatNumber(v, s.units)}
              </td>
              <td class="num" data-label={t('reports.colValue')}>
                {formatMoney(v, s.value_minor, s.currency)}
              </td>
            </tr>
          ))}
        >
          {report.rows.map((r) => (
            <tr data-warehouse={r.code} data-currency={r.currency ?? ''}>
              <td>
                {r.name} <small class="mono">{r.code}</small>
              </td>
              <td>{r.currency ?? <small>{t('reports.noPrice')}</small>}</td>
              <td class="num">{formatNumber(v, r.products)}</td>
              <td class="num">{formatNumber(v, r.units)}</td>
              <td class="num">{r.currency ? formatMoney(v, r.value_minor, r.currency) : t('common.none')}</td>
            </tr>
          ))}
        </Table>
      )}
      {report.unpriced.units > 0 && (
        <p data-unpriced={report.unpriced.units}>
          <small>
            {t('reports.unpriced', {
              products: formatNumber(v, report.unpriced.products),
              units: formatNumber(v, report.unpriced.units),
            })}
          </small>
        </p>
      )}
    </section>
  );
}

function CoverTable({ v, report }: { v: View; report: CoverReport }) {
  const { t } = v;
  const { window } = report;
  const days = new Intl.NumberFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 2 });
  const columns = [
    key(t('reports.colSku')),
    t('reports.colName'),
    key(num(t('reports.colAvailable'))),
    num(t('reports.colSold')),
    num(t('reports.colPerDay')),
    key(num(t('reports.colCover'))),
  ];
  return (
    <section class="card" data-report="days-of-cover">
      <ReportHead
        v={v}
        title={t('reports.cover')}
        href={`/api/v1/reports/days-of-cover.xlsx?days=${window.days}&to=${window.to}`}
      />
      <p>
        <small>
          {t('reports.coverWindow', { days: window.days, from: shortDay(v, window.from), to: shortDay(v, window.to) })}
        </small>
      </p>
      {report.items.length === 0 ? (
        <Empty>{t('reports.noSales')}</Empty>
      ) : (
        <Table label={t('reports.cover')} columns={columns}>
          {report.items.map((r) => (
            <tr data-sku={r.sku}>
              <td>
                <a class="mono" href={`/products/${r.product_id}`}>
                  {r.sku}
                </a>
              </td>
              <td>{r.name}</td>
              <td class="num">{formatNumber(v, r.available)}</td>
              <td class="num">{formatNumber(v, r.units_sold)}</td>
              <td class="num">{days.format(r.per_day)}</td>
              <td class="num">{days.format(r.days_of_cover)}</td>
            </tr>
          ))}
        </Table>
      )}
      {report.without_sales > 0 && (
        <p>
          <small>{t('reports.withoutSales', { n: formatNumber(v, report.without_sales) })}</small>
        </p>
      )}
    </section>
  );
}
