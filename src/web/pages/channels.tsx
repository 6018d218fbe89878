import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { roleAtLeast } from '../../access/api-keys.ts';
import { createAccount, deleteAccount, getAccount, listAccounts, markValidated, requireMasterKey, updateAccount, type AccountView } from '../../channels/core/accounts.ts';
import { ChannelHttpError, CredentialsRejected } from '../../channels/core/connector.ts';
import { accountRuntime, markNeedsReauth, setSchedulesEnabled } from '../../channels/core/context.ts';
import { enqueueAccountJob } from '../../channels/core/jobs.ts';
import { countByState, listListings, matchStates, type MatchState } from '../../channels/core/listings.ts';
import { connectors } from '../../channels/registry.ts';
import { rows } from '../../db/database.ts';
import { listScheduleTargets, type ScheduleTarget } from '../../engine/schedules.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { errorPage, renderFragment, renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import { Badge, Empty, Field, formatDateTime, intParam, Notice, num, offsetParam, Pager, Select, Table, toneOf, type FieldErrors } from '../ui.tsx';
import { wordsOr } from '../i18n.ts';

const PAGE_SIZE = 50;

interface LastRun {
  account_id: number;
  status: string;
  started_at: string;
  duration_ms: number | null;
  error: string | null;
}

interface AccountForm {
  channel: string;
  name: string;
  base_url: string;
  api_key: string;
}

export function channelRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/channels', async (c) => {
    const v = viewOf(c);
    const accounts = await listAccounts(hub.db);
    const runs = await lastRuns(hub);
    return renderPage(c, v.t('channels.title'), <Accounts v={v} accounts={accounts} runs={runs} added={c.req.query('added') === '1'} />);
  });

  app.get('/channels/new', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    return renderPage(c, v.t('channels.add'), <NewAccount v={v} form={{ channel: 'generic', name: '', base_url: '', api_key: '' }} errors={{}} />);
  });

  // Adding an account checks its key with the service first: a key the service refuses is not kept.
  app.post('/channels/new', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    const body = await c.req.parseBody();
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const form: AccountForm = { channel: text('channel'), name: text('name'), base_url: text('base_url'), api_key: text('api_key') };
    const again = (errors: FieldErrors) => renderPage(c, v.t('channels.add'), <NewAccount v={v} form={{ ...form, api_key: '' }} errors={errors} />);
    if (!form.name) return again({ name: v.t('common.required') });
    if (!form.api_key) return again({ api_key: v.t('common.required') });
    const connector = connectors.find((k) => k.channel === form.channel);
    if (!connector) return again({ channel: v.t('common.required') });

    let account: AccountView;
    try {
      account = await hub.db.transaction((tx) =>
        createAccount(tx, requireMasterKey(hub.masterKey), { channel: form.channel, name: form.name, baseUrl: form.base_url || null, credentials: { apiKey: form.api_key } }, c.get('actor').name),
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = error.code === 'ACCOUNT_NAME_TAKEN' ? 'name' : error.code === 'VALIDATION_FAILED' ? 'api_key' : 'form';
      return again({ [field]: localize(v.lang, error.message) });
    }
    const problem = await checkKey(hub, account.id);
    if (problem) {
      await hub.db.transaction((tx) => deleteAccount(tx, account.id, c.get('actor').name));
      return again({ api_key: localize(v.lang, problem.message) });
    }
    return c.redirect(`/channels/${account.id}?added=1`, 303);
  });

  const showAccount = async (c: WebContext, id: number, errors: FieldErrors = {}) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, id);
    const state = matchStates.includes(c.req.query('state') as MatchState) ? (c.req.query('state') as MatchState) : undefined;
    const offset = offsetParam(c.req.query('offset'));
    const [counts, listings, runs, schedules] = await Promise.all([
      countByState(hub.db, id),
      listListings(hub.db, id, { state, limit: PAGE_SIZE, offset }),
      lastRuns(hub),
      listScheduleTargets(hub.db),
    ]);
    const flash = c.req.query('added') === '1' ? v.t('channels.added') : c.req.query('key') === '1' ? v.t('channels.keySaved') : undefined;
    return renderPage(
      c,
      account.name,
      <AccountPage v={v} account={account} counts={counts} listings={listings} state={state} offset={offset} lastRun={runs.get(id)}
        schedules={schedules.filter((s) => s.accountId === id)} flash={flash} errors={errors} />,
    );
  };

  app.get('/channels/:id', (c) => showAccount(c, accountId(c)));

  // A new key for an account whose key the service refused: checked with the service, then kept.
  app.post('/channels/:id/key', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    const id = accountId(c);
    const before = await getAccount(hub.db, id);
    const body = await c.req.parseBody();
    const apiKey = typeof body.api_key === 'string' ? body.api_key.trim() : '';
    if (!apiKey) return showAccount(c, id, { api_key: v.t('common.required') });
    const actor = c.get('actor').name;
    try {
      await hub.db.transaction((tx) => updateAccount(tx, requireMasterKey(hub.masterKey), id, { credentials: { apiKey } }, actor));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return showAccount(c, id, { api_key: localize(v.lang, error.message) });
    }
    const problem = await checkKey(hub, id);
    // A disabled account stays disabled whatever the verdict; the others follow it, as the API's validate does.
    if (problem?.refused && before.status !== 'disabled') await markNeedsReauth(hub, id, problem.message, actor);
    // New keys made it active (updateAccount), so its schedules run again, as after the API's PATCH.
    else if (before.status === 'needs_reauth') await setSchedulesEnabled(hub, id, true);
    if (problem) return showAccount(c, id, { api_key: localize(v.lang, problem.message) });
    return c.redirect(`/channels/${id}?key=1`, 303);
  });

  // htmx posts here and swaps in a progress box that follows the job's events.
  app.post('/channels/:id/sync', async (c) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, accountId(c));
    if (account.status !== 'active') {
      return renderFragment(c, <Notice kind="error">{account.status_reason ?? v.t(`channels.status.${account.status}`)}</Notice>);
    }
    const jobId = await enqueueAccountJob(hub, account.id, 'sync');
    if (!c.req.header('hx-request')) return c.redirect(`/channels/${account.id}`, 303);
    return renderFragment(c, <SyncProgress v={v} jobId={jobId} />);
  });
  return app;
}

const isAdmin = (c: WebContext) => roleAtLeast(c.get('actor').role, 'admin');

const accountId = (c: WebContext) => {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', `Account ${c.req.param('id')} does not exist`, 404);
  return id;
};

/** The service's verdict on the key: null when it works, else why not (`refused` when it is the key's fault). */
async function checkKey(hub: Hub, id: number): Promise<{ message: string; refused: boolean } | null> {
  try {
    const rt = await accountRuntime(hub, id, { allowInactive: true, timeoutMs: 15_000 });
    const verdict = await rt.connector.validate(rt.ctx);
    if (!verdict.ok) return { message: verdict.reason, refused: true };
    await markValidated(hub.db, id);
    return null;
  } catch (error) {
    if (error instanceof CredentialsRejected) return { message: error.message, refused: true };
    if (error instanceof ChannelHttpError) return { message: `The service did not answer the check: ${error.message}`, refused: false };
    throw error;
  }
}

/** An account's status: its badge and, when the service refused its key, why and what to do. */
export function AccountStatusCell({ v, account }: { v: View; account: { id: number; status: string; status_reason: string | null } }) {
  const admin = v.actor ? roleAtLeast(v.actor.role, 'admin') : false;
  return (
    <>
      <Badge tone={toneOf(account.status)}>{wordsOr(v.t, `channels.status.${account.status}`, account.status)}</Badge>
      {account.status_reason && <div><small data-reason>{localize(v.lang, account.status_reason)}</small></div>}
      {account.status === 'needs_reauth' && (
        <div>
          {admin ? <a href={`/channels/${account.id}#new-key`}>{v.t('channels.reauthAction')} →</a> : <small>{v.t('channels.reauthAskAdmin')}</small>}
        </div>
      )}
    </>
  );
}

async function lastRuns(hub: Hub): Promise<Map<number, LastRun>> {
  const found = await rows<LastRun>(hub.db, sql`
    select distinct on (account_id) account_id, status, iso(started_at) as started_at, duration_ms, error
      from sync_runs where account_id is not null order by account_id, started_at desc, id desc`);
  return new Map(found.map((r) => [r.account_id, r]));
}

function SyncButton({ v, account }: { v: View; account: AccountView }) {
  if (!v.canWrite || account.status !== 'active') return null;
  return (
    <form method="post" action={`/channels/${account.id}/sync`} hx-post={`/channels/${account.id}/sync`} hx-target={`#sync-${account.id}`} hx-swap="innerHTML" class="sync-form">
      <button type="submit" class="small">
        ⟳ {v.t('channels.sync')}
      </button>
    </form>
  );
}

export function SyncProgress({ v, jobId }: { v: View; jobId: number }) {
  return (
    <div class="progress" role="status" aria-live="polite" data-state="queued" data-job-events={`/api/v1/jobs/${jobId}/events`}
      data-label-queued={v.t('status.queued')} data-label-running={v.t('channels.syncing')} data-label-succeeded={v.t('channels.syncDone')}
      data-label-failed={v.t('channels.syncRetrying')} data-label-dead={v.t('channels.syncFailed')} data-label-cancelled={v.t('channels.syncFailed')}>
      <div class="progress-bar">
        <span></span>
      </div>
      <span class="progress-text">{v.t('status.queued')}</span>
    </div>
  );
}

function LastRunCell({ v, run }: { v: View; run?: LastRun }) {
  if (!run) return <small>{v.t('common.none')}</small>;
  return (
    <>
      <Badge tone={toneOf(run.status)}>{wordsOr(v.t, `status.${run.status}`, run.status)}</Badge> <small>{formatDateTime(v, run.started_at)}</small>
    </>
  );
}

function Accounts({ v, accounts, runs, added }: { v: View; accounts: AccountView[]; runs: Map<number, LastRun>; added: boolean }) {
  const { t } = v;
  const admin = v.actor ? roleAtLeast(v.actor.role, 'admin') : false;
  return (
    <>
      <div class="page-head">
        <h1>{t('channels.title')}</h1>
        {admin && <a class="button" href="/channels/new">+ {t('channels.add')}</a>}
      </div>
      {added && <Notice kind="success">{t('channels.added')}</Notice>}
      <section class="card">
        {accounts.length === 0 ? (
          <Empty action={admin ? <a class="button ghost small" href="/channels/new">+ {t('channels.add')}</a> : undefined}>{t('channels.noAccounts')}</Empty>
        ) : (
          <Table label={t('channels.accounts')} id="accounts"
            columns={[t('channels.name'), t('channels.channel'), t('common.status'), t('channels.lastSync'), '']}>
            {accounts.map((a) => (
              <tr data-account={a.name} data-status={a.status} class={a.status === 'needs_reauth' ? 'row-warn' : undefined}>
                <td>
                  <a href={`/channels/${a.id}`}>{a.name}</a>
                </td>
                <td>{a.channel}</td>
                <td>
                  <AccountStatusCell v={v} account={a} />
                </td>
                <td>
                  <LastRunCell v={v} run={runs.get(a.id)} />
                </td>
                <td>
                  <SyncButton v={v} account={a} />
                  <div id={`sync-${a.id}`}></div>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}

interface AccountPageProps {
  v: View;
  account: AccountView;
  counts: Record<MatchState, number>;
  listings: Awaited<ReturnType<typeof listListings>>;
  state?: MatchState;
  offset: number;
  lastRun?: LastRun;
  schedules: ScheduleTarget[];
  /** What the last action did (account added, key accepted). */
  flash?: string;
  errors: FieldErrors;
}

function AccountPage({ v, account, counts, listings, state, offset, lastRun, schedules, flash, errors }: AccountPageProps) {
  const { t } = v;
  const total = counts.matched + counts.unmatched + counts.ambiguous;
  const tab = (s: MatchState | undefined, label: string, n: number) => (
    <a href={`/channels/${account.id}${s ? `?state=${s}` : ''}`} aria-current={state === s ? 'page' : undefined}>
      {label} <Badge tone={s === 'ambiguous' && n ? 'bad' : s === 'unmatched' && n ? 'warn' : 'muted'}>{n}</Badge>
    </a>
  );
  return (
    <>
      <p class="crumbs">
        <a href="/channels">← {t('channels.title')}</a>
      </p>
      <div class="page-head">
        <h1>{account.name}</h1>
        <SyncButton v={v} account={account} />
      </div>
      {flash && <Notice kind="success">{flash}</Notice>}
      {(account.status === 'needs_reauth' || errors.api_key) && <NewKey v={v} account={account} errors={errors} />}
      <div class="grid grid-side">
        <section class="card">
          <dl class="facts">
            <dt>{t('channels.channel')}</dt>
            <dd>{account.channel}</dd>
            <dt>{t('common.status')}</dt>
            <dd>
              <Badge tone={toneOf(account.status)}>{t(`channels.status.${account.status}`)}</Badge>{' '}
              {account.status_reason && localize(v.lang, account.status_reason)}
            </dd>
            <dt>{t('channels.baseUrl')}</dt>
            <dd class="mono">{account.base_url}</dd>
            <dt>{t('channels.credentials')}</dt>
            <dd class="mono">{Object.values(account.credentials).join(', ')}</dd>
            <dt>{t('channels.lastSync')}</dt>
            <dd>
              <LastRunCell v={v} run={lastRun} />
            </dd>
            {schedules.length > 0 && (
              <>
                <dt>{t('channels.schedules')}</dt>
                <dd>
                  {schedules.map((s) => (
                    <div data-schedule={s.definition.name} data-enabled={String(s.enabled)}>
                      <span class="mono">{s.definition.name}</span>{' '}
                      {s.enabled ? (
                        <small>{t('channels.scheduleOn', { at: formatDateTime(v, s.nextRun) })}</small>
                      ) : (
                        <>
                          <Badge tone="warn">{t('channels.scheduleStopped')}</Badge> <small>{s.reason && localize(v.lang, s.reason)}</small>
                        </>
                      )}
                    </div>
                  ))}
                </dd>
              </>
            )}
          </dl>
        </section>
        <section class="card">
          <h2>{t('channels.sync')}</h2>
          <div id={`sync-${account.id}`}>
            <p class="muted">{t('channels.syncHint')}</p>
          </div>
        </section>
      </div>
      <section class="card" style="margin-top:1rem">
        <h2>{t('channels.listings')}</h2>
        <nav class="tabs" aria-label={t('channels.listings')}>
          {tab(undefined, t('common.all'), total)}
          {tab('matched', t('channels.matched'), counts.matched)}
          {tab('unmatched', t('channels.unmatched'), counts.unmatched)}
          {tab('ambiguous', t('channels.ambiguous'), counts.ambiguous)}
        </nav>
        {listings.items.length === 0 ? (
          <Empty>{t('channels.noListings')}</Empty>
        ) : (
          <>
            <Table label={t('channels.listings')} id="listings"
              columns={[t('channels.externalId'), t('products.sku'), t('products.name'), t('common.status'), t('stock.product'), num(t('channels.quantity'))]}>
              {listings.items.map((l) => (
                <tr data-state={l.match_state} class={l.match_state === 'ambiguous' ? 'row-bad' : l.match_state === 'unmatched' ? 'row-warn' : undefined}>
                  <td class="mono">{l.external_id}</td>
                  <td class="mono">{l.sku ?? t('common.none')}</td>
                  <td>{l.name ?? ''}</td>
                  <td>
                    <Badge tone={l.match_state === 'matched' ? 'ok' : l.match_state === 'ambiguous' ? 'bad' : 'warn'}>{t(`channels.${l.match_state}`)}</Badge>
                    {l.match_state === 'ambiguous' && (
                      <div>
                        <small>
                          {t('channels.candidates')}:{' '}
                          {(l.candidate_product_ids as number[]).map((pid, i) => (
                            <>
                              {i > 0 && ', '}
                              <a href={`/products/${pid}`}>#{pid}</a>
                            </>
                          ))}
                        </small>
                      </div>
                    )}
                    {l.last_push_error && <div><small class="error">{l.last_push_error}</small></div>}
                  </td>
                  <td>{l.product_id ? <a href={`/products/${l.product_id}`}>{l.product_sku}</a> : t('common.none')}</td>
                  <td class="num">{l.last_pushed_quantity ?? l.channel_quantity ?? t('common.none')}</td>
                </tr>
              ))}
            </Table>
            <Pager v={v} total={listings.total} limit={PAGE_SIZE} offset={offset} params={{ state }} base={`/channels/${account.id}`} />
          </>
        )}
      </section>
    </>
  );
}

/** Why the account stopped and what to do: an admin enters a new key here, the others are told to ask one. */
function NewKey({ v, account, errors }: { v: View; account: AccountView; errors: FieldErrors }) {
  const { t } = v;
  const admin = v.actor ? roleAtLeast(v.actor.role, 'admin') : false;
  return (
    <section class="card" id="new-key" style="margin-bottom:1rem">
      {account.status === 'needs_reauth' && (
        <Notice kind="warn">
          <b>{t('channels.reauthTitle')}</b>
          {account.status_reason && <> {t('channels.reauthWhy', { reason: localize(v.lang, account.status_reason) })}</>}
          <div>{t('channels.reauthTodo')}</div>
        </Notice>
      )}
      {admin ? (
        <form method="post" action={`/channels/${account.id}/key`} class="stack" novalidate data-busy style="max-width:40rem">
          <Field name="api_key" type="password" label={t('channels.newKey')} errors={errors} hint={t('channels.newKeyHint')} required attrs={{ autocomplete: 'off' }} />
          <div class="actions">
            <button type="submit">{t('channels.saveKey')}</button>
          </div>
        </form>
      ) : (
        <p class="muted">{t('channels.reauthAskAdmin')}</p>
      )}
    </section>
  );
}

function NewAccount({ v, form, errors }: { v: View; form: AccountForm; errors: FieldErrors }) {
  const { t } = v;
  return (
    <>
      <p class="crumbs">
        <a href="/channels">← {t('channels.title')}</a>
      </p>
      <div class="page-head">
        <h1>{t('channels.add')}</h1>
      </div>
      <section class="card" style="max-width:40rem">
        {Object.keys(errors).length > 0 && <Notice kind="error">{errors.form ?? t('common.fixErrors')}</Notice>}
        <form method="post" action="/channels/new" class="stack" novalidate data-busy>
          <Select name="channel" label={t('channels.channel')} value={form.channel} errors={errors} required
            options={connectors.map((k) => ({ value: k.channel, label: k.channel }))} />
          <Field name="name" label={t('channels.name')} value={form.name} errors={errors} required />
          <Field name="base_url" type="url" label={t('channels.baseUrl')} value={form.base_url} errors={errors} hint={t('channels.baseUrlHint')} />
          <Field name="api_key" type="password" label={t('channels.credentials')} errors={errors} required attrs={{ autocomplete: 'off' }} />
          <div class="actions">
            <button type="submit">{t('channels.check')}</button>
            <a class="button ghost" href="/channels">{t('common.cancel')}</a>
          </div>
        </form>
      </section>
    </>
  );
}
