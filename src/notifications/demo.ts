import { sql } from 'drizzle-orm';
import { createTelegramSimulator, type TelegramSimulator } from '../../simulators/telegram/server.ts';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { addMember, upsertUser } from './users.ts';

/**
 * Telegram in the demo: with no TELEGRAM_BOT_TOKEN and no BOT_WEBHOOK_URL, the demo on
 * (SKLAD_DEMO, default 1) and set up in this database (its two people exist: a database of a
 * real seller never has its notifications "sent" to a simulator), `sklad start` runs the
 * Telegram Bot API simulator in its own process
 * and points the bot and the notifier at it. Two demo people share every demo cabinet
 * (`joinDemoCabinets`, called by the demo once it has made its accounts); what the bot sent
 * them is at `<simulator>/__sim/telegram/chats/<telegram id>`, and they can "write" to the bot
 * with `POST <simulator>/__sim/telegram/users/<telegram id>/messages {"text": "/stats"}`.
 */

/**
 * The demo's people have user ids of their own, equal to their Telegram ids, far above the ids
 * `POST /users/` hands out: on a fresh demo the first user a visitor registers is still user 1
 * and the second user 2, so seed 001's walkthrough (`user_id=1`, `user_id=2`) runs as written.
 */
export const demoTelegramUsers = [
  { id: 700_000_001, telegram_id: 700_000_001, username: 'demo_anna', first_name: 'Анна', last_name: 'Демо' },
  { id: 700_000_002, telegram_id: 700_000_002, username: 'demo_boris', first_name: 'Борис', last_name: 'Демо' },
] as const;

export interface DemoTelegram {
  url: string;
  token: string;
  simulator: TelegramSimulator;
  close(): Promise<void>;
}

let running: DemoTelegram | null = null;

/** The demo's simulators running in this process, by channel (the first demo account of each): set by src/demo/start.ts. */
const demoUrls = new Map<string, string>();

export function setDemoServiceUrls(urls: Iterable<[channel: string, url: string]>) {
  demoUrls.clear();
  for (const [channel, url] of urls) if (!demoUrls.has(channel)) demoUrls.set(channel, url);
}

/** Where a channel's demo simulator listens while the demo runs in this process; null otherwise. */
export const demoServiceUrl = (channel: string): string | null => demoUrls.get(channel) ?? null;

/** The simulator the demo runs, if it does. */
export const demoTelegram = () => running;

/** The demo is set up here when its people exist (the demo made them with `joinDemoCabinets`). */
export async function hasDemoPeople(hub: Hub): Promise<boolean> {
  const ids = demoTelegramUsers.map((u) => u.telegram_id);
  const [row] = await rows<{ n: number }>(
    hub.db,
    sql`select count(*)::int as n from users where telegram_id = any(${sql.param(ids)}::bigint[])`,
  );
  return row.n > 0;
}

/** Starts the simulator (TELEGRAM_SIM_PORT, or any free port) and makes every known user a chat in it. */
export async function startDemoTelegram(
  hub: Hub,
  port = Number(process.env.TELEGRAM_SIM_PORT) || 0,
): Promise<DemoTelegram> {
  if (running) return running;
  const simulator = createTelegramSimulator();
  const server = await simulator.listen(port);
  // The simulator forgets everything on restart; the people who wrote to the bot before are chats again.
  const known = await rows<{
    telegram_id: number;
    username: string | null;
    first_name: string | null;
    last_name: string | null;
  }>(hub.db, sql`select telegram_id, username, first_name, last_name from users order by id`);
  for (const u of [...demoTelegramUsers, ...known]) addSimUser(simulator, u);
  running = {
    url: server.url,
    token: simulator.token,
    simulator,
    close: async () => {
      simulator.state.wakeAll();
      await server.close();
      running = null;
    },
  };
  return running;
}

function addSimUser(
  sim: TelegramSimulator,
  u: { telegram_id: number; username?: string | null; first_name?: string | null; last_name?: string | null },
) {
  if (sim.state.users.has(Number(u.telegram_id))) return;
  sim.state.addUser({
    id: Number(u.telegram_id),
    username: u.username ?? undefined,
    first_name: u.first_name ?? undefined,
    last_name: u.last_name ?? undefined,
  });
}

/**
 * The demo's two Telegram users, members of these cabinets (all channel accounts when none are
 * named). Safe to call again: users and memberships are kept once.
 */
export async function joinDemoCabinets(
  hub: Hub,
  accountIds?: number[],
): Promise<{ userIds: number[]; accountIds: number[] }> {
  const ids =
    accountIds ??
    (await rows<{ id: number }>(hub.db, sql`select id from channel_accounts order by id`)).map((r) => r.id);
  const userIds: number[] = [];
  await hub.db.transaction(async (tx) => {
    for (const { id, ...person } of demoTelegramUsers) {
      // Made with its fixed id (the identity sequence is not used, so it stays at 1 for real users); then kept as any user.
      await tx.execute(sql`
        insert into users (id, telegram_id, username, first_name, last_name) overriding system value
        values (${id}, ${person.telegram_id}, ${person.username}, ${person.first_name}, ${person.last_name})
        on conflict do nothing`);
      const { user } = await upsertUser(tx, person);
      userIds.push(user.id);
      for (const accountId of ids) await addMember(tx, accountId, user.id);
    }
  });
  if (running) for (const person of demoTelegramUsers) addSimUser(running.simulator, person);
  return { userIds, accountIds: ids };
}
