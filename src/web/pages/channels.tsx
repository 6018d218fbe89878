import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { roleAtLeast } from '../../access/api-keys.ts';
import {
  getAccount,
  listAccounts,
  requireMasterKey,
  updateAccount,
  type AccountView,
} from '../../channels/core/accounts.ts';
import { checkCredentials, connectAccount, credentialsRejected } from '../../channels/core/connect.ts';
import { setSchedulesEnabled } from '../../channels/core/context.ts';
import { enqueueAccountJob } from '../../channels/core/account-jobs.ts';
import { countByState, listListings, matchStates, type MatchState } from '../../channels/core/listings.ts';
import {
  channelModules,
  moduleFor,
  requireModule,
  type ChannelModule,
  type CredentialField,
} from '../../channels/core/module.ts';
import { credentialKey, labelIn } from '../../channels/core/words.ts';
import { rows } from '../../db/database.ts';
import { listScheduleTargets, type ScheduleTarget } from '../../engine/schedules.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { errorPage, renderFragment, renderPage } from '../layout.tsx';
import { localize, zodFieldErrors } from '../messages.ts';
import {
  Badge,
  channelName,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  intParam,
  key,
  Notice,
  num,
  offsetParam,
  Pager,
  Select,
  Table,
  toneOf,
} from '../ui.tsx';
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
  /** What was typed into the channel's credential fields that the page may draw again: never a secret. */
  credentials: Record<string, string>;
}

export function channelRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/channels', async (c) => {
    const v = viewOf(c);
    const accounts = await listAccounts(hub.db);
    const runs = await lastRuns(hub);
    return renderPage(
      c,
      v.t('channels.title'),
      <Accounts v={v} accounts={accounts} runs={runs} added={c.req.query('added') === '1'} />,
    );
  });

  app.get('/channels/new', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    const channel = (moduleFor(c.req.query('channel') ?? '') ?? channelModules()[0]).connector.channel;
    return renderPage(
      c,
      v.t('channels.add'),
      <NewAccount v={v} form={{ channel, name: '', base_url: '', credentials: {} }} errors={{}} />,
    );
  });

  // The channel select swaps in the chosen channel's fields (htmx sends only the select's value, never what was typed).
  app.get('/channels/new/fields', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    const module = moduleFor(c.req.query('channel') ?? '') ?? channelModules()[0];
    return renderFragment(c, <ChannelFields v={v} module={module} values={{}} errors={{}} />);
  });

  // Adding an account checks its key with the service first (core's connectAccount, as the bot does): a refused key keeps nothing.
  app.post('/channels/new', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    const text = await formText(c);
    const module = moduleFor(text('channel'));
    const draw = (form: AccountForm, errors: FieldErrors, notice?: string) =>
      renderPage(c, v.t('channels.add'), <NewAccount v={v} form={form} errors={errors} notice={notice} />);
    if (!module) {
      return draw(
        {
          channel: channelModules()[0].connector.channel,
          name: text('name'),
          base_url: text('base_url'),
          credentials: {},
        },
        { channel: v.t('common.required') },
      );
    }
    const typed = typedCredentials(module, text);
    const form: AccountForm = {
      channel: module.connector.channel,
      name: text('name'),
      base_url: text('base_url'),
      credentials: shownAgain(module, typed),
    };
    // Without scripts the page still showed the fields of the channel chosen before: it shows this one's now.
    if (text('fields_for') !== form.channel)
      return draw(form, {}, v.t('channels.fieldsChanged', { channel: module.connector.title }));
    const errors: FieldErrors = {
      ...(form.name ? {} : { name: v.t('common.required') }),
      ...credentialErrors(v, module, typed),
    };
    if (Object.keys(errors).length > 0) return draw(form, errors);
    try {
      const input = { channel: form.channel, name: form.name, baseUrl: form.base_url || null, credentials: typed };
      const account = await connectAccount(hub, input, c.get('actor').name, { check: 'always' });
      return c.redirect(`/channels/${account.id}?added=1`, 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return draw(form, { [errorField(error)]: localize(v.lang, error) });
    }
  });

  /** The account's page; `typed` is what the new-key form draws again after a problem. */
  const showAccount = async (
    c: WebContext,
    id: number,
    errors: FieldErrors = {},
    typed: Record<string, string> = {},
  ) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, id);
    const state = matchStates.includes(c.req.query('state') as MatchState)
      ? (c.req.query('state') as MatchState)
      : undefined;
    const offset = offsetParam(c.req.query('offset'));
    const [counts, listings, runs, schedules] = await Promise.all([
      countByState(hub.db, id),
      listListings(hub.db, id, { state, limit: PAGE_SIZE, offset }),
      lastRuns(hub),
      listScheduleTargets(hub.db),
    ]);
    const flash =
      c.req.query('added') === '1'
        ? v.t('channels.added')
        : c.req.query('key') === '1'
          ? v.t('channels.keySaved')
          : undefined;
    return renderPage(
      c,
      account.name,
      <AccountPage
        v={v}
        account={account}
        module={moduleFor(account.channel)}
        counts={counts}
        listings={listings}
        state={state}
        offset={offset}
        lastRun={runs.get(id)}
        schedules={schedules.filter((s) => s.accountId === id)}
        flash={flash}
        errors={errors}
        typed={typed}
      />,
    );
  };

  app.get('/channels/:id', (c) => showAccount(c, accountId(c)));

  // New credentials for an account whose key the service refused: kept, then checked with the service (core's checkCredentials).
  app.post('/channels/:id/key', async (c) => {
    const v = viewOf(c);
    if (!isAdmin(c)) return errorPage(c, 403, v.t('error.forbidden'));
    const id = accountId(c);
    const before = await getAccount(hub.db, id);
    const module = requireModule(before.channel);
    const typed = typedCredentials(module, await formText(c));
    const again = (errors: FieldErrors) => showAccount(c, id, errors, shownAgain(module, typed));
    const errors = credentialErrors(v, module, typed);
    if (Object.keys(errors).length > 0) return again(errors);
    const actor = c.get('actor').name;
    try {
      await hub.db.transaction((tx) =>
        updateAccount(tx, requireMasterKey(hub.masterKey), id, { credentials: typed }, actor),
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return again({ [errorField(error)]: localize(v.lang, error) });
    }
    const problem = await checkNewKey(hub, v, id, actor);
    // New keys made a needs_reauth account active (updateAccount): unless the service refused them too, its schedules run again, as after the API's PATCH.
    if (before.status === 'needs_reauth' && (await getAccount(hub.db, id)).status === 'active')
      await setSchedulesEnabled(hub, id, true);
    if (problem) return again({ credentials: problem });
    return c.redirect(`/channels/${id}?key=1`, 303);
  });

  // htmx posts here and swaps in a progress box that follows the job's events.
  app.post('/channels/:id/sync', async (c) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, accountId(c));
    if (account.status !== 'active') {
      return renderFragment(
        c,
        <Notice kind="error">{account.status_reason ?? v.t(`channels.status.${account.status}`)}</Notice>,
      );
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

/** A posted form's text fields, trimmed; a missing one is ''. */
async function formText(c: WebContext): Promise<(name: string) => string> {
  const body = await c.req.parseBody();
  return (name) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
}

/** A credential field's input: `cred_<key>`, apart from the account's own fields. */
const inputName = (field: CredentialField) => `cred_${field.key}`;

/** What was typed into a module's credential fields; empty ones are left out (its schema says which it needs). */
function typedCredentials(module: ChannelModule, text: (name: string) => string): Record<string, string> {
  const typed: Record<string, string> = {};
  for (const field of module.credentialFields) {
    const value = text(inputName(field));
    if (value) typed[field.key] = value;
  }
  return typed;
}

/** What a form may draw again of what was typed: the fields that are not secret. */
const shownAgain = (module: ChannelModule, typed: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    module.credentialFields.filter((f) => !f.secret && typed[f.key]).map((f) => [f.key, typed[f.key]]),
  );

/** The credentials schema's verdict, by input: a missing value is required, a wrong one gets the schema's words. */
function credentialErrors(v: View, module: ChannelModule, typed: Record<string, string>): FieldErrors {
  const parsed = module.connector.credentialsSchema.safeParse(typed);
  if (parsed.success) return {};
  const errors: FieldErrors = {};
  for (const [key, message] of Object.entries(zodFieldErrors(v.lang, parsed.error))) {
    const field = module.credentialFields.find((f) => f.key === key);
    errors[field ? inputName(field) : 'credentials'] = field && !(key in typed) ? v.t('common.required') : message;
  }
  return errors;
}

/** Where the add-account and new-key forms show an error: the service's refusal or silence under the credentials. */
function errorField(error: DomainError): string {
  if (error.code === 'ACCOUNT_NAME_TAKEN') return 'name';
  if (error.code === 'CREDENTIALS_REJECTED' || error.code === 'CHANNEL_UNAVAILABLE') return 'credentials';
  return 'form';
}

/** The service's verdict on an account's new credentials: null when they work, else what to show under them. */
async function checkNewKey(hub: Hub, v: View, id: number, actor: string): Promise<string | null> {
  try {
    const outcome = await checkCredentials(hub, id, actor);
    return outcome.ok ? null : localize(v.lang, credentialsRejected(outcome.details ?? ''));
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return localize(v.lang, error);
  }
}

/** An account's status: its badge and, when the service refused its key, why and what to do. */
export function AccountStatusCell({
  v,
  account,
}: {
  v: View;
  account: { id: number; status: string; status_reason: string | null };
}) {
  const admin = v.actor ? roleAtLeast(v.actor.role, 'admin') : false;
  return (
    <>
      <Badge tone={toneOf(account.status)}>{wordsOr(v.t, `channels.status.${account.status}`, account.status)}</Badge>
      {account.status_reason && (
        <div>
          <small data-reason>{localize(v.lang, account.status_reason)}</small>
        </div>
      )}
      {account.status === 'needs_reauth' && (
        <div>
          {admin ? (
            <a href={`/channels/${account.id}#new-key`}>{v.t('channels.reauthAction')} →</a>
          ) : (
            <small>{v.t('channels.reauthAskAdmin')}</small>
          )}
        </div>
      )}
    </>
  );
}

async function lastRuns(hub: Hub): Promise<Map<number, LastRun>> {
  const found = await rows<LastRun>(
    hub.db,
    sql`
    select distinct on (account_id) account_id, status, iso(started_at) as started_at, duration_ms, error
      from sync_runs where account_id is not null order by account_id, started_at desc, id desc`,
  );
  return new Map(found.map((r) => [r.account_id, r]));
}

function SyncButton({ v, account }: { v: View; account: AccountView }) {
  if (!v.canWrite || account.status !== 'active') return null;
  return (
    <form
      method="post"
      action={`/channels/${account.id}/sync`}
      hx-post={`/channels/${account.id}/sync`}
      hx-target={`#sync-${account.id}`}
      hx-swap="innerHTML"
      class="sync-form"
    >
      <button type="submit" class="small">
        ⟳ {v.t('channels.sync')}
      </button>
    </form>
  );
}

export function SyncProgress({ v, jobId }: { v: View; jobId: number }) {
  return (
    <div
      class="progress"
      role="status"
      aria-live="polite"
      data-state="queued"
      data-job-events={`/api/v1/jobs/${jobId}/events`}
      data-label-queued={v.t('status.queued')}
      data-label-running={v.t('channels.syncing')}
      data-label-succeeded={v.t('channels.syncDone')}
      data-label-failed={v.t('channels.syncRetrying')}
      data-label-dead={v.t('channels.syncFailed')}
      data-label-cancelled={v.t('channels.syncFailed')}
    >
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
      <Badge tone={toneOf(run.status)}>{wordsOr(v.t, `status.${run.status}`, run.status)}</Badge>{' '}
      <small>{formatDateTime(v, run.started_at)}</small>
    </>
  );
}

function Accounts({
  v,
  accounts,
  runs,
  added,
}: {
  v: View;
  accounts: AccountView[];
  runs: Map<number, LastRun>;
  added: boolean;
}) {
  const { t } = v;
  const admin = v.actor ? roleAtLeast(v.actor.role, 'admin') : false;
  return (
    <>
      <div class="page-head">
        <h1>{t('channels.title')}</h1>
        {admin && (
          <a class="button" href="/channels/new">
            + {t('channels.add')}
          </a>
        )}
      </div>
      {added && <Notice kind="success">{t('channels.added')}</Notice>}
      <section class="card">
        {accounts.length === 0 ? (
          <Empty
            action={
              admin ? (
                <a class="button ghost small" href="/channels/new">
                  + {t('channels.add')}
                </a>
              ) : undefined
            }
          >
            {t('channels.noAccounts')}
          </Empty>
        ) : (
          <Table
            label={t('channels.accounts')}
            id="accounts"
            columns={[
              key(t('channels.name')),
              key(t('channels.channel')),
              key(t('common.status')),
              t('channels.lastSync'),
              key(''),
            ]}
          >
            {accounts.map((a) => (
              <tr
                data-account={a.name}
                data-status={a.status}
                class={a.status === 'needs_reauth' ? 'row-warn' : undefined}
              >
                <td>
                  <a href={`/channels/${a.id}`}>{a.name}</a>
                </td>
                <td>{channelName(a.channel)}</td>
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
  /** The account's channel module; none when the channel is no longer installed. */
  module?: ChannelModule;
  counts: Record<MatchState, number>;
  listings: Awaited<ReturnType<typeof listListings>>;
  state?: MatchState;
  offset: number;
  lastRun?: LastRun;
  schedules: ScheduleTarget[];
  /** What the last action did (account added, key accepted). */
  flash?: string;
  /** Problems of the new-key form, and what it may draw again of what was typed. */
  errors: FieldErrors;
  typed: Record<string, string>;
}

function AccountPage({
  v,
  account,
  module,
  counts,
  listings,
  state,
  offset,
  lastRun,
  schedules,
  flash,
  errors,
  typed,
}: AccountPageProps) {
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
      {(account.status === 'needs_reauth' || Object.keys(errors).length > 0) && (
        <NewKey v={v} account={account} module={module} errors={errors} typed={typed} />
      )}
      <div class="grid grid-side">
        <section class="card">
          <dl class="facts">
            <dt>{t('channels.channel')}</dt>
            <dd>{channelName(account.channel)}</dd>
            <dt>{t('common.status')}</dt>
            <dd>
              <Badge tone={toneOf(account.status)}>{t(`channels.status.${account.status}`)}</Badge>{' '}
              {account.status_reason && localize(v.lang, account.status_reason)}
            </dd>
            <dt>{t('channels.baseUrl')}</dt>
            <dd class="mono">{account.base_url}</dd>
            {module?.connector.capabilities.orders && (
              <>
                <dt>{t('crmLink.title')}</dt>
                <dd>
                  <a href={`/channels/${account.id}/crm`} id="crm-link">
                    {t('crmLink.open')}
                  </a>
                </dd>
              </>
            )}
            <dt>{t('channels.credentials')}</dt>
            <dd>
              <MaskedCredentials v={v} account={account} />
            </dd>
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
                          <Badge tone="warn">{t('channels.scheduleStopped')}</Badge>{' '}
                          <small>{s.reason && localize(v.lang, s.reason)}</small>
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
            <Table
              label={t('channels.listings')}
              id="listings"
              columns={[
                t('channels.externalId'),
                key(t('products.sku')),
                key(t('products.name')),
                key(t('common.status')),
                t('stock.product'),
                key(num(t('channels.quantity'))),
              ]}
            >
              {listings.items.map((l) => (
                <tr
                  data-state={l.match_state}
                  class={
                    l.match_state === 'ambiguous' ? 'row-bad' : l.match_state === 'unmatched' ? 'row-warn' : undefined
                  }
                >
                  <td class="mono">{l.external_id}</td>
                  <td class="mono">{l.sku ?? t('common.none')}</td>
                  <td>{l.name ?? ''}</td>
                  <td>
                    <Badge tone={l.match_state === 'matched' ? 'ok' : l.match_state === 'ambiguous' ? 'bad' : 'warn'}>
                      {t(`channels.${l.match_state}`)}
                    </Badge>
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
                    {l.last_push_error && (
                      <div>
                        <small class="error">{l.last_push_error}</small>
                      </div>
                    )}
                  </td>
                  <td>{l.product_id ? <a href={`/products/${l.product_id}`}>{l.product_sku}</a> : t('common.none')}</td>
                  <td class="num">{l.last_pushed_quantity ?? l.channel_quantity ?? t('common.none')}</td>
                </tr>
              ))}
            </Table>
            <Pager
              v={v}
              total={listings.total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{ state }}
              base={`/channels/${account.id}`}
            />
          </>
        )}
      </section>
    </>
  );
}

/** The account's credentials as stored: masked, each under its field's label. */
function MaskedCredentials({ v, account }: { v: View; account: AccountView }) {
  const masked = account.credentials as Record<string, string>;
  const label = (key: string) => labelIn(v.lang, credentialKey(account.channel, key), key);
  return (
    <>
      {Object.entries(masked).map(([key, value]) => (
        <div data-credential={key}>
          <small>{label(key)}</small> <span class="mono">{value}</span>
        </div>
      ))}
    </>
  );
}

/** Why the account stopped and what to do: an admin enters new credentials (the channel's own fields) here, the others are told to ask one. */
function NewKey({
  v,
  account,
  module,
  errors,
  typed,
}: {
  v: View;
  account: AccountView;
  module?: ChannelModule;
  errors: FieldErrors;
  typed: Record<string, string>;
}) {
  const { t } = v;
  const admin = v.actor ? roleAtLeast(v.actor.role, 'admin') : false;
  return (
    <section class="card" id="new-key" style="margin-bottom:1rem">
      {account.status === 'needs_reauth' && (
        <Notice kind="warn">
          <b>{t('channels.reauthTitle')}</b>
          {account.status_reason && (
            <> {t('channels.reauthWhy', { reason: localize(v.lang, account.status_reason) })}</>
          )}
          <div>{t('channels.reauthTodo')}</div>
        </Notice>
      )}
      {errors.form && <Notice kind="error">{errors.form}</Notice>}
      {admin && module ? (
        <form
          method="post"
          action={`/channels/${account.id}/key`}
          class="stack"
          novalidate
          data-busy
          style="max-width:40rem"
        >
          <fieldset class="credentials">
            <legend>{t('channels.newKey')}</legend>
            <p class="hint-text">{t('channels.newKeyHint')}</p>
            <CredentialInputs v={v} module={module} values={typed} errors={errors} />
          </fieldset>
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

interface CredentialProps {
  v: View;
  module: ChannelModule;
  /** What was typed into the fields that are not secret; a secret is always drawn empty. */
  values: Record<string, string>;
  errors: FieldErrors;
}

/** A module's credential fields as it describes them (label, help, secret as a password input), and under them the service's refusal. */
function CredentialInputs({ v, module, values, errors }: CredentialProps) {
  return (
    <>
      {module.credentialFields.map((f) => (
        <Field
          name={inputName(f)}
          label={labelIn(v.lang, credentialKey(module.connector.channel, f.key), f.key)}
          hint={labelIn(v.lang, credentialKey(module.connector.channel, f.key, 'help'))}
          type={f.secret ? 'password' : 'text'}
          value={f.secret ? undefined : values[f.key]}
          errors={errors}
          required
          attrs={{ autocomplete: 'off', placeholder: f.placeholder }}
        />
      ))}
      {errors.credentials && (
        <p class="error-text" id="f-credentials-error" data-error-for="credentials" role="alert">
          {errors.credentials}
        </p>
      )}
    </>
  );
}

/** The chosen channel's part of the add-account form: the channel select swaps it (htmx) when the choice changes. */
function ChannelFields({ v, module, values, errors }: CredentialProps) {
  return (
    <fieldset id="channel-fields" class="credentials" data-channel={module.connector.channel}>
      <legend>{v.t('channels.credentialsOf', { channel: module.connector.title })}</legend>
      <input type="hidden" name="fields_for" value={module.connector.channel} />
      <CredentialInputs v={v} module={module} values={values} errors={errors} />
    </fieldset>
  );
}

function NewAccount({ v, form, errors, notice }: { v: View; form: AccountForm; errors: FieldErrors; notice?: string }) {
  const { t } = v;
  const module = moduleFor(form.channel) ?? channelModules()[0];
  // The service's refusal is shown under the credentials; the top says what else is wrong.
  const others = Object.keys(errors).filter((k) => k !== 'credentials');
  return (
    <>
      <p class="crumbs">
        <a href="/channels">← {t('channels.title')}</a>
      </p>
      <div class="page-head">
        <h1>{t('channels.add')}</h1>
      </div>
      <section class="card" style="max-width:40rem">
        {notice && <Notice kind="info">{notice}</Notice>}
        {others.length > 0 && <Notice kind="error">{errors.form ?? t('common.fixErrors')}</Notice>}
        <form method="post" action="/channels/new" class="stack" novalidate data-busy>
          <Select
            name="channel"
            label={t('channels.channel')}
            value={module.connector.channel}
            errors={errors}
            required
            options={channelModules().map((m) => ({ value: m.connector.channel, label: m.connector.title }))}
            attrs={{
              'hx-get': '/channels/new/fields',
              'hx-trigger': 'change',
              'hx-target': '#channel-fields',
              'hx-swap': 'outerHTML',
            }}
          />
          <Field name="name" label={t('channels.name')} value={form.name} errors={errors} required />
          <Field
            name="base_url"
            type="url"
            label={t('channels.baseUrl')}
            value={form.base_url}
            errors={errors}
            hint={t('channels.baseUrlHint')}
          />
          <ChannelFields v={v} module={module} values={form.credentials} errors={errors} />
          <div class="actions">
            <button type="submit">{t('channels.check')}</button>
            <a class="button ghost" href="/channels">
              {t('common.cancel')}
            </a>
          </div>
        </form>
      </section>
    </>
  );
}
