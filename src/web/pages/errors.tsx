import { Hono } from 'hono';
import { listAccounts } from '../../channels/core/accounts.ts';
import {
  errorGroupStates,
  getErrorGroup,
  listErrorGroups,
  retryErrorGroup,
  type ErrorAttempt,
  type ErrorGroup,
  type ErrorGroupState,
} from '../../engine/error-groups.ts';
import { retryJob } from '../../engine/jobs.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View } from '../context.ts';
import { wordsOr } from '../i18n.ts';
import { renderFragment, renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import {
  Badge,
  channelName,
  Empty,
  formatDateTime,
  intParam,
  jobLabel,
  key,
  Notice,
  num,
  offsetParam,
  Pager,
  Select,
  Table,
  toneOf,
} from '../ui.tsx';
import { SyncTabs } from './sync-tabs.tsx';

/**
 * Errors a seller can act on (Sync → Errors): failed attempts grouped per problem (job type,
 * account, SKU, HTTP status, the channel's message), open ones first, each with one button
 * to retry the group; a group's page lists every attempt. The grouping is src/engine/error-groups.ts.
 */

const PAGE_SIZE = 50;
const groupKey = /^[0-9a-f]{32}$/;

export function errorRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/sync/errors', async (c) => {
    const v = viewOf(c);
    const q = c.req.query();
    const state: ErrorGroupState = errorGroupStates.includes(q.state as never) ? (q.state as ErrorGroupState) : 'open';
    const accountId = intParam(q.account);
    const offset = offsetParam(q.offset);
    const [groups, accounts] = await Promise.all([
      listErrorGroups(hub.db, { state, accountId, limit: PAGE_SIZE, offset }),
      listAccounts(hub.db),
    ]);
    return renderPage(
      c,
      v.t('sync.outboxErrors'),
      <Groups
        v={v}
        groups={groups.items}
        total={groups.total}
        state={state}
        accountId={accountId}
        offset={offset}
        accounts={accounts.map((a) => ({ value: a.id, label: a.name }))}
      />,
    );
  });

  app.get('/sync/errors/groups/:key', async (c) => {
    const v = viewOf(c);
    const key = c.req.param('key');
    if (!groupKey.test(key)) throw new DomainError('NOT_FOUND', 'No such error group', 404);
    const { group, attempts } = await getErrorGroup(hub.db, key);
    return renderPage(
      c,
      `${v.t('errors.group')}: ${jobLabel(v, group.job_type)}`,
      <GroupPage v={v} group={group} attempts={attempts} />,
    );
  });

  // htmx posts here from a group's row and swaps its action cell with the answer.
  app.post('/sync/errors/groups/:key/retry', async (c) => {
    const v = viewOf(c);
    const key = c.req.param('key');
    if (!groupKey.test(key)) throw new DomainError('NOT_FOUND', 'No such error group', 404);
    const retried = await retryErrorGroup(hub.db, key);
    if (!c.req.header('hx-request')) return c.redirect(`/sync/errors/groups/${key}`, 303);
    const n = retried.jobs.length + retried.outbox.length;
    return renderFragment(
      c,
      n ? (
        <Badge tone="info">{v.t('errors.retriedN', { n })}</Badge>
      ) : (
        <span class="error">{v.t('errors.nothingToRetry')}</span>
      ),
    );
  });

  // One attempt's job, from the group's detail.
  app.post('/sync/errors/jobs/:jobId/retry', async (c) => {
    const v = viewOf(c);
    const jobId = intParam(c.req.param('jobId'));
    if (!jobId) throw new DomainError('NOT_FOUND', 'No such job', 404);
    try {
      await retryJob(hub.db, jobId);
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      return renderFragment(c, <span class="error">{localize(v.lang, error)}</span>);
    }
    if (!c.req.header('hx-request')) return c.redirect('/sync/errors', 303);
    return renderFragment(c, <Badge tone="info">{v.t('sync.retried')}</Badge>);
  });
  return app;
}

/** Where the problem is: the account (with its channel), or the job type alone. */
function Where({ v, g }: { v: View; g: ErrorGroup }) {
  if (!g.account_id) return <>{v.t('common.none')}</>;
  return (
    <>
      <a href={`/channels/${g.account_id}`}>{g.account ?? `#${g.account_id}`}</a>
      {g.channel && (
        <>
          <br />
          <small>{channelName(g.channel)}</small>
        </>
      )}
    </>
  );
}

function Problem({ g }: { g: Pick<ErrorGroup, 'http_status' | 'message'> }) {
  return (
    <>
      {g.http_status && <Badge tone="bad">HTTP {g.http_status}</Badge>} {g.message}
    </>
  );
}

interface GroupsProps {
  v: View;
  groups: ErrorGroup[];
  total: number;
  state: ErrorGroupState;
  accountId?: number;
  offset: number;
  accounts: { value: number; label: string }[];
}

function Groups({ v, groups, total, state, accountId, offset, accounts }: GroupsProps) {
  const { t } = v;
  return (
    <>
      <div class="page-head">
        <h1>{t('sync.title')}</h1>
      </div>
      <SyncTabs v={v} current="errors" />
      <form method="get" action="/sync/errors" class="inline-form card">
        <Select
          name="state"
          label={t('errors.state')}
          value={state}
          options={errorGroupStates.map((s) => ({ value: s, label: t(`errors.state.${s}`) }))}
        />
        <Select
          name="account"
          label={t('sync.account')}
          value={accountId}
          placeholder={t('common.all')}
          options={accounts}
        />
        <div class="actions">
          <button type="submit">{t('stock.filter')}</button>
          <a class="button ghost" href="/sync/errors">
            {t('common.reset')}
          </a>
        </div>
      </form>
      <section class="card">
        {groups.length === 0 ? (
          <Empty>{state === 'open' ? t('errors.noneOpen') : t('sync.noOutboxErrors')}</Empty>
        ) : (
          <>
            <Table
              label={t('sync.outboxErrors')}
              id="error-groups"
              class="cards"
              columns={[
                key(t('errors.lastSeen')),
                key(t('sync.account')),
                t('sync.type'),
                key('SKU'),
                key(t('errors.problem')),
                key(num(t('sync.attempts'))),
                t('errors.firstSeen'),
                key(''),
              ]}
            >
              {groups.map((g) => (
                <tr data-group={g.key} data-open={g.open ? '1' : '0'} data-account={g.account_id ?? undefined}>
                  <td data-label={t('errors.lastSeen')}>
                    <small>{formatDateTime(v, g.last_seen)}</small>
                  </td>
                  <td data-label={t('sync.account')}>
                    <Where v={v} g={g} />
                  </td>
                  <td data-label={t('sync.type')} title={g.job_type}>
                    {jobLabel(v, g.job_type)}
                  </td>
                  <td data-label="SKU" class="mono">
                    {g.sku ?? '—'}
                  </td>
                  <td data-label={t('errors.problem')}>
                    <Problem g={g} />
                  </td>
                  <td data-label={t('sync.attempts')} class="num">
                    {g.attempts}
                  </td>
                  <td data-label={t('errors.firstSeen')}>
                    <small>{formatDateTime(v, g.first_seen)}</small>
                  </td>
                  <td>
                    <a href={`/sync/errors/groups/${g.key}`}>{t('errors.details')}</a>{' '}
                    {g.open ? (
                      v.canWrite &&
                      g.retryable > 0 && (
                        <form
                          method="post"
                          action={`/sync/errors/groups/${g.key}/retry`}
                          hx-post={`/sync/errors/groups/${g.key}/retry`}
                          hx-swap="outerHTML"
                          style="display:inline"
                        >
                          <button type="submit" class="small ghost">
                            ↻ {t('errors.retryGroup')}
                          </button>
                        </form>
                      )
                    ) : (
                      <Badge tone="ok">{t('errors.resolved')}</Badge>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
            <Pager
              v={v}
              total={total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{ state, account: accountId ? String(accountId) : undefined }}
              base="/sync/errors"
            />
          </>
        )}
      </section>
      {groups.length > 0 && !v.canWrite && <Notice kind="info">{t('common.readonlyNote')}</Notice>}
    </>
  );
}

function GroupPage({ v, group: g, attempts }: { v: View; group: ErrorGroup; attempts: ErrorAttempt[] }) {
  const { t } = v;
  const retryable = new Set(['dead', 'failed', 'cancelled']);
  return (
    <>
      <div class="page-head">
        <h1>
          {t('errors.group')}: {jobLabel(v, g.job_type)}
        </h1>
      </div>
      <SyncTabs v={v} current="errors" />
      <section class="card" data-group={g.key} data-open={g.open ? '1' : '0'}>
        <dl class="facts">
          <dt>{t('sync.account')}</dt>
          <dd>
            <Where v={v} g={g} />
          </dd>
          <dt>SKU</dt>
          <dd class="mono">{g.sku ?? '—'}</dd>
          <dt>{t('errors.problem')}</dt>
          <dd>
            <Problem g={g} />
          </dd>
          <dt>{t('sync.attempts')}</dt>
          <dd>
            {g.attempts} · {t('errors.openOf', { open: g.open_subjects, all: g.subjects })}
          </dd>
          <dt>{t('errors.firstSeen')}</dt>
          <dd>{formatDateTime(v, g.first_seen)}</dd>
          <dt>{t('errors.lastSeen')}</dt>
          <dd>{formatDateTime(v, g.last_seen)}</dd>
        </dl>
        {g.open && v.canWrite && g.retryable > 0 && (
          <form method="post" action={`/sync/errors/groups/${g.key}/retry`}>
            <button type="submit">↻ {t('errors.retryGroup')}</button>
          </form>
        )}
        {!g.open && <Badge tone="ok">{t('errors.resolved')}</Badge>}
      </section>
      <section class="card">
        <h2>{t('errors.attempts')}</h2>
        <Table
          label={t('errors.attempts')}
          id="outbox-errors"
          class="cards"
          columns={[t('common.when'), num(t('errors.attempt')), t('sync.error'), t('common.status'), '']}
        >
          {attempts.map((e) => (
            <tr data-job={e.job_id ?? undefined} data-outbox={e.outbox_id ?? undefined}>
              <td data-label={t('common.when')}>
                <small>{formatDateTime(v, e.at)}</small>
              </td>
              <td data-label={t('errors.attempt')} class="num">
                {e.attempt}
              </td>
              <td data-label={t('sync.error')}>
                {e.http_status && <Badge tone="bad">HTTP {e.http_status}</Badge>} {e.error}
              </td>
              <td data-label={t('common.status')}>
                {e.job_status ? (
                  <Badge tone={toneOf(e.job_status)}>{wordsOr(t, `status.${e.job_status}`, e.job_status)}</Badge>
                ) : (
                  t('common.none')
                )}
              </td>
              <td>
                {v.canWrite && e.job_id && e.job_status && retryable.has(e.job_status) && (
                  <form
                    method="post"
                    action={`/sync/errors/jobs/${e.job_id}/retry`}
                    hx-post={`/sync/errors/jobs/${e.job_id}/retry`}
                    hx-swap="outerHTML"
                  >
                    <button type="submit" class="small ghost">
                      ↻ {t('sync.retry')}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </section>
    </>
  );
}
