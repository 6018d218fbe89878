import { Hono } from 'hono';
import { listAccounts } from '../../channels/core/accounts.ts';
import { listApiCalls } from '../../channels/core/api-calls.ts';
import { listSyncRuns } from '../../engine/sync-runs.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { viewOf, type View } from '../context.ts';
import { errorRoutes } from './errors.tsx';
import { SyncTabs } from './sync-tabs.tsx';
import { wordsOr } from '../i18n.ts';
import { renderPage } from '../layout.tsx';
import {
  Badge,
  Empty,
  formatDateTime,
  formatDuration,
  intParam,
  jobLabel,
  key,
  num,
  offsetParam,
  Pager,
  Select,
  Table,
  toneOf,
} from '../ui.tsx';

const PAGE_SIZE = 50;
const CHART_RUNS = 60;

interface RunRow {
  id: number;
  type: string;
  account_id: number | null;
  status: string;
  started_at: string;
  duration_ms: number | null;
  fetched: number;
  created: number;
  updated: number;
  pushed: number;
  failed: number;
  error: string | null;
}

const syncStatuses = ['running', 'succeeded', 'failed', 'partial'] as const;

export function syncRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/sync', async (c) => {
    const v = viewOf(c);
    const q = c.req.query();
    const filter = {
      accountId: intParam(q.account),
      status: syncStatuses.includes(q.status as never) ? q.status : undefined,
      type: q.type?.trim() || undefined,
    };
    const offset = offsetParam(q.offset);
    const [history, chart, accounts] = await Promise.all([
      listSyncRuns(hub.db, { ...filter, limit: PAGE_SIZE, offset }),
      listSyncRuns(hub.db, { ...filter, limit: CHART_RUNS, offset: 0 }),
      listAccounts(hub.db),
    ]);
    const names = new Map(accounts.map((a) => [a.id, a.name]));
    // listSyncRuns returns plain rows; their columns are the sync_runs contract (RunRow).
    const runs = history.items as unknown as RunRow[];
    const chartRuns = (chart.items as unknown as RunRow[]).slice().reverse();
    return renderPage(
      c,
      v.t('sync.title'),
      <History
        v={v}
        runs={runs}
        total={history.total}
        chart={chartRuns}
        names={names}
        filter={filter}
        offset={offset}
        accounts={accounts.map((a) => ({ value: a.id, label: a.name }))}
      />,
    );
  });

  app.get('/sync/api-calls', async (c) => {
    const v = viewOf(c);
    const q = c.req.query();
    const accountId = intParam(q.account);
    const failedOnly = q.failed === '1';
    const offset = offsetParam(q.offset);
    const [calls, accounts] = await Promise.all([
      listApiCalls(hub.db, { accountId, status: failedOnly ? 'failed' : undefined, limit: PAGE_SIZE, offset }),
      listAccounts(hub.db),
    ]);
    const names = new Map(accounts.map((a) => [a.id, a.name]));
    return renderPage(
      c,
      v.t('sync.apiCalls'),
      <ApiCalls
        v={v}
        calls={calls}
        names={names}
        accountId={accountId}
        failedOnly={failedOnly}
        offset={offset}
        accounts={accounts.map((a) => ({ value: a.id, label: a.name }))}
      />,
    );
  });

  app.route('/', errorRoutes(hub));
  return app;
}

/** Each run a bar: its height the duration, its colour the outcome; newest on the right. */
function RunsChart({ v, runs }: { v: View; runs: RunRow[] }) {
  if (runs.length === 0) return <Empty>{v.t('sync.chartEmpty')}</Empty>;
  const width = 720;
  const height = 180;
  const pad = { left: 48, bottom: 22, top: 10 };
  const longest = Math.max(1, ...runs.map((r) => r.duration_ms ?? 0));
  const slot = (width - pad.left) / Math.max(runs.length, 20);
  const barWidth = Math.max(2, slot * 0.7);
  const plotHeight = height - pad.bottom - pad.top;
  const tone = (status: string) =>
    ({ succeeded: 'bar-ok', failed: 'bar-bad', partial: 'bar-warn' })[status] ?? 'bar-info';
  const ticks = [0, 0.5, 1].map((f) => ({
    y: pad.top + plotHeight * (1 - f),
    label: formatDuration(v, Math.round(longest * f)),
  }));
  return (
    <figure style="margin:0">
      <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={v.t('sync.chart')}>
        {ticks.map((tick) => (
          <>
            <line class="axis" x1={pad.left} x2={width} y1={tick.y} y2={tick.y} />
            <text x={pad.left - 6} y={tick.y + 4} text-anchor="end">
              {tick.label}
            </text>
          </>
        ))}
        {runs.map((r, i) => {
          const h = Math.max(2, ((r.duration_ms ?? 0) / longest) * plotHeight);
          return (
            <rect
              class={tone(r.status)}
              x={pad.left + i * slot + (slot - barWidth) / 2}
              y={pad.top + plotHeight - h}
              width={barWidth}
              height={h}
              rx="2"
            >
              <title>{`#${r.id} ${jobLabel(v, r.type)} · ${wordsOr(v.t, `status.${r.status}`, r.status)} · ${formatDuration(v, r.duration_ms)} · ${formatDateTime(v, r.started_at)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption class="legend">
        <span>
          <i style="background:#3f9a6b"></i>
          {v.t('status.succeeded')}
        </span>
        <span>
          <i style="background:#d39b2a"></i>
          {v.t('status.partial')}
        </span>
        <span>
          <i style="background:#d0493d"></i>
          {v.t('status.failed')}
        </span>
        <span>
          <i style="background:#4a7fd6"></i>
          {v.t('status.running')}
        </span>
      </figcaption>
    </figure>
  );
}

interface HistoryProps {
  v: View;
  runs: RunRow[];
  total: number;
  chart: RunRow[];
  names: Map<number, string>;
  filter: { accountId?: number; status?: string; type?: string };
  offset: number;
  accounts: { value: number; label: string }[];
}

function History({ v, runs, total, chart, names, filter, offset, accounts }: HistoryProps) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('sync.title')}</h1>
      </div>
      <SyncTabs v={v} current="history" />
      <form method="get" action="/sync" class="inline-form card">
        <Select
          name="account"
          label={t('sync.account')}
          value={filter.accountId}
          placeholder={t('common.all')}
          options={accounts}
        />
        <Select
          name="status"
          label={t('common.status')}
          value={filter.status}
          placeholder={t('common.all')}
          options={syncStatuses.map((s) => ({ value: s, label: t(`status.${s}`) }))}
        />
        <div class="actions">
          <button type="submit">{t('stock.filter')}</button>
          <a class="button ghost" href="/sync">
            {t('common.reset')}
          </a>
        </div>
      </form>
      <section class="card">
        <h2>{t('sync.chart')}</h2>
        <RunsChart v={v} runs={chart} />
      </section>
      <section class="card">
        <h2>{t('sync.history')}</h2>
        {runs.length === 0 ? (
          <Empty>{t('sync.noRuns')}</Empty>
        ) : (
          <>
            <Table
              label={t('sync.history')}
              id="runs"
              columns={[
                key(t('sync.started')),
                key(t('sync.type')),
                key(t('sync.account')),
                key(t('common.status')),
                key(num(t('sync.duration'))),
                { text: t('sync.countsShort'), num: true, title: t('sync.counts') },
              ]}
            >
              {runs.map((r) => (
                <tr data-status={r.status} data-type={r.type}>
                  <td>
                    <small>{formatDateTime(v, r.started_at)}</small>
                  </td>
                  <td title={r.type}>{jobLabel(v, r.type)}</td>
                  <td>
                    {r.account_id ? (
                      <a href={`/channels/${r.account_id}`}>{names.get(r.account_id) ?? `#${r.account_id}`}</a>
                    ) : (
                      t('common.none')
                    )}
                  </td>
                  <td>
                    <Badge tone={toneOf(r.status)}>{wordsOr(t, `status.${r.status}`, r.status)}</Badge>
                    {r.error && (
                      <div>
                        <small class="error">{r.error}</small>
                      </div>
                    )}
                  </td>
                  <td class="num">{formatDuration(v, r.duration_ms)}</td>
                  <td class="num mono" title={t('sync.counts')}>
                    {r.fetched} / {r.created} / {r.updated} / {r.pushed} / {r.failed}
                  </td>
                </tr>
              ))}
            </Table>
            <Pager
              v={v}
              total={total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{
                account: filter.accountId ? String(filter.accountId) : undefined,
                status: filter.status,
                type: filter.type,
              }}
              base="/sync"
            />
          </>
        )}
      </section>
    </>
  );
}

interface ApiCallsProps {
  v: View;
  calls: Awaited<ReturnType<typeof listApiCalls>>;
  names: Map<number, string>;
  accountId?: number;
  failedOnly: boolean;
  offset: number;
  accounts: { value: number; label: string }[];
}

function ApiCalls({ v, calls, names, accountId, failedOnly, offset, accounts }: ApiCallsProps) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('sync.title')}</h1>
      </div>
      <SyncTabs v={v} current="calls" />
      <form method="get" action="/sync/api-calls" class="inline-form card">
        <Select
          name="account"
          label={t('sync.account')}
          value={accountId}
          placeholder={t('common.all')}
          options={accounts}
        />
        <div class="field check">
          <label>
            <input type="checkbox" name="failed" value="1" checked={failedOnly} style="width:auto;min-height:0" />{' '}
            {t('sync.failedOnly')}
          </label>
        </div>
        <div class="actions">
          <button type="submit">{t('stock.filter')}</button>
        </div>
      </form>
      <section class="card">
        {calls.items.length === 0 ? (
          <Empty>{t('sync.noCalls')}</Empty>
        ) : (
          <>
            <Table
              label={t('sync.apiCalls')}
              id="api-calls"
              columns={[
                key(t('common.when')),
                key(t('sync.account')),
                t('sync.method'),
                t('sync.url'),
                key(t('common.status')),
                key(num(t('sync.duration'))),
              ]}
            >
              {calls.items.map((call) => {
                const bad = call.error !== null || call.status === null || call.status >= 400;
                return (
                  <tr class={bad ? 'row-bad' : undefined}>
                    <td>
                      <small>{formatDateTime(v, call.at)}</small>
                    </td>
                    <td>
                      {call.account_id ? (names.get(call.account_id) ?? `#${call.account_id}`) : t('common.none')}
                    </td>
                    <td class="mono">{call.method}</td>
                    <td class="mono" style="overflow-wrap:anywhere">
                      {call.url}
                    </td>
                    <td>
                      <Badge tone={bad ? 'bad' : 'ok'}>{call.status ?? '—'}</Badge>
                      {call.error && (
                        <div>
                          <small class="error">{call.error}</small>
                        </div>
                      )}
                    </td>
                    <td class="num">{formatDuration(v, call.duration_ms)}</td>
                  </tr>
                );
              })}
            </Table>
            <Pager
              v={v}
              total={calls.total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{ account: accountId ? String(accountId) : undefined, failed: failedOnly ? '1' : undefined }}
              base="/sync/api-calls"
            />
          </>
        )}
      </section>
    </>
  );
}
