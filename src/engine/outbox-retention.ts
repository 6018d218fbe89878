import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { defineJobType } from './jobs.ts';
import { defineSchedule } from './schedules.ts';

/**
 * The outbox does not grow for ever: a processed message is kept SKLAD_OUTBOX_RETENTION_DAYS
 * (7 by default) for the traces and support, then removed in slices, as api_calls are. Pending
 * and dead messages are never removed: a dead one waits for support to retry it.
 */

const SLICE = 10_000;

export async function deleteProcessedOutbox(ex: Executor, days: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const gone = await rows<{ id: number }>(
      ex,
      sql`
      delete from outbox where id in (
        select id from outbox where processed_at < now() - make_interval(secs => ${days} * 86400.0) order by id limit ${SLICE})
      returning id`,
    );
    deleted += gone.length;
    if (gone.length < SLICE) return deleted;
  }
}

export interface OutboxBacklog {
  topic: string;
  /** Waiting or being retried. */
  pending: number;
  dead: number;
  /** When the oldest pending message was written (ISO), or null. */
  oldest_pending_at: string | null;
}

/** Per topic, what has not gone through: the dashboard shows it. */
export async function outboxBacklog(ex: Executor): Promise<OutboxBacklog[]> {
  return rows<OutboxBacklog>(
    ex,
    sql`
    select topic, count(*) filter (where dead_at is null)::int as pending, count(*) filter (where dead_at is not null)::int as dead,
           iso(min(created_at) filter (where dead_at is null)) as oldest_pending_at
      from outbox where processed_at is null group by topic order by topic`,
  );
}

/** The engine's own periodic work, wired in src/assembly.ts. */
export function registerEngineJobs() {
  defineJobType('engine.outbox_cleanup', async ({ hub }) => {
    const deleted = await deleteProcessedOutbox(hub.db, hub.config.SKLAD_OUTBOX_RETENTION_DAYS);
    hub.logger.info({ deleted, days: hub.config.SKLAD_OUTBOX_RETENTION_DAYS }, 'processed outbox messages removed');
    return { deleted };
  });
  defineSchedule({ name: 'engine.outbox_cleanup', jobType: 'engine.outbox_cleanup', cron: '41 * * * *' });
}
