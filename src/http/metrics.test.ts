import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createTelegramSimulator } from '../../simulators/telegram/server.ts';
import { createGenericAccount } from '../channels/core/testing.ts';
import { takeToken } from '../channels/core/http-client.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import { defineJobType, enqueueJob } from '../engine/jobs.ts';
import { addManyToOutbox } from '../engine/outbox.ts';
import { defineOutboxConsumer } from '../engine/outbox-consumer.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { startNotifications } from '../notifications/runtime.ts';

/** `/metrics` carries what an operator pages on, read from the database at scrape time, on either database. */
describeEachDatabase('/metrics: jobs, outbox, sync failures, rate limits and notifications', (t) => {
  let server: TestServer;
  const tg = createTelegramSimulator();
  let simulator: { url: string; close(): Promise<void> };
  let stop: () => Promise<void>;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    simulator = await tg.listen();
    stop = await startNotifications(server.hub, {
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: simulator.url,
      TELEGRAM_BOT: '0',
      NOTIFY_DETECT_SECONDS: '3600',
    } as NodeJS.ProcessEnv);
  });
  afterAll(async () => {
    await stop?.();
    await simulator?.close();
    await server?.close();
  });

  /** Each sample of a metric: its labels as written and its value. */
  const samples = (text: string, name: string) =>
    [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm'))].map((m) => ({
      labels: m[1] ?? '',
      value: Number(m[2]),
    }));
  const value = (text: string, name: string, labels: string) =>
    samples(text, name).find((s) => s.labels === labels)?.value;

  test('each metric is there with values that match what happened', async () => {
    const db = server.hub.db;
    defineJobType('metrics-test.idle', () => undefined);
    // Two jobs waiting for a minute and a dead one: no worker runs in this test.
    for (let i = 0; i < 2; i++)
      await enqueueJob(db, { type: 'metrics-test.idle', runAt: new Date(Date.now() - 60_000) });
    const dead = await enqueueJob(db, { type: 'metrics-test.idle' });
    await db.execute(sql`update jobs set status = 'dead', finished_at = now() where id = ${dead.id}`);
    // Three outbox messages of a topic, one given up on.
    // A consumer no worker runs here (none is started).
    defineOutboxConsumer('metrics-test.topic', () => undefined);
    await addManyToOutbox(db, 'metrics-test.topic', [0, 1, 2]);
    await db.execute(
      sql`update outbox set dead_at = now(), last_error = 'refused' where topic = 'metrics-test.topic' and key = '0'`,
    );
    // A failed sync run of a generic account.
    const accountId = await createGenericAccount(server.hub, {
      name: 'Метрики',
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'generic-key-metrics-0001',
    });
    await withSyncRun(server.hub, { type: 'channels.sync', accountId }, async () => {
      throw new Error('the channel said no');
    }).catch(() => undefined);
    // Two requests through a bucket of one: the second waits for its token.
    const limits = { pushBatchSize: 1, requestsPerSecond: 5, burst: 1, maxConcurrent: 1 };
    await takeToken(db, accountId, limits);
    await takeToken(db, accountId, limits);
    // One notification sent, one refused by Telegram (a chat it does not know).
    tg.state.addUser({ id: 620_001 });
    for (const telegram_id of [620_001, 620_002])
      await server.api('/users/', { method: 'POST', json: { telegram_id } });
    expect(
      (
        await server.api('/api/v1/notifications/test?telegram_id=620001', {
          method: 'POST',
          json: { notification_type: 'new_order' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await server.api('/api/v1/notifications/test?telegram_id=620002', {
          method: 'POST',
          json: { notification_type: 'new_order' },
        })
      ).status,
    ).toBe(502);

    const res = await fetch(`${server.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'sklad_jobs',
      'sklad_jobs_oldest_waiting_seconds',
      'sklad_outbox_backlog',
      'sklad_outbox_dead',
      'sklad_sync_runs_failed',
      'sklad_rate_limit_waits_total',
      'sklad_rate_limit_wait_seconds_total',
      'sklad_rate_limit_waiting_seconds',
      'sklad_notifications',
      'sklad_http_request_duration_seconds_count',
    ]) {
      expect(samples(text, name).length, name).toBeGreaterThan(0);
    }
    expect(value(text, 'sklad_jobs', '{type="metrics-test.idle",state="queued"}')).toBe(2);
    expect(value(text, 'sklad_jobs', '{type="metrics-test.idle",state="dead"}')).toBe(1);
    const oldest = value(text, 'sklad_jobs_oldest_waiting_seconds', '{type="metrics-test.idle"}')!;
    expect(oldest).toBeGreaterThanOrEqual(59);
    expect(oldest).toBeLessThan(3_600);
    expect(value(text, 'sklad_outbox_backlog', '{topic="metrics-test.topic"}')).toBe(2);
    expect(value(text, 'sklad_outbox_dead', '{topic="metrics-test.topic"}')).toBe(1);
    expect(value(text, 'sklad_sync_runs_failed', '{channel="generic"}')).toBe(1);
    expect(value(text, 'sklad_rate_limit_waits_total', '{group="account"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'sklad_rate_limit_wait_seconds_total', '{group="account"}')).toBeGreaterThan(0);
    const waiting = value(text, 'sklad_rate_limit_waiting_seconds', '{channel="generic",group="account"}')!;
    expect(waiting).toBeGreaterThanOrEqual(0);
    expect(waiting).toBeLessThanOrEqual(0.2);
    expect(value(text, 'sklad_notifications', '{state="sent"}')).toBe(1);
    expect(value(text, 'sklad_notifications', '{state="failed"}')).toBe(1);

    // The Grafana dashboard (docs/grafana/sklad.json) asks only for metrics that are there.
    const dashboard = JSON.parse(fs.readFileSync(new URL('../../docs/grafana/sklad.json', import.meta.url), 'utf8'));
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(dashboard.templating.list.map((v: { name: string; type: string }) => `${v.name}:${v.type}`)).toContain(
      'datasource:datasource',
    );
    const asked = new Set(JSON.stringify(dashboard.panels).match(/sklad_[a-z_]+/g));
    expect(asked.size).toBeGreaterThanOrEqual(10);
    for (const name of asked) expect(samples(text, name).length, `the dashboard's ${name}`).toBeGreaterThan(0);
  }, 60_000);
});
