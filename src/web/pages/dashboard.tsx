import { Hono } from 'hono';
import { openFindingCount } from '../../reconcile/findings.ts';
import { sql } from 'drizzle-orm';
import { rows } from '../../db/database.ts';
import { outboxBacklog } from '../../engine/outbox-retention.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { viewOf, type View } from '../context.ts';
import { wordsOr } from '../i18n.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import { AccountStatusCell } from './channels.tsx';
import { Badge, Empty, formatDateTime, formatNumber, jobLabel, Stat, Table, toneOf } from '../ui.tsx';

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

interface Problem {
  at: string;
  /** What went wrong: a sync run, an account that needs a new key, or a job that could not send. */
  kind: 'run' | 'account' | 'job';
  /** The run's or the job's type (`channels.sync`), or the account's channel. */
  type: string;
  account_id: number | null;
  account: string | null;
  status: string;
  message: string | null;
}

export function dashboardRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const v = viewOf(c);
    const [health, accounts, recent, problems, backlog, findings] = await Promise.all([
      stockHealth(hub),
      accountStates(hub),
      recentChanges(hub),
      recentProblems(hub),
      outboxBacklog(hub.db),
      openFindingCount(hub.db),
    ]);
    // What the workers have not got through yet, and what they gave up on (support retries it).
    const outbox = { pending: backlog.reduce((n, b) => n + b.pending, 0), dead: backlog.reduce((n, b) => n + b.dead, 0) };
    return renderPage(c, v.t('dash.title'), <Dashboard v={v} health={health} accounts={accounts} recent={recent} problems={problems} outbox={outbox} findings={findings} />);
  });
  return app;
}

async function stockHealth(hub: Hub): Promise<StockHealth> {
  const [row] = await rows<StockHealth>(hub.db, sql`
    with per_product as (
      select p.id, coalesce(sum(l.available), 0) as available
        from products p left join stock_levels l on l.product_id = p.id
       where p.archived_at is null
       group by p.id)
    select (select count(*)::int from per_product) as products,
           (select count(*)::int from per_product where available <= 0) as out_of_stock,
           (select count(*)::int from per_product where available > 0 and available <= ${LOW_STOCK}) as low,
           (select count(*)::int from warehouses where archived_at is null) as warehouses`);
  return row;
}

async function accountStates(hub: Hub): Promise<AccountState[]> {
  return rows<AccountState>(hub.db, sql`
    select a.id, a.channel, a.name, a.status, a.status_reason,
           r.status as run_status, r.type as run_type, iso(r.started_at) as run_started_at, r.error as run_error
      from channel_accounts a
      left join lateral (select status, type, started_at, error from sync_runs s where s.account_id = a.id order by s.id desc limit 1) r on true
     order by a.channel, a.name`);
}

async function recentChanges(hub: Hub): Promise<RecentChange[]> {
  return rows<RecentChange>(hub.db, sql`
    select o.entity_type, o.entity_id, o.action, o.actor, iso(o.at) as at,
           case o.entity_type
             when 'product' then (select p.sku || ' · ' || p.name from products p where p.id::text = o.entity_id)
             when 'channel_account' then (select a.channel || ' · ' || a.name from channel_accounts a where a.id::text = o.entity_id)
             when 'warehouse' then (select w.code || ' · ' || w.name from warehouses w where w.id::text = o.entity_id)
           end as label
      from operations o order by o.id desc limit 8`);
}

/** Failed sync runs, accounts that need a new key and outbox errors, newest first. */
async function recentProblems(hub: Hub): Promise<Problem[]> {
  return rows<Problem>(hub.db, sql`
    select * from (
      select iso(s.started_at) as at, 'run' as kind, s.type, s.account_id, a.name as account, s.status, s.error as message
        from sync_runs s left join channel_accounts a on a.id = s.account_id
       where s.status in ('failed', 'partial')
      union all
      select iso(a.updated_at), 'account', a.channel, a.id, a.name, a.status, a.status_reason
        from channel_accounts a where a.status = 'needs_reauth'
      union all
      select iso(e.at), 'job', e.job_type, null, null, j.status, e.error
        from outbox_errors e join jobs j on j.id = e.job_id
       where j.status in ('dead', 'failed') and e.id = (select max(id) from outbox_errors x where x.job_id = e.job_id)
    ) p order by at desc limit 8`);
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
}

function Dashboard({ v, health, accounts, recent, problems, outbox, findings }: DashboardProps) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('dash.title')}</h1>
      </div>
      <section class="stats" aria-label={t('dash.title')}>
        <Stat href="/products" value={formatNumber(v, health.products)} label={t('dash.products')} />
        <Stat href="/stock" tone={health.out_of_stock ? 'bad' : undefined} value={formatNumber(v, health.out_of_stock)} label={t('dash.outOfStock')} />
        <Stat href="/stock" tone={health.low ? 'warn' : undefined} value={formatNumber(v, health.low)} label={t('dash.lowStock', { n: LOW_STOCK })} />
        <Stat href="/stock" value={formatNumber(v, health.warehouses)} label={t('dash.warehouses')} />
        <Stat href="/sync/errors" name="outbox-pending" value={formatNumber(v, outbox.pending)} label={t('dash.outboxPending')} />
        <Stat href="/sync/errors" name="outbox-dead" tone={outbox.dead ? 'bad' : undefined} value={formatNumber(v, outbox.dead)} label={t('dash.outboxDead')} />
        <Stat href="/findings" name="findings-open" tone={findings ? 'warn' : undefined} value={formatNumber(v, findings)} label={t('findings.open')} />
      </section>
      <div class="grid grid-2">
        <section class="card">
          <h2>{t('dash.syncStatus')}</h2>
          {accounts.length === 0 ? (
            <Empty action={<a class="button ghost small" href="/channels">{t('channels.add')}</a>}>{t('dash.noAccounts')}</Empty>
          ) : (
            <Table label={t('dash.syncStatus')} class="cards" columns={[t('channels.name'), t('common.status'), t('dash.lastRun')]}>
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
          <Table label={t('dash.recent')} class="cards"
            columns={[t('common.when'), t('common.who'), t('products.action'), t('common.details')]}>
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

/** A problem in words, with a link to the page where it can be dealt with. */
function ProblemItem({ v, p }: { v: View; p: Problem }) {
  const { t } = v;
  const what = p.kind === 'account' ? t('dash.needsKey') : jobLabel(v, p.type);
  const href = p.kind === 'job' ? '/sync/errors' : p.kind === 'account' ? `/channels/${p.account_id}` : `/sync?status=${p.status}${p.account_id ? `&account=${p.account_id}` : ''}`;
  const fallback = p.kind === 'run' && p.status === 'partial' ? t('dash.partialRun') : wordsOr(t, `status.${p.status}`, p.status);
  return (
    <li data-kind={p.kind}>
      <Badge tone={p.status === 'partial' ? 'warn' : 'bad'}>{what}</Badge>
      {p.account && <b> {p.account}</b>} <small>{formatDateTime(v, p.at)}</small>
      <div>
        {p.message ? localize(v.lang, p.message) : fallback} <a href={href}>{t('dash.open')} →</a>
      </div>
    </li>
  );
}

const entityLinks: Partial<Record<string, (id: string) => string>> = {
  product: (id) => `/products/${id}`,
  channel_account: (id) => `/channels/${id}`,
};

function EntityLink({ v, r }: { v: View; r: RecentChange }) {
  const kind = wordsOr(v.t, `entity.${r.entity_type}`, r.entity_type);
  const text = r.label ?? `${kind} #${r.entity_id}`;
  const link = entityLinks[r.entity_type];
  // A deleted thing has no page to go to.
  return link && r.action !== 'delete' ? <a href={link(r.entity_id)}>{text}</a> : <>{text}</>;
}
