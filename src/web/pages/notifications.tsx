import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { permissionFor } from '../../access/permissions.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { switchLabels } from '../../notifications/bot/texts.ts';
import { userDeliveries, type UserDelivery } from '../../notifications/delivery.ts';
import { queueTestDelivery } from '../../notifications/events.ts';
import { eventTypes, type EventType } from '../../notifications/messages.ts';
import { notifierStatus } from '../../notifications/runtime.ts';
import {
  cabinetsOf, findUser, getSettings, languages, setLanguage, SettingsPatch, switchNames, updateSettings,
  type Cabinet, type Language, type NotificationSettings, type User,
} from '../../notifications/users.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View } from '../context.ts';
import type { Label } from '../i18n.ts';
import { renderPage } from '../layout.tsx';
import { zodFieldErrors } from '../messages.ts';
import { Badge, Empty, Field, formatDateTime, formatNumber, intParam, Notice, offsetParam, Pager, Select, Stat, Table, type FieldErrors } from '../ui.tsx';

/**
 * Notifications (seed 001) in the panel: who gets them, where they go, what happened lately,
 * and one user's seven switches, thresholds and language, with a test message. The bot and
 * the API change the same settings; this page is for the seller's support, not a second source.
 */

const PAGE_SIZE = 50;

const words = {
  title: { ru: 'Уведомления', en: 'Notifications' },
  users: { ru: 'Пользователи бота', en: 'Bot users' },
  noUsers: { ru: 'Пока никто не написал боту /start и не зарегистрирован через POST /users/.', en: 'Nobody has sent the bot /start or been registered with POST /users/ yet.' },
  telegram: { ru: 'Telegram', en: 'Telegram' },
  name: { ru: 'Имя', en: 'Name' },
  language: { ru: 'Язык', en: 'Language' },
  cabinets: { ru: 'Кабинеты', en: 'Cabinets' },
  switchesOn: { ru: 'Включено', en: 'On' },
  configure: { ru: 'Настроить', en: 'Settings' },
  events: { ru: 'Последние события', en: 'Recent events' },
  noEvents: { ru: 'Событий пока нет: они появятся после синхронизаций кабинетов.', en: 'No events yet: they appear after the cabinets are synced.' },
  cabinet: { ru: 'Кабинет', en: 'Cabinet' },
  type: { ru: 'Событие', en: 'Event' },
  sent: { ru: 'Отправлено', en: 'Sent' },
  waiting: { ru: 'В очереди', en: 'Waiting' },
  failed: { ru: 'Не доставлено', en: 'Not delivered' },
  statUsers: { ru: 'Пользователей', en: 'Users' },
  statCabinets: { ru: 'Кабинетов с участниками', en: 'Cabinets with members' },
  statEvents: { ru: 'Событий за сутки', en: 'Events in 24 h' },
  statFailed: { ru: 'Не доставлено за сутки', en: 'Not delivered in 24 h' },
  senderTelegram: { ru: 'Сообщения уходят в Telegram Bot API: {target}', en: 'Messages go to the Telegram Bot API: {target}' },
  senderDemo: { ru: 'Демо: сообщения уходят в симулятор Telegram {target} (переписка: {target}/__sim/telegram/chats/<telegram id>)', en: 'Demo: messages go to the Telegram simulator at {target} (chats: {target}/__sim/telegram/chats/<telegram id>)' },
  senderWebhook: { ru: 'Сообщения уходят на вебхук бота (BOT_WEBHOOK_URL): {target}', en: 'Messages go to the bot’s webhook (BOT_WEBHOOK_URL): {target}' },
  senderNone: { ru: 'Отправка не настроена: задайте TELEGRAM_BOT_TOKEN или BOT_WEBHOOK_URL. События записываются, но не отправляются.', en: 'Sending is not set up: set TELEGRAM_BOT_TOKEN or BOT_WEBHOOK_URL. Events are recorded, not sent.' },
  senderElsewhere: { ru: 'Отправитель работает в другом процессе (sklad notifier) или не запущен.', en: 'The sender runs in another process (sklad notifier) or is not running.' },
  back: { ru: '← Все пользователи', en: '← All users' },
  switches: { ru: 'Что присылать', en: 'What to send' },
  thresholds: { ru: 'Пороги', en: 'Thresholds' },
  maxRating: { ru: 'Негативный отзыв — оценка не выше', en: 'A negative review has a rating of at most' },
  maxRatingHint: { ru: 'От 1 до 5 звёзд (по умолчанию 3).', en: 'From 1 to 5 stars (3 by default).' },
  threshold: { ru: 'Критичный остаток — доступно не больше', en: 'Critical stock: available at most' },
  thresholdHint: { ru: 'Штук в кабинете; о каждом товаре — один раз, пока остаток не восстановится.', en: 'Units in the cabinet; once per product until it recovers.' },
  save: { ru: 'Сохранить', en: 'Save' },
  saved: { ru: 'Настройки сохранены.', en: 'Settings saved.' },
  test: { ru: 'Тестовое уведомление', en: 'Test notification' },
  testSend: { ru: 'Отправить тестовое', en: 'Send a test' },
  testQueued: { ru: 'Тестовое уведомление поставлено в очередь.', en: 'The test notification is queued.' },
  history: { ru: 'Что ему отправлено', en: 'What he was sent' },
  noHistory: { ru: 'Ему ещё ничего не отправлялось.', en: 'Nothing was sent to him yet.' },
  noCabinets: { ru: 'Не состоит ни в одном кабинете: уведомлений не получает.', en: 'A member of no cabinet: he gets no notifications.' },
  readonly: { ru: 'Ваш ключ только для чтения: настройки можно посмотреть, но не изменить.', en: 'Your key is read-only: you can look at the settings, not change them.' },
  adminOnly: {
    ru: 'Настройки пользователя меняет он сам в боте или администратор; тестовое уведомление отправить можно.',
    en: 'The user changes his settings in the bot, or an admin does; you can send him a test.',
  },
  ru: { ru: 'Русский', en: 'Russian' },
  en: { ru: 'Английский', en: 'English' },
} satisfies Record<string, Label>;

const typeLabels: Record<EventType, Label> = {
  new_order: { ru: '📦 Новый заказ', en: '📦 New order' },
  buyout: { ru: '💰 Выкуп', en: '💰 Buyout' },
  cancellation: { ru: '❌ Отмена', en: '❌ Cancellation' },
  return: { ru: '🔄 Возврат', en: '🔄 Return' },
  negative_review: { ru: '⭐ Негативный отзыв', en: '⭐ Negative review' },
  critical_stock: { ru: '📉 Критичный остаток', en: '📉 Critical stock' },
  cabinet_invalid: { ru: '⚠️ Кабинет отключён', en: '⚠️ Cabinet removed' },
};

const deliveryStatus: Record<string, { label: Label; tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info' }> = {
  sent: { label: { ru: 'отправлено', en: 'sent' }, tone: 'ok' },
  pending: { label: { ru: 'в очереди', en: 'waiting' }, tone: 'muted' },
  sending: { label: { ru: 'отправляется', en: 'sending' }, tone: 'info' },
  failed: { label: { ru: 'не доставлено', en: 'failed' }, tone: 'bad' },
  uncertain: { label: { ru: 'неизвестно (не повторяется)', en: 'unknown (not repeated)' }, tone: 'warn' },
};

const w = (v: View, key: keyof typeof words, params: Record<string, string> = {}) =>
  words[key][v.lang].replace(/\{(\w+)\}/g, (whole, name: string) => params[name] ?? whole);

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
    const onCount = sql.raw(switchNames.slice(1).map((n) => `s.${n}::int`).join(' + '));
    const [users, [{ total }], events, [stats]] = await Promise.all([
      rows<UserRow>(hub.db, sql`
        select u.id, u.telegram_id, u.username, u.first_name, u.last_name, u.language,
               coalesce(${onCount}, 6)::int as switches_on, coalesce(s.notifications_enabled, true) as notifications_enabled,
               (select string_agg(a.name, ', ' order by a.name) from cabinet_users cu join channel_accounts a on a.id = cu.account_id where cu.user_id = u.id) as cabinets
          from users u left join notification_settings s on s.user_id = u.id
         order by u.id limit ${PAGE_SIZE} offset ${offset}`),
      rows<{ total: number }>(hub.db, sql`select count(*)::int as total from users`),
      rows<EventRow>(hub.db, sql`
        select e.id, e.type, iso(e.occurred_at) as occurred_at, a.name as cabinet,
               count(d.id) filter (where d.status = 'sent')::int as sent,
               count(d.id) filter (where d.status in ('pending', 'sending'))::int as waiting,
               count(d.id) filter (where d.status in ('failed', 'uncertain'))::int as failed
          from events e left join channel_accounts a on a.id = e.account_id left join deliveries d on d.event_id = e.id
         group by e.id, a.name order by e.id desc limit 20`),
      rows<Stats>(hub.db, sql`
        select (select count(*)::int from users) as users,
               (select count(distinct account_id)::int from cabinet_users) as cabinets,
               (select count(*)::int from events where created_at > now() - interval '1 day') as events,
               (select count(*)::int from deliveries where status in ('failed', 'uncertain') and created_at > now() - interval '1 day') as failed`),
    ]);
    return renderPage(c, w(v, 'title'), <Overview v={v} users={users} total={total} offset={offset} events={events} stats={stats} />);
  });

  app.get('/notifications/users/:id', async (c) => {
    const v = viewOf(c);
    const user = await userParam(hub, c.req.param('id'));
    const [settings, cabinets, history] = await Promise.all([getSettings(hub.db, user.id), cabinetsOf(hub.db, user.id), userDeliveries(hub.db, user.id, 20)]);
    const q = c.req.query();
    return renderPage(c, userName(user), <UserPage v={v} user={user} settings={settings} cabinets={cabinets} history={history} errors={{}} saved={q.saved === '1'} tested={q.test === '1'} />);
  });

  app.post('/notifications/users/:id', async (c) => {
    const v = viewOf(c);
    const user = await userParam(hub, c.req.param('id'));
    const body = await c.req.parseBody();
    const number = (name: string) => (typeof body[name] === 'string' && (body[name] as string).trim() !== '' ? Number(body[name]) : undefined);
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
      return renderPage(c, userName(user), <UserPage v={v} user={{ ...user, language }} settings={shown} cabinets={cabinets} history={history} errors={zodFieldErrors(v.lang, parsed.error)} saved={false} tested={false} raw={body} />);
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
    await queueTestDelivery(hub.db, user.id, type, {
      cabinet: 'Тестовый кабинет', channel: 'wildberries', external_id: 'TEST-1', product_name: 'Тестовый товар', sku: 'TEST-SKU',
      quantity: 1, amount_minor: 150_000, currency: 'RUB', rating: 2, text: 'Тестовый отзыв', available: 1, threshold: 5, reason: 'test',
    });
    return c.redirect(`/notifications/users/${user.id}?test=1`, 303);
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
      <span id="sender" data-sender={s.sender}>{w(v, key, { target: s.target ?? '' })}</span>
    </Notice>
  );
}

function Overview({ v, users, total, offset, events, stats }: { v: View; users: UserRow[]; total: number; offset: number; events: EventRow[]; stats: Stats }) {
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
            <Table label={w(v, 'users')} id="users" columns={[w(v, 'name'), w(v, 'telegram'), w(v, 'language'), w(v, 'cabinets'), w(v, 'switchesOn'), '']}>
              {users.map((u) => (
                <tr data-telegram={u.telegram_id}>
                  <td>{userName(u)}{u.username && <small> @{u.username}</small>}</td>
                  <td class="mono">{u.telegram_id}</td>
                  <td>{w(v, u.language)}</td>
                  <td>{u.cabinets ?? <small>{v.t('common.none')}</small>}</td>
                  <td>
                    {u.notifications_enabled ? <Badge tone={u.switches_on === 6 ? 'ok' : 'warn'}>{u.switches_on}/6</Badge> : <Badge tone="muted">{v.lang === 'ru' ? 'выключены' : 'off'}</Badge>}
                  </td>
                  <td>
                    <a class="button ghost small" href={`/notifications/users/${u.id}`}>{w(v, 'configure')}</a>
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
          <Table label={w(v, 'events')} id="events" columns={[v.t('common.when'), w(v, 'cabinet'), w(v, 'type'), w(v, 'sent'), w(v, 'waiting'), w(v, 'failed')]}>
            {events.map((e) => (
              <tr data-type={e.type}>
                <td>{formatDateTime(v, e.occurred_at)}</td>
                <td>{e.cabinet ?? v.t('common.none')}</td>
                <td>{typeLabels[e.type]?.[v.lang] ?? e.type}</td>
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

interface UserPageProps {
  v: View;
  user: User;
  settings: NotificationSettings;
  cabinets: Cabinet[];
  history: UserDelivery[];
  errors: FieldErrors;
  saved: boolean;
  tested: boolean;
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
        <small class="mono">Telegram {user.telegram_id}{user.username ? ` · @${user.username}` : ''}</small>
      </div>
      {saved && <Notice kind="success">{w(v, 'saved')}</Notice>}
      {tested && <Notice kind="success">{w(v, 'testQueued')}</Notice>}
      {Object.keys(errors).length > 0 && <Notice kind="error">{v.t('common.fixErrors')}</Notice>}
      {disabled && <Notice kind="info">{w(v, v.canWrite ? 'adminOnly' : 'readonly')}</Notice>}
      <div class="grid grid-side">
        <section class="card">
          <form method="post" action={`/notifications/users/${user.id}`} class="stack" id="settings" novalidate data-busy>
            <fieldset disabled={disabled} style="border:0;padding:0;margin:0;display:grid;gap:0.9rem;min-width:0">
              <h2>{w(v, 'switches')}</h2>
              {switchNames.map((name) => (
                <div class="field">
                  <label>
                    <input type="checkbox" name={name} checked={settings[name]} style={checkbox} />
                    {switchLabels[name][v.lang]}
                  </label>
                </div>
              ))}
              <h2>{w(v, 'thresholds')}</h2>
              <Field name="negative_review_max_rating" label={w(v, 'maxRating')} hint={w(v, 'maxRatingHint')} type="number" value={numberValue('negative_review_max_rating')} errors={errors} attrs={{ min: 1, max: 5, step: 1 }} />
              <Field name="critical_stock_threshold" label={w(v, 'threshold')} hint={w(v, 'thresholdHint')} type="number" value={numberValue('critical_stock_threshold')} errors={errors} attrs={{ min: 0, max: 1000000, step: 1 }} />
              <Select name="language" label={w(v, 'language')} value={user.language} options={languages.map((l) => ({ value: l, label: w(v, l) }))} />
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
                    <a href={`/channels/${cab.id}`}>{cab.name}</a> <small>({cab.channel}, {cab.members} 👤)</small>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {v.canWrite && (
            <section class="card">
              <h2>{w(v, 'test')}</h2>
              <form method="post" action={`/notifications/users/${user.id}/test`} class="stack" id="test" data-busy>
                <Select name="type" label={w(v, 'type')} value="new_order" options={eventTypes.map((type) => ({ value: type, label: typeLabels[type][v.lang] }))} />
                <div class="actions">
                  <button type="submit" class="ghost">{w(v, 'testSend')}</button>
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
          <Table label={w(v, 'history')} id="deliveries" columns={[v.t('common.when'), w(v, 'type'), w(v, 'cabinet'), v.t('common.status'), v.t('common.details')]}>
            {history.map((d) => (
              <tr data-status={d.status}>
                <td>{formatDateTime(v, d.sent_at ?? d.created_at)}</td>
                <td>
                  {typeLabels[d.type as EventType]?.[v.lang] ?? d.type}
                  {d.event_id === null && <small> ({w(v, 'test').toLowerCase()})</small>}
                </td>
                <td>{d.cabinet ?? v.t('common.none')}</td>
                <td>
                  <Badge tone={deliveryStatus[d.status]?.tone ?? 'muted'}>{deliveryStatus[d.status]?.label[v.lang] ?? d.status}</Badge>
                </td>
                <td>{d.last_error ? <small>{d.last_error}</small> : d.attempts > 1 ? <small>{d.attempts}×</small> : null}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </>
  );
}
