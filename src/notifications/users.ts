import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * Telegram users, the cabinets they share and their notification settings (seed 001).
 * A cabinet is a channel account of any channel; a user sees only the cabinets he is a
 * member of, and every read the bot makes is scoped through `cabinetIdsOf`.
 */

export const languages = ['ru', 'en'] as const;
export type Language = (typeof languages)[number];

export interface User {
  id: number;
  telegram_id: number;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  language: Language;
  created_at: string;
}

const userColumns = sql`id, telegram_id, username, first_name, last_name, language, iso(created_at) as created_at`;

export const UserInput = z.strictObject({
  telegram_id: z
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1),
  username: z.string().trim().max(64).nullish(),
  first_name: z.string().trim().max(256).nullish(),
  last_name: z.string().trim().max(256).nullish(),
  language: z.enum(languages).optional(),
});
export type UserInput = z.input<typeof UserInput>;

/** Registers a Telegram user or refreshes his names; the answer says whether he is new. */
export async function upsertUser(ex: Executor, input: UserInput): Promise<{ user: User; created: boolean }> {
  const u = UserInput.parse(input);
  // A known user is updated without an insert: an insert that meets the conflict still takes an id
  // from the sequence, and the ids `POST /users/` hands out stay 1, 2, … (seed 001's walkthrough).
  const [known] = await rows<User & { created: boolean }>(
    ex,
    sql`
    update users set
      username = coalesce(${u.username ?? null}, username),
      first_name = coalesce(${u.first_name ?? null}, first_name),
      last_name = coalesce(${u.last_name ?? null}, last_name),
      language = coalesce(${u.language ?? null}, language),
      updated_at = now()
     where telegram_id = ${u.telegram_id}
    returning ${userColumns}, false as created`,
  );
  const [row] = known
    ? [known]
    : await rows<User & { created: boolean }>(
        ex,
        sql`
    insert into users (telegram_id, username, first_name, last_name, language)
    values (${u.telegram_id}, ${u.username ?? null}, ${u.first_name ?? null}, ${u.last_name ?? null}, ${u.language ?? 'ru'})
    on conflict (telegram_id) do update set
      username = coalesce(excluded.username, users.username),
      first_name = coalesce(excluded.first_name, users.first_name),
      last_name = coalesce(excluded.last_name, users.last_name),
      language = case when ${u.language ?? null}::text is null then users.language else excluded.language end,
      updated_at = now()
    returning ${userColumns}, (xmax = 0) as created`,
      );
  await ex.execute(sql`insert into notification_settings (user_id) values (${row.id}) on conflict do nothing`);
  const { created, ...user } = row;
  return { user, created };
}

/** The user named by the seed's `user_id` (our id) or `telegram_id`; 404 when unknown. */
export async function findUser(ex: Executor, who: { userId?: number; telegramId?: number }): Promise<User> {
  if (who.userId === undefined && who.telegramId === undefined) {
    throw new DomainError('USER_REQUIRED', 'Give user_id or telegram_id', 400);
  }
  const [user] = await rows<User>(
    ex,
    sql`
    select ${userColumns} from users
     where (${who.userId ?? null}::bigint is null or id = ${who.userId ?? null})
       and (${who.telegramId ?? null}::bigint is null or telegram_id = ${who.telegramId ?? null})`,
  );
  if (!user) {
    const id = who.telegramId !== undefined ? `with telegram_id ${who.telegramId}` : String(who.userId);
    throw new DomainError(
      'USER_NOT_FOUND',
      `User ${id} is not registered: POST /users/ first (or /start in the bot)`,
      404,
      { user_id: who.userId ?? null, telegram_id: who.telegramId ?? null },
    );
  }
  return user;
}

export async function findUserByTelegramId(ex: Executor, telegramId: number): Promise<User | null> {
  const [user] = await rows<User>(ex, sql`select ${userColumns} from users where telegram_id = ${telegramId}`);
  return user ?? null;
}

export async function setLanguage(ex: Executor, userId: number, language: Language) {
  await ex.execute(sql`update users set language = ${language}, updated_at = now() where id = ${userId}`);
}

// ── Cabinets ──────────────────────────────────────────────────────────────────────────────

export interface Cabinet {
  id: number;
  channel: string;
  name: string;
  status: string;
  status_reason: string | null;
  members: number;
  joined_at: string;
}

export async function addMember(ex: Executor, accountId: number, userId: number): Promise<boolean> {
  const added = await rows(
    ex,
    sql`
    insert into cabinet_users (account_id, user_id) values (${accountId}, ${userId}) on conflict do nothing returning user_id`,
  );
  // The detector starts watching the cabinet when it gets its first member.
  await ex.execute(sql`insert into notification_watch (account_id) values (${accountId}) on conflict do nothing`);
  return added.length > 0;
}

export async function removeMembers(ex: Executor, accountId: number): Promise<number[]> {
  const removed = await rows<{ user_id: number }>(
    ex,
    sql`delete from cabinet_users where account_id = ${accountId} returning user_id`,
  );
  return removed.map((r) => r.user_id);
}

export async function cabinetsOf(ex: Executor, userId: number): Promise<Cabinet[]> {
  return rows<Cabinet>(
    ex,
    sql`
    select a.id, a.channel, a.name, a.status, a.status_reason,
           (select count(*)::int from cabinet_users m where m.account_id = a.id) as members, iso(cu.created_at) as joined_at
      from cabinet_users cu join channel_accounts a on a.id = cu.account_id
     where cu.user_id = ${userId}
     order by a.id`,
  );
}

/** The ids of the cabinets a user may read: every bot query is limited to these. */
export async function cabinetIdsOf(ex: Executor, userId: number): Promise<number[]> {
  const found = await rows<{ account_id: number }>(
    ex,
    sql`select account_id from cabinet_users where user_id = ${userId} order by account_id`,
  );
  return found.map((r) => r.account_id);
}

export async function membersOf(ex: Executor, accountId: number): Promise<number[]> {
  const found = await rows<{ user_id: number }>(
    ex,
    sql`select user_id from cabinet_users where account_id = ${accountId} order by user_id`,
  );
  return found.map((r) => r.user_id);
}

// ── Settings ──────────────────────────────────────────────────────────────────────────────

export const switchNames = [
  'notifications_enabled',
  'new_orders_enabled',
  'order_buyouts_enabled',
  'order_cancellations_enabled',
  'order_returns_enabled',
  'negative_reviews_enabled',
  'critical_stocks_enabled',
  'findings_new_enabled',
] as const;
export type SwitchName = (typeof switchNames)[number];

export type NotificationSettings = Record<SwitchName, boolean> & {
  negative_review_max_rating: number;
  critical_stock_threshold: number;
  updated_at: string;
};

export const SettingsPatch = z.strictObject({
  notifications_enabled: z.boolean().optional(),
  new_orders_enabled: z.boolean().optional(),
  order_buyouts_enabled: z.boolean().optional(),
  order_cancellations_enabled: z.boolean().optional(),
  order_returns_enabled: z.boolean().optional(),
  negative_reviews_enabled: z.boolean().optional(),
  critical_stocks_enabled: z.boolean().optional(),
  findings_new_enabled: z.boolean().optional(),
  negative_review_max_rating: z.number().int().min(1).max(5).optional(),
  critical_stock_threshold: z.number().int().min(0).max(1_000_000).optional(),
});
export type SettingsPatch = z.input<typeof SettingsPatch>;

const settingsColumns = sql.raw(
  `${switchNames.join(', ')}, negative_review_max_rating, critical_stock_threshold, iso(updated_at) as updated_at`,
);

export async function getSettings(ex: Executor, userId: number): Promise<NotificationSettings> {
  await ex.execute(sql`insert into notification_settings (user_id) values (${userId}) on conflict do nothing`);
  const [row] = await rows<NotificationSettings>(
    ex,
    sql`select ${settingsColumns} from notification_settings where user_id = ${userId}`,
  );
  return row;
}

export async function updateSettings(
  ex: Executor,
  userId: number,
  patch: SettingsPatch,
): Promise<NotificationSettings> {
  const p = SettingsPatch.parse(patch);
  await getSettings(ex, userId);
  const sets = Object.entries(p)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => sql`${sql.identifier(k)} = ${v}`);
  if (sets.length) {
    await ex.execute(
      sql`update notification_settings set ${sql.join(sets, sql`, `)}, updated_at = now() where user_id = ${userId}`,
    );
  }
  return getSettings(ex, userId);
}
