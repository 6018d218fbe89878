import { sql } from 'drizzle-orm';
import { Cron } from 'croner';
import { rows, type Db, type Executor } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { enqueueJob } from './jobs.ts';

/**
 * Periodic jobs: a schedule names a job type and a cron (UTC); with `perAccountOfChannel` it
 * runs once per active account of that channel. The `schedules` table keeps per-account
 * overrides (cron, enabled) and the last slot fired. The leader that fires them: scheduler.ts.
 */

export interface ScheduleDefinition {
  name: string;
  jobType: string;
  /** Cron in UTC; 5 fields, or 6 with seconds first. */
  cron: string;
  /** One job per active account of this channel ('allegro', 'wix' …), with accountId set. */
  perAccountOfChannel?: string;
  payload?: Record<string, unknown>;
}

const definitions = new Map<string, ScheduleDefinition>();

export function defineSchedule(definition: ScheduleDefinition): ScheduleDefinition {
  parseCron(definition.cron);
  definitions.set(definition.name, definition);
  return definition;
}

export const scheduleDefinitions = () => [...definitions.values()];

export function parseCron(pattern: string): Cron {
  try {
    return new Cron(pattern, { timezone: 'UTC', paused: true });
  } catch (error) {
    throw new DomainError('INVALID_CRON', `"${pattern}" is not a cron expression: ${(error as Error).message}`, 400, {
      cron: pattern,
      reason: (error as Error).message,
    });
  }
}

/** Changes one schedule for one account (or for all when accountId is null): its cron, or stops it. */
export async function setScheduleOverride(
  ex: Executor,
  input: { name: string; accountId?: number | null; cron?: string | null; enabled?: boolean },
) {
  if (input.cron) parseCron(input.cron);
  await ex.execute(sql`
    insert into schedules (name, account_id, cron, enabled)
    values (${input.name}, ${input.accountId ?? null}, ${input.cron ?? null}, ${input.enabled ?? true})
    on conflict (name, account_id) do update set
      cron = case when ${input.cron === undefined} then schedules.cron else excluded.cron end,
      enabled = coalesce(${input.enabled ?? null}::boolean, schedules.enabled),
      updated_at = now()`);
}

/** Stops (or restarts) every schedule of an account: used when its key is rejected (needs_reauth). */
export async function setAccountSchedulesEnabled(ex: Executor, accountId: number, enabled: boolean) {
  await setScheduleOverride(ex, { name: '*', accountId, enabled });
}

export interface ScheduleTarget {
  definition: ScheduleDefinition;
  accountId: number | null;
  cron: string;
  enabled: boolean;
  /** Why a stopped target does not run (the account needs new credentials, or a person stopped it). */
  reason: string | null;
  lastSlot: string | null;
  nextRun: string | null;
}

/**
 * Every schedule × account it runs for, with what applies: the override's cron, whether it is
 * on and, when not, why. Accounts that need new credentials are listed stopped, with the reason.
 */
export async function listScheduleTargets(ex: Executor): Promise<ScheduleTarget[]> {
  const defs = scheduleDefinitions();
  if (!defs.length) return [];
  const channels = [...new Set(defs.flatMap((d) => (d.perAccountOfChannel ? [d.perAccountOfChannel] : [])))];
  const accounts = channels.length
    ? await rows<{ id: number; channel: string; status: string; status_reason: string | null }>(
        ex,
        sql`select id, channel, status, status_reason from channel_accounts
             where status in ('active', 'needs_reauth') and channel = any(${sql.param(channels)}::text[]) order by id`,
      )
    : [];
  const overrides = await rows<{
    name: string;
    account_id: number | null;
    cron: string | null;
    enabled: boolean;
    last_slot: string | null;
  }>(ex, sql`select name, account_id, cron, enabled, iso(last_slot) as last_slot from schedules`);
  const find = (name: string, accountId: number | null) =>
    overrides.find((o) => o.name === name && o.account_id === accountId);
  return defs.flatMap((definition) => {
    const targets = definition.perAccountOfChannel
      ? accounts.filter((a) => a.channel === definition.perAccountOfChannel)
      : [null];
    return targets.map((target) => {
      const accountId = target?.id ?? null;
      const own = find(definition.name, accountId);
      const general = accountId === null ? undefined : find(definition.name, null);
      const account = accountId === null ? undefined : find('*', accountId);
      const cron = own?.cron ?? general?.cron ?? definition.cron;
      const reason =
        target?.status === 'needs_reauth'
          ? `the account needs new credentials: ${target.status_reason ?? 'the service refused its key'}`
          : account?.enabled === false
            ? "the account's schedules are stopped"
            : own?.enabled === false || general?.enabled === false
              ? 'stopped by hand'
              : null;
      const enabled = reason === null;
      const lastSlot = own?.last_slot ?? null;
      return {
        definition,
        accountId,
        cron,
        enabled,
        reason,
        lastSlot,
        nextRun: enabled
          ? (parseCron(cron)
              .nextRun(lastSlot ?? new Date())
              ?.toISOString() ?? null)
          : null,
      };
    });
  });
}

/**
 * Fires what is due at `now`: for each enabled target, the latest cron slot after the last one
 * fired. The slot is claimed (last_slot moves forward) and the job enqueued in one transaction,
 * with key `<schedule>:<account>:<slot>`, so two schedulers firing together enqueue it once.
 * A target seen for the first time starts watching from now (no catch-up of old slots), and
 * missed slots fire once, not once each. Returns the ids of the jobs made.
 */
export async function fireDueSchedules(db: Db, now = new Date()): Promise<number[]> {
  const fired: number[] = [];
  for (const target of await listScheduleTargets(db)) {
    if (!target.enabled) continue;
    const name = target.definition.name;
    if (!target.lastSlot) {
      await db.execute(sql`
        insert into schedules (name, account_id, last_slot) values (${name}, ${target.accountId}, ${now.toISOString()})
        on conflict (name, account_id) do update set last_slot = coalesce(schedules.last_slot, excluded.last_slot)`);
      continue;
    }
    const slot = latestSlot(parseCron(target.cron), new Date(target.lastSlot), now);
    if (!slot) continue;
    const id = await db.transaction(async (tx) => {
      const claimed = await rows(
        tx,
        sql`update schedules set last_slot = ${slot.toISOString()}
            where name = ${name} and account_id is not distinct from ${target.accountId} and last_slot < ${slot.toISOString()}::timestamptz
            returning name`,
      );
      if (!claimed.length) return null;
      // A slow pull is not stacked up: while one still waits to start, the slot is skipped.
      const [waiting] = await rows(
        tx,
        sql`select 1 from jobs where type = ${target.definition.jobType} and account_id is not distinct from ${target.accountId}
              and status in ('queued', 'failed') and starts_with(key, ${`${name}:`}) limit 1`,
      );
      if (waiting) return null;
      const job = await enqueueJob(tx, {
        type: target.definition.jobType,
        accountId: target.accountId,
        payload: {
          ...target.definition.payload,
          ...(target.accountId === null ? {} : { accountId: target.accountId }),
          schedule: name,
          slot: slot.toISOString(),
        },
        key: `${name}:${target.accountId ?? '-'}:${slot.toISOString()}`,
      });
      return job.deduplicated ? null : job.id;
    });
    if (id) fired.push(id);
  }
  return fired;
}

/** The latest cron time after `after` and not later than `now`; null if none. */
function latestSlot(cron: Cron, after: Date, now: Date): Date | null {
  let slot: Date | null = null;
  let next = cron.nextRun(after);
  // Bounded: a per-second cron after a day's outage is 86,400 steps; beyond that, fire at the last one found.
  for (let i = 0; next && next <= now && i < 100_000; i++) {
    slot = next;
    next = cron.nextRun(next);
  }
  return slot;
}
