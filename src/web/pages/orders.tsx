import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import { sql, type SQL } from 'drizzle-orm';
import { listAccounts, type AccountView } from '../../channels/core/accounts.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { requestOrderAction } from '../../orders/actions.ts';
import {
  getOrder,
  listOrders,
  orderStatistics,
  salesStatistics,
  type OrderStatistics,
  type OrderSummary,
} from '../../orders/queries.ts';
import { orderStatuses, type OrderStatus } from '../../orders/service.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { wordsOr } from '../i18n.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import {
  Badge,
  channelName,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatMoney,
  formatNumber,
  intParam,
  key,
  Notice,
  num,
  Select,
  Stat,
  Table,
  TableWrap,
} from '../ui.tsx';
import { CursorPager, cursorParam, Head, listUrl, SortHead } from './cursor-pager.tsx';

const PAGE_SIZE = 50;
/** How many days the per-day chart shows at most. */
const CHART_DAYS = 30;

type StatusFilter = OrderStatus | 'active';

/** The filters as the form sends them (dates as YYYY-MM-DD, UTC days). */
interface Filters {
  channel?: string;
  account?: string;
  sort?: SortChoice;
  status?: StatusFilter;
  from?: string;
  to?: string;
  q?: string;
}

interface Day {
  day: string;
  active: number;
  dropped: number;
}

interface Sales {
  buyouts: number;
  returns: number;
  total: number;
  buyout_rate: number | null;
}

const statusTone: Record<OrderStatus, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  new: 'info',
  confirmed: 'info',
  shipped: 'info',
  delivered: 'ok',
  cancelled: 'muted',
  returned: 'warn',
};

const sendTone: Record<string, 'ok' | 'bad' | 'muted'> = { sent: 'ok', send_error: 'bad', not_sent: 'muted' };

/** The list's sort choices: the API's sort and direction (GET /api/v1/orders). */
const sortChoices = {
  newest: { sort: 'ordered_at', direction: 'desc' },
  oldest: { sort: 'ordered_at', direction: 'asc' },
  largest: { sort: 'total_minor', direction: 'desc' },
  smallest: { sort: 'total_minor', direction: 'asc' },
  updated: { sort: 'updated_at', direction: 'desc' },
} as const;
type SortChoice = keyof typeof sortChoices;

const dropped = (status: string) => status === 'cancelled' || status === 'returned';

export function orderRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/orders', async (c) => {
    const v = viewOf(c);
    const [accounts, channels] = await Promise.all([listAccounts(hub.db), knownChannels(hub)]);
    const { filters, errors } = readFilters(v, c.req.query(), channels, accounts);
    const page = { cursor: cursorParam(c.req.query('cursor')), before: cursorParam(c.req.query('before')) };
    const range = {
      from: filters.from ? `${filters.from}T00:00:00Z` : undefined,
      to: filters.to ? `${nextDay(filters.to)}T00:00:00Z` : undefined,
    };
    const scope = { channel: filters.channel, ...range };
    const accountIds = filters.channel
      ? accounts.filter((a) => a.channel === filters.channel).map((a) => a.id)
      : undefined;
    const [list, stats, days, sales] = await Promise.all([
      orderPage(hub, {
        ...scope,
        accountIds: filters.account ? [Number(filters.account)] : undefined,
        status: filters.status,
        q: filters.q,
        limit: PAGE_SIZE,
        offset: 0,
        ...sortChoices[filters.sort ?? 'newest'],
        ...page,
      }),
      orderStatistics(hub.db, scope),
      ordersPerDay(hub, scope, filters),
      accountIds && accountIds.length === 0 ? null : salesStatistics(hub.db, { accountIds, ...range }),
    ]);
    return renderPage(
      c,
      v.t('orders.title'),
      <OrdersPage
        v={v}
        filters={filters}
        errors={errors}
        channels={channels}
        accounts={accounts}
        list={list}
        stats={stats}
        days={days}
        sales={sales}
      />,
    );
  });

  app.get('/orders/:id', async (c) => {
    const v = viewOf(c);
    const id = orderId(c);
    let order: Awaited<ReturnType<typeof getOrder>>;
    try {
      order = await getOrder(hub.db, id);
    } catch (error) {
      if (error instanceof DomainError && error.status === 404)
        throw new DomainError('NOT_FOUND', v.t('orders.notFound', { id }), 404);
      throw error;
    }
    const [accountName, warehouse] = await Promise.all([
      order.account_id
        ? rows<{ name: string }>(hub.db, sql`select name from channel_accounts where id = ${order.account_id}`)
        : [],
      order.warehouse_id
        ? rows<{ label: string }>(
            hub.db,
            sql`select code || ' · ' || name as label from warehouses where id = ${order.warehouse_id}`,
          )
        : [],
    ]);
    return renderPage(
      c,
      `${v.t('orders.number')} ${order.external_id}`,
      <OrderCard
        v={v}
        order={order as unknown as OrderDetail}
        account={accountName[0]?.name ?? null}
        warehouse={warehouse[0]?.label ?? null}
        notice={{ queued: c.req.query('action_queued'), error: c.req.query('action_error') }}
      />,
    );
  });

  // A seller's action on the order (src/orders/actions.ts): queued, then back to the order with what happened.
  app.post('/orders/:id/actions/:action{confirm|ship|cancel}', async (c) => {
    const v = viewOf(c);
    const id = orderId(c);
    const action = c.req.param('action') as 'confirm' | 'ship' | 'cancel';
    const form = await c.req.parseBody();
    const text = (name: string) =>
      typeof form[name] === 'string' && form[name].trim() ? form[name].trim() : undefined;
    const back = (query: string) => c.redirect(`/orders/${id}?${query}#order-actions`, 303);
    try {
      await requestOrderAction(
        hub,
        id,
        action,
        { tracking_number: text('tracking_number'), carrier: text('carrier'), reason: text('reason') },
        c.get('actor').name,
      );
      return back(`action_queued=${action}`);
    } catch (error) {
      if (error instanceof DomainError && error.status !== 404)
        return back(`action_error=${encodeURIComponent(localize(v.lang, error))}`);
      throw error;
    }
  });
  return app;
}

/** A page of the list by the API's cursor; a cursor that no longer fits (a sort changed by hand) gives the first page. */
async function orderPage(hub: Hub, filter: Parameters<typeof listOrders>[1]) {
  try {
    return await listOrders(hub.db, filter);
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'VALIDATION_FAILED' && (filter.cursor || filter.before)))
      throw error;
    return listOrders(hub.db, { ...filter, cursor: undefined, before: undefined });
  }
}

const orderId = (c: WebContext) => {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', viewOf(c).t('orders.notFound', { id: c.req.param('id') ?? '' }), 404);
  return id;
};

/** A wrong filter is named beside its field and left out; the others still apply. */
function readFilters(
  v: View,
  query: Record<string, string>,
  channels: string[],
  accounts: AccountView[],
): { filters: Filters; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const filters: Filters = {};
  if (query.channel && channels.includes(query.channel)) filters.channel = query.channel;
  if (
    query.account &&
    accounts.some((a) => String(a.id) === query.account && (!filters.channel || a.channel === filters.channel))
  )
    filters.account = query.account;
  if (query.sort && query.sort !== 'newest' && query.sort in sortChoices) filters.sort = query.sort as SortChoice;
  if (query.status === 'active' || orderStatuses.includes(query.status as OrderStatus))
    filters.status = query.status as StatusFilter;
  for (const name of ['from', 'to'] as const) {
    const value = query[name]?.trim();
    if (!value) continue;
    if (isDay(value)) filters[name] = value;
    else errors[name] = v.t('orders.badDate');
  }
  if (filters.from && filters.to && filters.to < filters.from) {
    errors.to = v.t('orders.toBeforeFrom', { from: formatDay(v, filters.from) });
    delete filters.to;
  }
  const q = query.q?.trim().slice(0, 200);
  if (q) filters.q = q;
  return { filters, errors };
}

const isDay = (value: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) &&
  !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
  new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const nextDay = (day: string) => addDays(day, 1);
const formatDay = (v: View, day: string) =>
  new Intl.DateTimeFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'short', timeZone: 'UTC' }).format(
    new Date(`${day}T00:00:00Z`),
  );

async function knownChannels(hub: Hub): Promise<string[]> {
  const found = await rows<{ channel: string }>(
    hub.db,
    sql`
    select channel from orders union select channel from channel_accounts order by channel`,
  );
  return found.map((r) => r.channel);
}

function scopeWhere(scope: { channel?: string; from?: string; to?: string }): SQL {
  const parts: SQL[] = [sql`true`];
  if (scope.channel) parts.push(sql`o.channel = ${scope.channel}`);
  if (scope.from) parts.push(sql`o.ordered_at >= ${scope.from}`);
  if (scope.to) parts.push(sql`o.ordered_at < ${scope.to}`);
  return sql.join(parts, sql` and `);
}

/**
 * Orders per UTC day for the chart: up to CHART_DAYS days ending on the `to` day, or on the
 * day of the latest order in the selection; days without orders are there with zero.
 */
async function ordersPerDay(
  hub: Hub,
  scope: { channel?: string; from?: string; to?: string },
  filters: Filters,
): Promise<Day[]> {
  let end = filters.to;
  if (!end) {
    const [latest] = await rows<{ day: string | null }>(
      hub.db,
      sql`
      select to_char(max(o.ordered_at) at time zone 'UTC', 'YYYY-MM-DD') as day from orders o where ${scopeWhere(scope)}`,
    );
    if (!latest?.day) return [];
    end = latest.day;
  }
  let start = addDays(end, -(CHART_DAYS - 1));
  if (filters.from && filters.from > start) start = filters.from;
  const found = await rows<Day>(
    hub.db,
    sql`
    select to_char(o.ordered_at at time zone 'UTC', 'YYYY-MM-DD') as day,
           count(*) filter (where o.status not in ('cancelled', 'returned'))::int as active,
           count(*) filter (where o.status in ('cancelled', 'returned'))::int as dropped
      from orders o
     where ${scopeWhere({ channel: scope.channel, from: `${start}T00:00:00Z`, to: `${nextDay(end)}T00:00:00Z` })}
     group by 1 order by 1`,
  );
  const byDay = new Map(found.map((d) => [d.day, d]));
  const days: Day[] = [];
  for (let day = start; day <= end; day = nextDay(day)) days.push(byDay.get(day) ?? { day, active: 0, dropped: 0 });
  return days;
}

/** The stock note joins one remark per line with '; '; each is put in the page's words. */
const localizeNote = (v: View, note: string) =>
  note
    .split('; ')
    .map((part) => localize(v.lang, part))
    .join('; ');

const statusWord = (v: View, status: string) => wordsOr(v.t, `orders.st.${status}`, status);
const sendWord = (v: View, state: string) => wordsOr(v.t, `orders.send.${state}`, state);

function percent(v: View, share: number): string {
  return new Intl.NumberFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB', {
    style: 'percent',
    maximumFractionDigits: 1,
  }).format(share);
}

interface OrdersPageProps {
  v: View;
  filters: Filters;
  errors: FieldErrors;
  channels: string[];
  accounts: AccountView[];
  list: { items: OrderSummary[]; total: number; next_cursor: string | null; prev_cursor: string | null };
  stats: OrderStatistics;
  days: Day[];
  sales: Sales | null;
}

function OrdersPage({ v, filters, errors, channels, accounts, list, stats, days, sales }: OrdersPageProps) {
  const { t } = v;
  const names = new Map(accounts.map((a) => [a.id, a.name]));
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <div class="page-head">
        <h1>{t('orders.title')}</h1>
      </div>
      {Object.keys(errors).length > 0 && <Notice kind="error">{t('common.fixErrors')}</Notice>}
      <form method="get" action="/orders" class="inline-form card filters" aria-label={t('orders.filters')} data-busy>
        <Select
          name="channel"
          label={t('orders.channel')}
          value={filters.channel}
          placeholder={t('orders.allChannels')}
          options={channels.map((ch) => ({ value: ch, label: channelName(ch) }))}
        />
        <Select
          name="account"
          label={t('orders.act.account')}
          value={filters.account}
          placeholder={t('orders.act.allAccounts')}
          options={accounts
            .filter((a) => !filters.channel || a.channel === filters.channel)
            .map((a) => ({ value: String(a.id), label: `${a.name} · ${channelName(a.channel)}` }))}
        />
        <Select
          name="status"
          label={t('orders.status')}
          value={filters.status}
          placeholder={t('orders.allStatuses')}
          options={[
            { value: 'active', label: t('orders.activeOnly') },
            ...orderStatuses.map((s) => ({ value: s, label: statusWord(v, s) })),
          ]}
        />
        <Field
          name="from"
          type="date"
          label={t('orders.from')}
          value={errors.from ? undefined : filters.from}
          errors={errors}
        />
        <Field
          name="to"
          type="date"
          label={t('orders.to')}
          value={errors.to ? undefined : filters.to}
          errors={errors}
        />
        <Select
          name="sort"
          label={t('orders.act.sort')}
          value={filters.sort ?? 'newest'}
          options={(Object.keys(sortChoices) as SortChoice[]).map((choice) => ({
            value: choice,
            label: choice === 'smallest' ? t('lists.smallest') : t(`orders.act.sort_${choice}`),
          }))}
        />
        <Field
          name="q"
          type="search"
          label={t('orders.q')}
          value={filters.q}
          hint={t('orders.qHint')}
          attrs={{ autocomplete: 'off', spellcheck: 'false' }}
        />
        <div class="actions">
          <button type="submit">{t('orders.show')}</button>
          {filtered && (
            <a class="button ghost" href="/orders">
              {t('common.reset')}
            </a>
          )}
        </div>
      </form>
      {stats.total > 0 && <Statistics v={v} stats={stats} days={days} sales={sales} />}
      <section class="card" id="results">
        <h2>{t('orders.list')}</h2>
        {list.items.length === 0 ? (
          <Empty
            action={
              filtered ? (
                <a class="button ghost small" href="/orders">
                  {t('common.reset')}
                </a>
              ) : undefined
            }
          >
            {filtered ? t('orders.noMatch') : t('orders.empty')}
          </Empty>
        ) : (
          <>
            <OrderTable v={v} filters={filters}>
              {list.items.map((o) => (
                <tr
                  data-id={o.id}
                  data-status={o.status}
                  class={dropped(o.status) ? 'row-muted' : o.stock_note ? 'row-warn' : undefined}
                >
                  <td data-label={t('orders.number')} class="key">
                    <a href={`/orders/${o.id}`} class="mono nowrap">
                      {o.external_id}
                    </a>
                    {o.posting_number && o.posting_number !== o.external_id && (
                      <div>
                        <small class="mono">{o.posting_number}</small>
                      </div>
                    )}
                  </td>
                  <td data-label={t('orders.date')}>
                    <small>{formatDateTime(v, o.ordered_at)}</small>
                  </td>
                  <td data-label={t('orders.channel')} class="key">
                    {channelName(o.channel)}
                    {o.account_id && names.get(o.account_id) && (
                      <div>
                        <small>{names.get(o.account_id)}</small>
                      </div>
                    )}
                  </td>
                  <td data-label={t('orders.status')} class="key">
                    <Badge tone={statusTone[o.status] ?? 'muted'}>{statusWord(v, o.status)}</Badge>
                    {o.stock_note && o.status !== 'cancelled' && (
                      <div>
                        <small class="warn-text" title={localizeNote(v, o.stock_note)}>
                          ⚠ {t('orders.stockNote')}
                        </small>
                      </div>
                    )}
                  </td>
                  <td data-label={t('orders.items')} class="num">
                    {formatNumber(v, o.items)}
                  </td>
                  <td data-label={t('orders.total')} class="num key">
                    {formatMoney(v, o.total_minor, o.currency)}
                  </td>
                  <td data-label={t('orders.crm')}>
                    <Badge tone={sendTone[o.crm_state] ?? 'muted'}>{sendWord(v, o.crm_state)}</Badge>
                  </td>
                  <td data-label={t('orders.delivery')}>
                    <Badge tone={sendTone[o.delivery_state] ?? 'muted'}>{sendWord(v, o.delivery_state)}</Badge>
                  </td>
                </tr>
              ))}
            </OrderTable>
            <CursorPager
              v={v}
              shown={list.items.length}
              total={list.total}
              next={list.next_cursor}
              prev={list.prev_cursor}
              params={listParams(filters)}
              base="/orders"
            />
          </>
        )}
      </section>
    </>
  );
}

const listParams = (f: Filters) => ({
  channel: f.channel,
  account: f.account,
  sort: f.sort,
  status: f.status,
  from: f.from,
  to: f.to,
  q: f.q,
});

/**
 * The orders table, its date and total headings sorting the list (the API's sorts): a click sorts
 * by the column, a second click the other way; the filters stay, paging starts again.
 */
function OrderTable({ v, filters, children }: { v: View; filters: Filters; children: Child }) {
  const { t } = v;
  const sort = filters.sort ?? 'newest';
  const sortedBy = (choices: [SortChoice, SortChoice]) =>
    sort === choices[0] ? 'desc' : sort === choices[1] ? 'asc' : undefined;
  const href = (choice: SortChoice) =>
    listUrl('/orders', { ...listParams(filters), sort: choice === 'newest' ? undefined : choice });
  return (
    <TableWrap label={t('orders.list')}>
      <table id="orders" class="cards" data-keyed="">
        <thead>
          <tr>
            <Head label={t('orders.number')} keyColumn />
            <SortHead
              v={v}
              label={t('orders.date')}
              current={sortedBy(['newest', 'oldest'])}
              href={href(sort === 'newest' ? 'oldest' : 'newest')}
            />
            <Head label={t('orders.channel')} keyColumn />
            <Head label={t('orders.status')} keyColumn />
            <Head label={t('orders.items')} num />
            <SortHead
              v={v}
              label={t('orders.total')}
              num
              keyColumn
              current={sortedBy(['largest', 'smallest'])}
              href={href(sort === 'largest' ? 'smallest' : 'largest')}
            />
            <Head label={t('orders.crm')} />
            <Head label={t('orders.delivery')} />
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </TableWrap>
  );
}

/** Counts, revenue and two charts for the chosen channel and dates; cancelled orders are counted, not hidden. */
function Statistics({ v, stats, days, sales }: { v: View; stats: OrderStatistics; days: Day[]; sales: Sales | null }) {
  const { t } = v;
  const cancelledShare = stats.total ? stats.cancelled / stats.total : 0;
  return (
    <>
      <section class="stats stats-3" aria-label={t('orders.title')} id="order-stats">
        <Stat name="total" value={formatNumber(v, stats.total)} label={t('orders.statTotal')} />
        <Stat name="active" value={formatNumber(v, stats.active)} label={t('orders.statActive')} />
        <Stat
          name="cancelled"
          tone={stats.cancelled ? 'warn' : undefined}
          value={formatNumber(v, stats.cancelled)}
          label={
            <>
              {t('orders.statCancelled')}
              {stats.cancelled > 0 && <> · {t('orders.statCancelledShare', { share: percent(v, cancelledShare) })}</>}
            </>
          }
        />
        <div class="stat stat-wide" data-stat="revenue">
          {stats.by_currency.map((r) => (
            <b class="money">{formatMoney(v, r.revenue_minor, r.currency)}</b>
          ))}
          <span>{t('orders.statRevenue')}</span>
        </div>
      </section>
      <div class="grid grid-2 spaced">
        <section class="card">
          <h2>{t('orders.chartStatus')}</h2>
          <StatusBars v={v} stats={stats} />
          <p class="chart-note" data-stat="buyout">
            <b>{t('orders.statBuyout')}:</b>{' '}
            {sales && sales.buyout_rate !== null ? (
              <>
                {percent(v, sales.buyout_rate)}{' '}
                <small>({t('orders.statBuyoutDetail', { buyouts: sales.buyouts, returns: sales.returns })})</small>
              </>
            ) : (
              <small>{t('orders.statNoSales')}</small>
            )}
          </p>
        </section>
        <section class="card">
          <h2>{t('orders.chartDays')}</h2>
          <DaysChart v={v} days={days} />
        </section>
      </div>
    </>
  );
}

function StatusBars({ v, stats }: { v: View; stats: OrderStatistics }) {
  const most = Math.max(1, ...Object.values(stats.by_status));
  return (
    <ul class="hbars" id="status-chart" aria-label={v.t('orders.chartStatus')}>
      {orderStatuses.map((s) => {
        const n = stats.by_status[s] ?? 0;
        return (
          <li data-status={s}>
            <span class="hbar-label">{statusWord(v, s)}</span>
            <span class="hbar-track" aria-hidden="true">
              <span class={`hbar hbar-${s}`} style={`width:${n ? Math.max(2, (n / most) * 100) : 0}%`}></span>
            </span>
            <span class="hbar-value">{formatNumber(v, n)}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** A column per day, active orders below and cancelled or returned ones stacked on top. */
function DaysChart({ v, days }: { v: View; days: Day[] }) {
  const { t } = v;
  const most = Math.max(1, ...days.map((d) => d.active + d.dropped));
  const short = (day: string) => `${day.slice(8, 10)}.${day.slice(5, 7)}`;
  const total = days.reduce((a, d) => a + d.active + d.dropped, 0);
  const label = `${t('orders.chartDays')}: ${formatNumber(v, total)}, ${short(days[0]?.day ?? '')} – ${short(days.at(-1)?.day ?? '')}`;
  return (
    <figure class="days" style="margin:0">
      <div class="cols" id="days-chart" role="img" aria-label={label}>
        {days.map((d) => {
          const all = d.active + d.dropped;
          return (
            <div
              class="col"
              data-day={d.day}
              data-count={all}
              title={`${d.day}: ${all} (${t('orders.chartCancelled')}: ${d.dropped})`}
            >
              {d.dropped > 0 && <span class="col-dropped" style={`height:${(d.dropped / most) * 100}%`}></span>}
              {d.active > 0 && <span class="col-active" style={`height:${(d.active / most) * 100}%`}></span>}
            </div>
          );
        })}
      </div>
      <div class="cols-axis" aria-hidden="true">
        <span>{short(days[0]?.day ?? '')}</span>
        <span>{t('orders.chartMax', { n: formatNumber(v, most) })}</span>
        <span>{short(days.at(-1)?.day ?? '')}</span>
      </div>
      <figcaption class="legend">
        <span>
          <i class="col-active"></i>
          {t('orders.chartOther')}
        </span>
        <span>
          <i class="col-dropped"></i>
          {t('orders.chartCancelled')}
        </span>
        <span>{t('orders.chartDaysNote', { n: days.length })}</span>
      </figcaption>
    </figure>
  );
}

interface OrderLine {
  line_no: number;
  product_id: number | null;
  sku: string;
  external_sku: string | null;
  name: string;
  quantity: number;
  price_minor: number;
}

interface OrderEvent {
  status: string;
  channel_status: string | null;
  at: string;
  actor: string;
}

interface OrderMovement {
  id: number;
  type: string;
  product_id: number;
  sku: string;
  warehouse_name: string;
  quantity: number;
  at: string;
}

interface OrderPackage {
  id: number;
  number: string;
  state: string;
  tracking_number: string | null;
  delivery_status: string | null;
}

interface OrderActionView {
  id: number;
  action: 'confirm' | 'ship' | 'cancel';
  state: 'queued' | 'done' | 'failed';
  channel_status: string | null;
  error: string | null;
  actor: string;
  created_at: string;
}

type OrderDetail = OrderSummary & {
  shipping: {
    methodName?: string | null;
    provider?: string | null;
    deliveryPoint?: string | null;
    address?: Record<string, string | null> | null;
  } | null;
  movements: OrderMovement[];
  packages: OrderPackage[];
  actions: OrderActionView[];
  available_actions: ('confirm' | 'ship' | 'cancel')[];
  customer: Record<string, unknown> | null;
  warehouse_id: number | null;
  crm_error: string | null;
  delivery_error: string | null;
  lines: OrderLine[];
  history: OrderEvent[];
};

const actionTone = { queued: 'info', done: 'ok', failed: 'bad' } as const;

function OrderCard({
  v,
  order,
  account,
  warehouse,
  notice,
}: {
  v: View;
  order: OrderDetail;
  account: string | null;
  warehouse: string | null;
  notice: { queued?: string; error?: string };
}) {
  const { t } = v;
  const actionWord = (a: string) =>
    a === 'confirm' ? t('orders.act.confirm') : a === 'ship' ? t('orders.act.ship') : t('orders.act.cancel');
  const stateWord = (s: string) =>
    s === 'done'
      ? t('orders.act.stateDone')
      : s === 'failed'
        ? t('orders.act.stateFailed')
        : t('orders.act.stateQueued');
  const address = Object.values(order.shipping?.address ?? {}).filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
  const customer = Object.entries(order.customer ?? {}).filter(
    ([, value]) => value !== null && value !== undefined && typeof value !== 'object',
  );
  return (
    <>
      <p class="crumbs">
        <a href="/orders">← {t('orders.back')}</a>
      </p>
      <div class="page-head">
        <h1>
          {t('orders.number')} <span class="mono">{order.external_id}</span>{' '}
          <Badge tone={statusTone[order.status] ?? 'muted'}>{statusWord(v, order.status)}</Badge>
        </h1>
      </div>
      {order.stock_note && order.status !== 'cancelled' && (
        <Notice kind="warn">
          <b>{t('orders.stockNote')}:</b> {localizeNote(v, order.stock_note)}
        </Notice>
      )}
      <div class="grid grid-side">
        <div class="grid">
          <section class="card">
            <dl class="facts" id="order-facts">
              <dt>{t('orders.channel')}</dt>
              <dd>
                {channelName(order.channel)}
                {order.account_id && (
                  <> · {account ? <a href={`/channels/${order.account_id}`}>{account}</a> : `#${order.account_id}`}</>
                )}
              </dd>
              <dt>{t('orders.externalId')}</dt>
              <dd class="mono">{order.external_id}</dd>
              {order.posting_number && (
                <>
                  <dt>{t('orders.posting')}</dt>
                  <dd class="mono">{order.posting_number}</dd>
                </>
              )}
              <dt>{t('orders.date')}</dt>
              <dd>{formatDateTime(v, order.ordered_at)}</dd>
              <dt>{t('orders.channelStatus')}</dt>
              <dd class="mono">{order.channel_status ?? t('common.none')}</dd>
              <dt>{t('orders.total')}</dt>
              <dd>
                <b>{formatMoney(v, order.total_minor, order.currency)}</b>
              </dd>
              {/* A cancelled order's stock came back (src/orders/service.ts): its warehouse is no longer where it was written off. */}
              <dt>{order.status === 'cancelled' ? t('orders.warehouseOfCancelled') : t('orders.warehouse')}</dt>
              <dd data-warehouse>
                {warehouse ?? t('common.none')}
                {order.status === 'cancelled' && warehouse && (
                  <>
                    {' '}
                    <small class="muted">({t('orders.cancelledStock')})</small>
                  </>
                )}
              </dd>
              {customer.length > 0 && (
                <>
                  <dt>{t('orders.customer')}</dt>
                  <dd>
                    {customer.map(([key, value]) => (
                      <div>
                        <small class="mono" data-raw>
                          {key}:
                        </small>{' '}
                        {String(value)}
                      </div>
                    ))}
                  </dd>
                </>
              )}
              <dt>{t('orders.updated')}</dt>
              <dd>{formatDateTime(v, order.updated_at)}</dd>
            </dl>
          </section>
          <section class="card">
            <h2>{t('orders.lines')}</h2>
            <Table
              label={t('orders.lines')}
              id="lines"
              class="cards"
              columns={[
                key(t('orders.sku')),
                key(t('orders.name')),
                key(num(t('orders.quantity'))),
                num(t('orders.price')),
                key(num(t('orders.sum'))),
              ]}
              foot={
                <tr>
                  <th colspan={2}>{t('orders.totalRow')}</th>
                  <td class="num" data-label={t('orders.quantity')}>
                    {formatNumber(v, order.items)}
                  </td>
                  <td></td>
                  <td class="num" data-label={t('orders.sum')}>
                    <b>{formatMoney(v, order.total_minor, order.currency)}</b>
                  </td>
                </tr>
              }
            >
              {order.lines.map((l) => (
                <tr data-sku={l.sku}>
                  <td class="mono" data-label={t('orders.sku')}>
                    {l.product_id ? <a href={`/products/${l.product_id}`}>{l.sku}</a> : l.sku}
                    {l.external_sku && l.external_sku !== l.sku && (
                      <div>
                        <small>{l.external_sku}</small>
                      </div>
                    )}
                  </td>
                  <td data-label={t('orders.name')}>
                    {l.name}
                    {!l.product_id && (
                      <div>
                        <Badge tone="warn">{t('orders.notMatched')}</Badge>
                      </div>
                    )}
                  </td>
                  <td class="num" data-label={t('orders.quantity')}>
                    {formatNumber(v, l.quantity)}
                  </td>
                  <td class="num" data-label={t('orders.price')}>
                    {formatMoney(v, l.price_minor, order.currency)}
                  </td>
                  <td class="num" data-label={t('orders.sum')}>
                    {formatMoney(v, Number(l.price_minor) * l.quantity, order.currency)}
                  </td>
                </tr>
              ))}
            </Table>
          </section>
          <section class="card" id="movements">
            <h2>{t('orders.act.movements')}</h2>
            {order.movements.length ? (
              <Table
                label={t('orders.act.movements')}
                id="movements-table"
                class="cards"
                columns={[
                  key(t('orders.sku')),
                  t('orders.warehouse'),
                  key(num(t('orders.quantity'))),
                  t('orders.date'),
                ]}
              >
                {order.movements.map((m) => (
                  <tr data-type={m.type}>
                    <td class="mono" data-label={t('orders.sku')}>
                      <a href={`/products/${m.product_id}`}>{m.sku}</a>
                    </td>
                    <td data-label={t('orders.warehouse')}>{m.warehouse_name}</td>
                    <td class="num" data-label={t('orders.quantity')}>
                      {formatNumber(v, m.quantity)}{' '}
                      <small>{m.type === 'return' ? t('orders.act.moveReturn') : t('orders.act.moveSale')}</small>
                    </td>
                    <td data-label={t('orders.date')}>{formatDateTime(v, m.at)}</td>
                  </tr>
                ))}
              </Table>
            ) : (
              <p class="hint-text">{t('orders.act.noMovements')}</p>
            )}
          </section>
        </div>
        <div class="grid">
          <section class="card" id="order-actions">
            <h2>{t('orders.act.title')}</h2>
            {notice.queued && (
              <Notice kind="success">{t('orders.act.queued', { action: actionWord(notice.queued) })}</Notice>
            )}
            {notice.error && <Notice kind="error">{notice.error}</Notice>}
            {order.available_actions.length === 0 && <p class="hint-text">{t('orders.act.none')}</p>}
            {order.available_actions.includes('confirm') && (
              <form method="post" action={`/orders/${order.id}/actions/confirm`} class="inline-form" data-busy>
                <button type="submit" data-action="confirm">
                  {t('orders.act.confirm')}
                </button>
              </form>
            )}
            {order.available_actions.includes('ship') && (
              <form method="post" action={`/orders/${order.id}/actions/ship`} class="stack" id="ship-form" data-busy>
                <Field
                  name="tracking_number"
                  label={t('orders.act.trackingNumber')}
                  required
                  attrs={{ maxlength: 64, autocomplete: 'off' }}
                />
                <Field name="carrier" label={t('orders.act.carrier')} attrs={{ maxlength: 30 }} />
                <div class="actions">
                  <button type="submit" data-action="ship">
                    {t('orders.act.ship')}
                  </button>
                </div>
              </form>
            )}
            {order.available_actions.includes('cancel') && (
              <form
                method="post"
                action={`/orders/${order.id}/actions/cancel`}
                class="stack"
                id="cancel-form"
                data-busy
              >
                <Field name="reason" label={t('orders.act.reason')} attrs={{ maxlength: 500 }} />
                <div class="actions">
                  <button type="submit" data-action="cancel">
                    {t('orders.act.cancel')}
                  </button>
                </div>
              </form>
            )}
            {order.actions.length > 0 && (
              <>
                <h3>{t('orders.act.history')}</h3>
                <ul class="timeline" id="action-history">
                  {order.actions.map((a) => (
                    <li data-action={a.action} data-state={a.state}>
                      <b>{actionWord(a.action)}</b> <Badge tone={actionTone[a.state]}>{stateWord(a.state)}</Badge>
                      {a.channel_status && <span class="mono small-text"> {a.channel_status}</span>}
                      {a.error && <div class="error-text">{a.error}</div>}
                      <div>
                        <small>
                          {formatDateTime(v, a.created_at)} {t('orders.by', { actor: a.actor })}
                        </small>
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          {order.shipping && (
            <section class="card" id="shipping">
              <h2>{t('orders.act.shipping')}</h2>
              <dl class="facts">
                <dt>{t('orders.act.method')}</dt>
                <dd>
                  {[order.shipping.methodName, order.shipping.provider].filter(Boolean).join(' · ') || t('common.none')}
                </dd>
                <dt>{t('orders.act.address')}</dt>
                <dd>{address.length ? address.join(', ') : (order.shipping.deliveryPoint ?? t('common.none'))}</dd>
              </dl>
              {order.packages.length > 0 && (
                <>
                  <h3>{t('orders.act.packages')}</h3>
                  <ul>
                    {order.packages.map((p) => (
                      <li data-package={p.id}>
                        <span class="mono">{p.number}</span> {p.state}
                        {p.tracking_number && <span class="mono"> {p.tracking_number}</span>}
                        {p.delivery_status && <small> {p.delivery_status}</small>}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </section>
          )}
          <section class="card">
            <h2>{t('orders.timeline')}</h2>
            <ol class="timeline" id="timeline">
              {order.history.map((h, i) => (
                <li data-status={h.status} aria-current={i === order.history.length - 1 ? 'step' : undefined}>
                  <Badge tone={statusTone[h.status as OrderStatus] ?? 'muted'}>{statusWord(v, h.status)}</Badge>
                  {h.channel_status && <span class="mono small-text"> {h.channel_status}</span>}
                  <div>
                    <small>
                      {formatDateTime(v, h.at)} {t('orders.by', { actor: h.actor })}
                    </small>
                  </div>
                </li>
              ))}
            </ol>
          </section>
          <section class="card" id="handoff">
            <h2>{t('orders.handoff')}</h2>
            <dl class="facts">
              <dt>{t('orders.crm')}</dt>
              <dd data-state={order.crm_state} id="crm-state">
                <Badge tone={sendTone[order.crm_state] ?? 'muted'}>{sendWord(v, order.crm_state)}</Badge>
                {order.crm_id && <span class="mono"> {order.crm_id}</span>}
                {order.crm_error && <div class="error-text">{order.crm_error}</div>}
              </dd>
              <dt>{t('orders.delivery')}</dt>
              <dd data-state={order.delivery_state} id="delivery-state">
                <Badge tone={sendTone[order.delivery_state] ?? 'muted'}>{sendWord(v, order.delivery_state)}</Badge>
                {order.delivery_id && <span class="mono"> {order.delivery_id}</span>}
                {order.delivery_error && <div class="error-text">{order.delivery_error}</div>}
              </dd>
            </dl>
            <p>
              <a href={`/orders/${order.id}/trace`} id="trace-link">
                {t('orders.trace')}
              </a>
            </p>
          </section>
        </div>
      </div>
    </>
  );
}
