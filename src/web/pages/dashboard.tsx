import { Hono } from 'hono';
import { openFindingCount } from '../../reconcile/findings.ts';
import { sql } from 'drizzle-orm';
import { rows } from '../../db/database.ts';
import { openErrorCounts } from '../../engine/error-groups.ts';
import { outboxBacklog } from '../../engine/outbox-retention.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { viewOf, type View } from '../context.ts';
import { wordsOr } from '../i18n.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import { AccountStatusCell } from './channels.tsx';
import { ReportCharts } from './report-charts.tsx';
import {
  dayWindow,
  daysOfCover,
  ordersByDay,
  stockValue,
  type CoverReport,
  type OrdersReport,
  type StockValueReport,
} from '../../reports/queries.ts';
import { Badge, Empty, formatDateTime, formatNumber, key, Stat, Table, toneOf } from '../ui.tsx';

/** At or below this many pieces available, a product counts as running low. */
export const LOW_STOCK = 3;

interface StockHealth {
  products: number;
  out_of_stock: number;
  low: number;
  warehouses: number;
}

interface AccountState {
  id: number;
  channel: string;
  name: string;
  status: string;
  status_reason: string | null;
  run_status: string | null;
  run_type: string | null;
  run_started_at: string | null;
  run_error: string | null;
}

interface RecentChange {
  entity_type: string;
  entity_id: string;
  action: string;
  actor: string;
  at: string;
  label: string | null;
}

/** An unresolved problem of one account (or of none), counted, with the list that shows it. */
interface Problem {
  /** Unresolved error groups, sync runs whose latest run failed or finished with problems, or an account that needs a new key. */
  kind: 'errors' | 'failed' | 'partial' | 'account';
  account_id: number | null;
  account: string | null;
  count: number;
  at: string;
  message: string | null;
}

export function dashboardRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const v = viewOf(c);
    const [health, accounts, recent, problems, backlog, findings, orders, stock, cover] = await Promise.all([
      stockHealth(hub),
      accountStates(hub),
      recentChanges(hub),
      openProblems(hub),
      outboxBacklog(hub.db),
      openFindingCount(hub.db),
      // The charts' figures (src/reports): the last 30 days' orders, the sales rate of the last 14.
      ordersByDay(hub.db, dayWindow(30)),
      stockValue(hub.db),
      daysOfCover(hub.db, dayWindow(14)),
    ]);
    // What the workers have not got through yet, and what they gave up on (support retries it).
    const outbox = {
      pending: backlog.reduce((n, b) => n + b.pending, 0),
      dead: backlog.reduce((n, b) => n + b.dead, 0),
    };
    return renderPage(
      c,
      v.t('dash.title'),
      <Dashboard
        v={v}
        health={health}
        accounts={accounts}
        recent={recent}
        problems={problems}
        outbox={outbox}
        findings={findings}
        charts={{ orders, stock, cover }}
      />,
    );
  });
  return app;
}

async function stockHealth(hub: Hub): Promise<StockHealth> {
  const [row] = await rows<StockHealth>(
    hub.db,
    sql`
    with per_product as (
      select p.id, coalesce(sum(l.available), 0) as available
        from products p left join stock_levels l on l.product_id = p.id
       where p.archived_at is null
       group by p.id)
    select (select count(*)::int from per_product) as products,
           (select count(*)::int from per_product where available <= 0) as out_of_stock,
           (select count(*)::int from per_product where available > 0 and available <= ${LOW_STOCK}) as low,
           (select count(*)::int from warehouses where archived_at is null) as warehouses`,
  );
  return row;
}

async function accountStates(hub: Hub): Promise<AccountState[]> {
  return rows<AccountState>(
    hub.db,
    sql`
    select a.id, a.channel, a.name, a.status, a.status_reason,
           r.status as run_status, r.type as run_type, iso(r.started_at) as run_started_at, r.error as run_error
      from channel_accounts a
      left join lateral (select status, type, started_at, error from sync_runs s where s.account_id = a.id order by s.id desc limit 1) r on true
     order by a.channel, a.name`,
  );
}

async function recentChanges(hub: Hub): Promise<RecentChange[]> {
  return rows<RecentChange>(
    hub.db,
    sql`
    select o.entity_type, o.entity_id, o.action, o.actor, iso(o.at) as at,
           case o.entity_type
             when 'product' then (select p.sku || ' · ' || p.name from products p where p.id::text = o.entity_id)
             when 'channel_account' then (select a.channel || ' · ' || a.name from channel_accounts a where a.id::text = o.entity_id)
             when 'warehouse' then (select w.code || ' · ' || w.name from warehouses w where w.id::text = o.entity_id)
           end as label
      from operations o order by o.id desc limit 8`,
  );
}

/**
 * Only what is not resolved yet: error groups with a job or message that has not succeeded since
 * (src/engine/error-groups.ts), sync types whose latest run failed or was partial (a later good
 * run of the same type and account clears them), and accounts that need a new key.
 */
async function openProblems(hub: Hub): Promise<Problem[]> {
  const [errors, runs] = await Promise.all([
    openErrorCounts(hub.db),
    rows<Problem>(
      hub.db,
      sql`
      select r.status as kind, r.account_id, a.name as account, count(*)::int as count, iso(max(r.started_at)) as at,
             (array_agg(r.error order by r.id desc))[1] as message
        from (select distinct on (s.type, s.account_id) s.id, s.type, s.account_id, s.status, s.started_at, s.error
                from sync_runs s where s.status <> 'running' order by s.type, s.account_id, s.id desc) r
        left join channel_accounts a on a.id = r.account_id
       where r.status in ('failed', 'partial')
       group by r.status, r.account_id, a.name
      union all
      select 'account', a.id, a.name, 1, iso(a.updated_at), a.status_reason
        from channel_accounts a where a.status = 'needs_reauth'`,
    ),
  ]);
  const grouped = errors.map(
    (e): Problem => ({
      kind: 'errors',
      account_id: e.account_id,
      account: e.account,
      count: e.groups,
      at: e.last_seen,
      message: null,
    }),
  );
  return [...grouped, ...runs].sort((a, b) => b.at.localeCompare(a.at));
}

interface DashboardProps {
  v: View;
  health: StockHealth;
  accounts: AccountState[];
  recent: RecentChange[];
  problems: Problem[];
  outbox: { pending: number; dead: number };
  /** Open findings of the reconciler (src/reconcile). */
  findings: number;
  charts: { orders: OrdersReport; stock: StockValueReport; cover: CoverReport };
}

function Dashboard({ v, health, accounts, recent, problems, outbox, findings, charts }: DashboardProps) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('dash.title')}</h1>
      </div>
      <section class="stats" aria-label={t('dash.title')}>
        <Stat href="/products" value={formatNumber(v, health.products)} label={t('dash.products')} />
        <Stat
          href="/stock"
          tone={health.out_of_stock ? 'bad' : undefined}
          value={formatNumber(v, health.out_of_stock)}
          label={t('dash.outOfStock')}
        />
        <Stat
          href="/stock"
          tone={health.low ? 'warn' : undefined}
          value={formatNumber(v, health.low)}
          label={t('dash.lowStock', { n: LOW_STOCK })}
        />
        <Stat href="/stock" value={formatNumber(v, health.warehouses)} label={t('dash.warehouses')} />
        <Stat
          href="/sync/errors"
          name="outbox-pending"
          value={formatNumber(v, outbox.pending)}
          label={t('dash.outboxPending')}
        />
        <Stat
          href="/sync/errors"
          name="outbox-dead"
          tone={outbox.dead ? 'bad' : undefined}
          value={formatNumber(v, outbox.dead)}
          label={t('dash.outboxDead')}
        />
        <Stat
          href="/findings"
          name="findings-open"
          tone={findings ? 'warn' : undefined}
          value={formatNumber(v, findings)}
          label={t('findings.open')}
        />
      </section>
      <ReportCharts v={v} orders={charts.orders} stock={charts.stock} cover={charts.cover} />
      <div class="grid grid-2">
        <section class="card">
          <h2>{t('dash.syncStatus')}</h2>
          {accounts.length === 0 ? (
            <Empty
              action={
                <a class="button ghost small" href="/channels">
                  {t('channels.add')}
                </a>
              }
            >
              {t('dash.noAccounts')}
            </Empty>
          ) : (
            <Table
              label={t('dash.syncStatus')}
              class="cards"
              columns={[t('channels.name'), t('common.status'), t('dash.lastRun')]}
            >
              {accounts.map((a) => (
                <tr data-account={a.name} data-status={a.status}>
                  <td data-label={t('channels.name')}>
                    <a href={`/channels/${a.id}`}>{a.name}</a>
                    <br />
                    <small>{a.channel}</small>
                  </td>
                  <td data-label={t('common.status')}>
                    <AccountStatusCell v={v} account={a} />
                  </td>
                  <td data-label={t('dash.lastRun')}>
                    {a.run_status ? (
                      <>
                        <Badge tone={toneOf(a.run_status)}>{wordsOr(t, `status.${a.run_status}`, a.run_status)}</Badge>{' '}
                        <small>{formatDateTime(v, a.run_started_at)}</small>
                      </>
                    ) : (
                      <small>{t('common.none')}</small>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </section>
        <section class="card">
          <h2>{t('dash.errors')}</h2>
          {problems.length === 0 ? (
            <Empty>{t('dash.noErrors')}</Empty>
          ) : (
            <ul class="problems">
              {problems.map((p) => (
                <ProblemItem v={v} p={p} />
              ))}
            </ul>
          )}
        </section>
      </div>
      <section class="card" style="margin-top:1rem">
        <h2>{t('dash.recent')}</h2>
        {recent.length === 0 ? (
          <Empty>{t('dash.noRecent')}</Empty>
        ) : (
          <Table
            label={t('dash.recent')}
            class="cards"
            columns={[key(t('common.when')), t('common.who'), key(t('products.action')), key(t('common.details'))]}
          >
            {recent.map((r) => (
              <tr>
                <td data-label={t('common.when')}>
                  <small>{formatDateTime(v, r.at)}</small>
                </td>
                <td data-label={t('common.who')}>{r.actor}</td>
                <td data-label={t('products.action')}>{wordsOr(t, `action.${r.action}`, r.action)}</td>
                <td data-label={t('common.details')}>
                  <EntityLink v={v} r={r} />
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}

/** A problem in words and its count, linked to the list that shows just it. */
function ProblemItem({ v, p }: { v: View; p: Problem }) {
  const { t } = v;
  const account = p.account_id ? `account=${p.account_id}` : '';
  const href =
    p.kind === 'errors'
      ? `/sync/errors${account ? `?${account}` : ''}`
      : p.kind === 'account'
        ? `/channels/${p.account_id}`
        : `/sync?status=${p.kind}${account ? `&${account}` : ''}`;
  const what =
    p.kind === 'errors'
      ? t('dash.errorGroups', { n: p.count })
      : p.kind === 'failed'
        ? t('dash.failedRuns', { n: p.count })
        : p.kind === 'partial'
          ? t('dash.partialRun')
          : t('dash.needsKey');
  return (
    <li data-kind={p.kind} data-account={p.account_id ?? undefined} data-count={p.count}>
      <Badge tone={p.kind === 'partial' ? 'warn' : 'bad'}>{p.account ?? t('dash.otherErrors')}</Badge>{' '}
      <small>{formatDateTime(v, p.at)}</small>
      <div>
        <a href={href}>{what}</a>
        {p.message && p.kind !== 'errors' && (
          <>
            <br />
            <small>{localize(v.lang, channelWords(p.message))}</small>
          </>
        )}
      </div>
    </li>
  );
}

/** The channel's words of a run's error, without the request it answered ("GET http://… failed: "). */
const channelWords = (message: string) => message.replace(/^[A-Za-z]*Error: /, '').replace(/^[A-Z]+ \S+ failed: /, '');

const entityLinks: Partial<Record<string, (id: string) => string>> = {
  product: (id) => `/products/${id}`,
  channel_account: (id) => `/channels/${id}`,
};

function EntityLink({ v, r }: { v: View; r: RecentChange }) {
  const kind = wordsOr(v.t, `entity.${r.entity_type}`, r.entity_type);
  // Without a name, the thing's kind in words and its id as the code it is.
  const text = r.label ?? (
    <>
      {kind} <span class="mono">#{r.entity_id}</span>
    </>
  );
  const link = entityLinks[r.entity_type];
  // A deleted thing has no page to go to.
  return link && r.action !== 'delete' ? <a href={link(r.entity_id)}>{text}</a> : <>{text}</>;
}
