import { sql, type SQL } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';

/**
 * What `/metrics` says (Prometheus). The process's own: Node's defaults, HTTP durations and the
 * rate-limit waits this process's requests made. The system's, read from the database at scrape
 * time, one query each, so every process that serves /metrics answers the same and a worker's
 * work is seen from the API: jobs by type and state, the oldest ready job's wait, the outbox
 * backlog and dead messages per topic (its consumer), failed sync runs per channel, requests
 * waiting on a rate limit now, and notifications by outcome. docs/grafana/sklad.json draws them.
 */

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

export const httpMetrics = new Histogram({
  name: 'sklad_http_request_duration_seconds',
  help: 'HTTP requests served, by method and status',
  labelNames: ['method', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [metricsRegistry],
});

/** Counted by the channels' HTTP client each time a request waits for its token bucket. */
export const rateLimitWaits = new Counter({
  name: 'sklad_rate_limit_waits_total',
  help: 'Requests to channels that waited for their rate limit in this process, per limit group ("account": the account’s own bucket)',
  labelNames: ['group'],
  registers: [metricsRegistry],
});

export const rateLimitWaitSeconds = new Counter({
  name: 'sklad_rate_limit_wait_seconds_total',
  help: 'Seconds requests to channels waited for their rate limit in this process, per limit group',
  labelNames: ['group'],
  registers: [metricsRegistry],
});

type Row = Record<string, string | number | null>;

/** A gauge set from one query at every scrape: each row's `value`, labelled by its other columns. */
function dbGauge(hub: Hub, registry: Registry, name: string, help: string, labelNames: string[], query: SQL) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const row of await rows<Row>(hub.db, query)) {
          const labels = Object.fromEntries(labelNames.map((l) => [l, String(row[l] ?? '')]));
          this.set(labels, Number(row.value ?? 0));
        }
      } catch (err) {
        hub.logger.warn({ err, metric: name }, 'metrics: could not read the database');
      }
    },
  });
}

/** The database's gauges for this hub (src/http/app.ts serves them after the process's own). */
export function databaseMetrics(hub: Hub): Registry {
  const registry = new Registry();
  dbGauge(
    hub,
    registry,
    'sklad_jobs',
    'Jobs by type and state (queued, running, failed = waiting for a retry, dead, succeeded, cancelled)',
    ['type', 'state'],
    sql`
    select type, status as state, count(*)::int as value from jobs group by type, status`,
  );
  dbGauge(
    hub,
    registry,
    'sklad_jobs_oldest_waiting_seconds',
    'How long the oldest job ready to run has waited for a worker, per type',
    ['type'],
    sql`
    select type, extract(epoch from now() - min(run_at))::float8 as value
      from jobs where status in ('queued', 'failed') and run_at <= now() group by type`,
  );
  dbGauge(
    hub,
    registry,
    'sklad_outbox_backlog',
    'Outbox messages not processed yet (waiting or being retried), per topic (its consumer)',
    ['topic'],
    sql`
    select topic, count(*)::int as value from outbox where processed_at is null and dead_at is null group by topic`,
  );
  dbGauge(
    hub,
    registry,
    'sklad_outbox_dead',
    'Outbox messages their consumer gave up on (support retries them), per topic',
    ['topic'],
    sql`
    select topic, count(*)::int as value from outbox where processed_at is null and dead_at is not null group by topic`,
  );
  dbGauge(
    hub,
    registry,
    'sklad_sync_runs_failed',
    'Sync runs that failed, per channel (all kept; increase() gives the recent ones)',
    ['channel'],
    sql`
    select coalesce(a.channel, 'none') as channel, count(*)::int as value
      from sync_runs s left join channel_accounts a on a.id = s.account_id where s.status = 'failed' group by a.channel`,
  );
  dbGauge(
    hub,
    registry,
    'sklad_rate_limit_waiting_seconds',
    'How long the next request of a rate-limit bucket must wait now (0 when none waits), per channel and group',
    ['channel', 'group'],
    sql`
    select a.channel, case when b.limit_group = '' then 'account' else b.limit_group end as "group",
           max(greatest(0, -(b.tokens + extract(epoch from clock_timestamp() - b.updated_at) * b.refill_per_second)) / nullif(b.refill_per_second, 0))::float8 as value
      from rate_buckets b join channel_accounts a on a.id = b.account_id group by a.channel, b.limit_group`,
  );
  dbGauge(
    hub,
    registry,
    'sklad_notifications',
    'Notification deliveries by state (sent, failed, uncertain, pending, sending)',
    ['state'],
    sql`
    select status as state, count(*)::int as value from deliveries group by status`,
  );
  return registry;
}
