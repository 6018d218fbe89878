import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { permissionFor } from '../../access/permissions.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { userDeliveries, type UserDelivery } from '../../notifications/delivery.ts';
import { sendTestNotification } from '../../notifications/test-send.ts';
import { eventTypes, type EventType } from '../../notifications/messages.ts';
import { notifierStatus } from '../../notifications/runtime.ts';
import {
  cabinetsOf,
  findUser,
  getSettings,
  languages,
  setLanguage,
  SettingsPatch,
  switchNames,
  updateSettings,
  type Cabinet,
  type Language,
  type NotificationSettings,
  type User,
} from '../../notifications/users.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View } from '../context.ts';
import { wordsOr } from '../i18n.ts';
import { renderPage } from '../layout.tsx';
import type { notificationPageWords } from '../words/notifications.ts';
import { zodFieldErrors } from '../messages.ts';
import {
  Badge,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatNumber,
  intParam,
  key,
  Notice,
  offsetParam,
  Pager,
  Select,
  Stat,
  Table,
} from '../ui.tsx';

/**
 * Notifications (seed 001) in the panel: who gets them, where they go, what happened lately,
 * and one user's seven switches, thresholds and language, with a test message. The bot and
 * the API change the same settings; this page is for the seller's support, not a second source.
 */

const PAGE_SIZE = 50;

const deliveryTone: Record<string, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  sent: 'ok',
  pending: 'muted',
  sending: 'info',
  failed: 'bad',
  uncertain: 'warn',
};

type Word = keyof typeof notificationPageWords;

/** The page's own words, in the one dictionary under `notify.` (src/web/words/notifications.ts). */
const w = (v: View, key: Word, params?: Record<string, string>) => v.t(`notify.${key}`, params);

/** A run-time name (`type.new_order`, `delivery.sent`) in words, or the code itself when the dictionary has none. */
const named = (v: View, key: string) => wordsOr(v.t, `notify.${key}`, key.slice(key.indexOf('.') + 1));

/** A user as the overview lists him: the overview does not select `created_at`. */
type UserRow = Omit<User, 'created_at'> & {
  switches_on: number;
  notifications_enabled: boolean;
  cabinets: string | null;
};

interface EventRow {
  id: number;
  type: EventType;
  occurred_at: string;
  cabinet: string | null;
  sent: number;
  waiting: number;
  failed: number;
}

interface Stats {
  users: number;
  cabinets: number;
  events: number;
  failed: number;
}

export function notificationRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/notifications', async (c) => {
    const v = viewOf(c);
    const offset = offsetParam(c.req.query('offset'));
    const onCount = sql.raw(
      switchNames
        .slice(1)
        .map((n) => `s.${n}::int`)
        .join(' + '),
    );
    const [users, [{ total }], events, [stats]] = await Promise.all([
      rows<UserRow>(
        hub.db,
        sql`
        select u.id, u.telegram_id, u.username, u.first_name, u.last_name, u.language,
               coalesce(${onCount}, 6)::int as switches_on, coalesce(s.notifications_enabled, true) as notifications_enabled,
               (select string_agg(a.name, ', ' order by a.name) from cabinet_users cu join channel_accounts a on a.id = cu.account_id where cu.user_id = u.id) as cabinets
          from users u left join notification_settings s on s.user_id = u.id
         order by u.id limit ${PAGE_SIZE} offset ${offset}`,
      ),
      rows<{ total: number }>(hub.db, sql`select count(*)::int as total from users`),
      rows<EventRow>(
        hub.db,
        sql`
        select e.id, e.type, iso(e.occurred_at) as occurred_at, a.name as cabinet,
               count(d.id) filter (where d.status = 'sent')::int as sent,
               count(d.id) filter (where d.status in ('pending', 'sending'))::int as waiting,
               count(d.id) filter (where d.status in ('failed', 'uncertain'))::int as failed
          from events e left join channel_accounts a on a.id = e.account_id left join deliveries d on d.event_id = e.id
         group by e.id, a.name order by e.id desc limit 20`,
      ),
      rows<Stats>(
        hub.db,
        sql`
        select (select count(*)::int from users) as users,
               (select count(distinct account_id)::int from cabinet_users) as cabinets,
               (select count(*)::int from events where created_at > now() - interval '1 day') as events,
               (select count(*)::int from deliveries where status in ('failed', 'uncertain') and created_at > now() - interval '1 day') as failed`,
      ),
    ]);
    return renderPage(
      c,
      w(v, 'title'),
      <Overview v={v} users={users} total={total} offset={offset} events={events} stats={stats} />,
    );
  });

  app.get('/notifications/users/:id', async (c) => {
    const v = viewOf(c);
    const user = await userParam(hub, c.req.param('id'));
    const [settings, cabinets, history] = await Promise.all([
      getSettings(hub.db, user.id),
      cabinetsOf(hub.db, user.id),
      userDeliveries(hub.db, user.id, 20),
    ]);
    const q = c.req.query();
    return renderPage(
      c,
      userName(user),
      <UserPage
        v={v}
        user={user}
        settings={settings}
        cabinets={cabinets}
        history={history}
        errors={{}}
        saved={q.saved === '1'}
        tested={
          testOutcomes.includes(q.test as TestShown)
            ? { status: q.test as TestShown, reason: q.reason?.slice(0, 300) ?? '' }
            : null
        }
      />,
    );
  });

  app.post('/notifications/users/:id', async (c) => {
    const v = viewOf(c);
    const user = await userParam(hub, c.req.param('id'));
    const body = await c.req.parseBody();
    const number = (name: string) =>
      typeof body[name] === 'string' && (body[name] as string).trim() !== '' ? Number(body[name]) : undefined;
    const patch = {
      ...Object.fromEntries(switchNames.map((name) => [name, body[name] === 'on'])),
      negative_review_max_rating: number('negative_review_max_rating'),
      critical_stock_threshold: number('critical_stock_threshold'),
    };
    const language = languages.includes(body.language as Language) ? (body.language as Language) : user.language;
    const parsed = SettingsPatch.safeParse(patch);
    if (!parsed.success) {
      const [cabinets, history] = await Promise.all([cabinetsOf(hub.db, user.id), userDeliveries(hub.db, user.id, 20)]);
      // The form as it was sent, so nothing typed is lost.
      const shown = { ...(await getSettings(hub.db, user.id)), ...patch } as NotificationSettings;
      return renderPage(
        c,
        userName(user),
        <UserPage
          v={v}
          user={{ ...user, language }}
          settings={shown}
          cabinets={cabinets}
          history={history}
          errors={zodFieldErrors(v.lang, parsed.error)}
          saved={false}
          tested={null}
          raw={body}
        />,
      );
    }
    await hub.db.transaction(async (tx) => {
      await updateSettings(tx, user.id, parsed.data);
      await setLanguage(tx, user.id, language);
    });
    return c.redirect(`/notifications/users/${user.id}?saved=1`, 303);
  });

  app.post('/notifications/users/:id/test', async (c) => {
    const user = await userParam(hub, c.req.param('id'));
    const body = await c.req.parseBody();
    const type = eventTypes.includes(body.type as EventType) ? (body.type as EventType) : 'new_order';
    // Judged by his thresholds and, where this process sends, sent now: the page says what came of it.
    const outcome = await sendTestNotification(hub, user, type, {
      cabinet: 'Тестовый кабинет',
      channel: 'wildberries',
      external_id: 'TEST-1',
      product_name: 'Тестовый товар',
      sku: 'TEST-SKU',
      quantity: 1,
      amount_minor: 150_000,
      currency: 'RUB',
      text: 'Тестовый отзыв',
      reason: 'test',
    });
    const said = 'reason' in outcome ? `&reason=${encodeURIComponent(String(outcome.reason).slice(0, 300))}` : '';
    return c.redirect(`/notifications/users/${user.id}?test=${outcome.status}${said}`, 303);
  });

  return app;
}

async function userParam(hub: Hub, raw: string): Promise<User> {
  const id = intParam(raw);
  if (!id) throw new DomainError('NOT_FOUND', `User ${raw} does not exist`, 404);
  try {
    return await findUser(hub.db, { userId: id });
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError('NOT_FOUND', `User ${id} does not exist`, 404);
    throw error;
  }
}

const userName = (u: Pick<User, 'first_name' | 'last_name' | 'username' | 'telegram_id'>) =>
  [u.first_name, u.last_name].filter(Boolean).join(' ') || (u.username ? `@${u.username}` : String(u.telegram_id));

function SenderNotice({ v }: { v: View }) {
  const s = notifierStatus;
  if (!s.running) return <Notice kind="info">{w(v, 'senderElsewhere')}</Notice>;
  if (s.sender === 'none') return <Notice kind="error">{w(v, 'senderNone')}</Notice>;
  const key = s.sender === 'webhook' ? 'senderWebhook' : s.demo ? 'senderDemo' : 'senderTelegram';
  return (
    <Notice kind="info">
      <span id="sender" data-sender={s.sender}>
        {w(v, key, { target: s.target ?? '' })}
      </span>
    </Notice>
  );
}

function Overview({
  v,
  users,
  total,
  offset,
  events,
  stats,
}: {
  v: View;
  users: UserRow[];
  total: number;
  offset: number;
  events: EventRow[];
  stats: Stats;
}) {
  return (
    <>
      <div class="page-head">
        <h1>{w(v, 'title')}</h1>
      </div>
      <SenderNotice v={v} />
      <div class="stats">
        <Stat value={formatNumber(v, stats.users)} label={w(v, 'statUsers')} />
        <Stat value={formatNumber(v, stats.cabinets)} label={w(v, 'statCabinets')} />
        <Stat value={formatNumber(v, stats.events)} label={w(v, 'statEvents')} />
        <Stat value={formatNumber(v, stats.failed)} label={w(v, 'statFailed')} />
      </div>
      <section class="card">
        <h2>{w(v, 'users')}</h2>
        {users.length === 0 ? (
          <Empty>{w(v, 'noUsers')}</Empty>
        ) : (
          <>
            <Table
              label={w(v, 'users')}
              id="users"
              columns={[
                key(w(v, 'name')),
                key(w(v, 'telegram')),
                w(v, 'language'),
                key(w(v, 'cabinets')),
                w(v, 'switchesOn'),
                key(''),
              ]}
            >
              {users.map((u) => (
                <tr data-telegram={u.telegram_id}>
                  <td>
                    {userName(u)}
                    {u.username && <small> @{u.username}</small>}
                  </td>
                  <td class="mono">{u.telegram_id}</td>
                  <td>{w(v, u.language)}</td>
                  <td>{u.cabinets ?? <small>{v.t('common.none')}</small>}</td>
                  <td>
                    {u.notifications_enabled ? (
                      <Badge tone={u.switches_on === 6 ? 'ok' : 'warn'}>{u.switches_on}/6</Badge>
                    ) : (
                      <Badge tone="muted">{v.lang === 'ru' ? 'выключены' : 'off'}</Badge>
                    )}
                  </td>
                  <td>
                    <a class="button ghost small" href={`/notifications/users/${u.id}`}>
                      {w(v, 'configure')}
                    </a>
                  </td>
                </tr>
              ))}
            </Table>
            <Pager v={v} total={total} limit={PAGE_SIZE} offset={offset} params={{}} base="/notifications" />
          </>
        )}
      </section>
      <section class="card">
        <h2>{w(v, 'events')}</h2>
        {events.length === 0 ? (
          <Empty>{w(v, 'noEvents')}</Empty>
        ) : (
          <Table
            label={w(v, 'events')}
            id="events"
            columns={[
              key(v.t('common.when')),
              key(w(v, 'cabinet')),
              key(w(v, 'type')),
              key(w(v, 'sent')),
              w(v, 'waiting'),
              key(w(v, 'failed')),
            ]}
          >
            {events.map((e) => (
              <tr data-type={e.type}>
                <td>{formatDateTime(v, e.occurred_at)}</td>
                <td>{e.cabinet ?? v.t('common.none')}</td>
                <td>{named(v, `type.${e.type}`)}</td>
                <td>{e.sent}</td>
                <td>{e.waiting}</td>
                <td>{e.failed ? <Badge tone="bad">{e.failed}</Badge> : 0}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}

const testOutcomes = ['sent', 'queued', 'uncertain', 'refused', 'not_sent'] as const;
type TestShown = (typeof testOutcomes)[number];

interface UserPageProps {
  v: View;
  user: User;
  settings: NotificationSettings;
  cabinets: Cabinet[];
  history: UserDelivery[];
  errors: FieldErrors;
  saved: boolean;
  /** What came of a test notification: sent, queued, refused by Telegram, or held back by his threshold. */
  tested: { status: TestShown; reason: string } | null;
  raw?: Record<string, unknown>;
}

const checkbox = 'width:auto;min-height:0;margin:0 0.4rem 0 0';

function UserPage({ v, user, settings, cabinets, history, errors, saved, tested, raw }: UserPageProps) {
  // Whose switches they are: his, in the bot, or an admin's to change (src/access/permissions.ts).
  const disabled = !v.actor || !permissionFor('POST', `/notifications/users/${user.id}`).roles.includes(v.actor.role);
  const numberValue = (name: 'negative_review_max_rating' | 'critical_stock_threshold') =>
    raw && typeof raw[name] === 'string' ? (raw[name] as string) : String(settings[name]);
  return (
    <>
      <p class="crumbs">
        <a href="/notifications">{w(v, 'back')}</a>
      </p>
      <div class="page-head">
        <h1>{userName(user)}</h1>
        <small class="mono">
          Telegram {user.telegram_id}
          {user.username ? ` · @${user.username}` : ''}
        </small>
      </div>
      {saved && <Notice kind="success">{w(v, 'saved')}</Notice>}
      {tested?.status === 'sent' && <Notice kind="success">{w(v, 'testSent')}</Notice>}
      {(tested?.status === 'queued' || tested?.status === 'uncertain') && (
        <Notice kind="success">{w(v, 'testQueued')}</Notice>
      )}
      {tested?.status === 'refused' && <Notice kind="error">{w(v, 'testRefused', { reason: tested.reason })}</Notice>}
      {tested?.status === 'not_sent' && (
        <Notice kind="warn">
          {w(v, tested.reason === 'rating_above_threshold' ? 'testAboveRating' : 'testAboveStock')}
        </Notice>
      )}
      {Object.keys(errors).length > 0 && <Notice kind="error">{v.t('common.fixErrors')}</Notice>}
      {disabled && <Notice kind="info">{w(v, v.canWrite ? 'adminOnly' : 'readonly')}</Notice>}
      <div class="grid grid-side">
        <section class="card">
          <form
            method="post"
            action={`/notifications/users/${user.id}`}
            class="stack"
            id="settings"
            novalidate
            data-busy
          >
            <fieldset disabled={disabled} style="border:0;padding:0;margin:0;display:grid;gap:0.9rem;min-width:0">
              <h2>{w(v, 'switches')}</h2>
              {switchNames.map((name) => (
                <div class="field">
                  <label>
                    <input type="checkbox" name={name} checked={settings[name]} style={checkbox} />
                    {v.t(`switch.${name}`)}
                  </label>
                </div>
              ))}
              <h2>{w(v, 'thresholds')}</h2>
              <Field
                name="negative_review_max_rating"
                label={w(v, 'maxRating')}
                hint={w(v, 'maxRatingHint')}
                type="number"
                value={numberValue('negative_review_max_rating')}
                errors={errors}
                attrs={{ min: 1, max: 5, step: 1 }}
              />
              <Field
                name="critical_stock_threshold"
                label={w(v, 'threshold')}
                hint={w(v, 'thresholdHint')}
                type="number"
                value={numberValue('critical_stock_threshold')}
                errors={errors}
                attrs={{ min: 0, max: 1000000, step: 1 }}
              />
              <Select
                name="language"
                label={w(v, 'language')}
                value={user.language}
                options={languages.map((l) => ({ value: l, label: w(v, l) }))}
              />
              {!disabled && (
                <div class="actions">
                  <button type="submit">{w(v, 'save')}</button>
                </div>
              )}
            </fieldset>
          </form>
        </section>
        <div>
          <section class="card">
            <h2>{w(v, 'cabinets')}</h2>
            {cabinets.length === 0 ? (
              <p class="muted">{w(v, 'noCabinets')}</p>
            ) : (
              <ul id="cabinets">
                {cabinets.map((cab) => (
                  <li>
                    <a href={`/channels/${cab.id}`}>{cab.name}</a>{' '}
                    <small>
                      ({cab.channel}, {cab.members} 👤)
                    </small>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {v.canWrite && (
            <section class="card">
              <h2>{w(v, 'test')}</h2>
              <form method="post" action={`/notifications/users/${user.id}/test`} class="stack" id="test" data-busy>
                <Select
                  name="type"
                  label={w(v, 'type')}
                  value="new_order"
                  options={eventTypes.map((type) => ({ value: type, label: named(v, `type.${type}`) }))}
                />
                <div class="actions">
                  <button type="submit" class="ghost">
                    {w(v, 'testSend')}
                  </button>
                </div>
              </form>
            </section>
          )}
        </div>
      </div>
      <section class="card">
        <h2>{w(v, 'history')}</h2>
        {history.length === 0 ? (
          <Empty>{w(v, 'noHistory')}</Empty>
        ) : (
          <Table
            label={w(v, 'history')}
            id="deliveries"
            columns={[
              key(v.t('common.when')),
              key(w(v, 'type')),
              w(v, 'cabinet'),
              key(v.t('common.status')),
              v.t('common.details'),
            ]}
          >
            {history.map((d) => (
              <tr data-status={d.status}>
                <td>{formatDateTime(v, d.sent_at ?? d.created_at)}</td>
                <td>
                  {named(v, `type.${d.type}`)}
                  {d.event_id === null && <small> ({w(v, 'test').toLowerCase()})</small>}
                </td>
                <td>{d.cabinet ?? v.t('common.none')}</td>
                <td>
                  <Badge tone={deliveryTone[d.status] ?? 'muted'}>{named(v, `delivery.${d.status}`)}</Badge>
                </td>
                <td>
                  {d.last_error ? <small>{d.last_error}</small> : d.attempts > 1 ? <small>{d.attempts}×</small> : null}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}
