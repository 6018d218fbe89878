import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../config.ts';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { createSession, SESSION_COOKIE } from '../web/session.ts';
import { enqueueJob } from './jobs.ts';
import { addManyToOutbox, addToOutbox } from './outbox.ts';
import { defineOutboxConsumer, outboxConsumers } from './outbox-consumer.ts';
import { deleteProcessedOutbox, outboxBacklog } from './outbox-retention.ts';
import { waitFor } from './test-fixtures/wait.ts';
import { startWorkers } from './worker.ts';

/**
 * Nothing left behind in the outbox (issue 19: order.created rows no consumer took grew without
 * end): a topic without a consumer is never written, processed messages go after
 * SKLAD_OUTBOX_RETENTION_DAYS in slices, pending and dead ones stay, and the dashboard shows
 * the backlog.
 */

describeEachDatabase('the outbox’s retention', (t) => {
  let server: TestServer;
  const topic = `test.retention.${t.kind}`;
  defineOutboxConsumer(topic, () => undefined);

  beforeAll(async () => {
    const config = {
      ...loadConfig({
        SKLAD_DATA_DIR: '/tmp/sklad-test',
        LOG_LEVEL: 'silent',
        SKLAD_OUTBOX_RETENTION_DAYS: '3',
      } as NodeJS.ProcessEnv),
    };
    server = await startTestServer(t.database, { config });
  });
  afterAll(() => server.close());

  const count = async (where: ReturnType<typeof sql>) =>
    (
      await rows<{ n: number }>(
        server.hub.db,
        sql`select count(*)::int as n from outbox where topic = ${topic} and ${where}`,
      )
    )[0].n;

  test('every topic Sklad writes has a consumer; a topic without one is refused, not stored', async () => {
    const topics = outboxConsumers().map((c) => c.topic);
    for (const written of ['stock.changed', 'order.created', 'order.changed', 'crm.export'])
      expect(topics).toContain(written);
    await expect(
      server.hub.db.transaction((tx) => addToOutbox(tx, { topic: 'nobody.reads.this', key: 1 })),
    ).rejects.toThrow(/No outbox consumer/);
    await expect(server.hub.db.transaction((tx) => addManyToOutbox(tx, 'nobody.reads.this', [1, 2]))).rejects.toThrow(
      /No outbox consumer/,
    );
    expect(await rows(server.hub.db, sql`select id from outbox where topic = 'nobody.reads.this'`)).toEqual([]);
  });

  test('processed messages older than the retention go, in slices; recent, pending and dead ones stay', async () => {
    // 25,000 processed ten days ago (three slices), 5 processed yesterday, 4 pending and 3 dead from long ago.
    await server.hub.db.execute(sql`
      insert into outbox (topic, key, created_at, processed_at)
      select ${topic}, 'old-' || n, now() - interval '11 days', now() - interval '10 days' from generate_series(1, 25000) n`);
    await server.hub.db.execute(sql`
      insert into outbox (topic, key, created_at, processed_at)
      select ${topic}, 'recent-' || n, now() - interval '1 day', now() - interval '1 day' from generate_series(1, 5) n`);
    await server.hub.db.execute(sql`
      insert into outbox (topic, key, created_at, available_at)
      select ${topic}, 'pending-' || n, now() - interval '30 days', now() + interval '1 day' from generate_series(1, 4) n`);
    await server.hub.db.execute(sql`
      insert into outbox (topic, key, created_at, dead_at, last_error)
      select ${topic}, 'dead-' || n, now() - interval '30 days', now() - interval '29 days', 'refused' from generate_series(1, 3) n`);

    expect(await deleteProcessedOutbox(server.hub.db, 3)).toBe(25_000);
    expect(await count(sql`key like 'old-%'`)).toBe(0);
    expect(await count(sql`key like 'recent-%'`)).toBe(5);
    expect(await count(sql`key like 'pending-%'`)).toBe(4);
    expect(await count(sql`key like 'dead-%'`)).toBe(3);
    expect(await deleteProcessedOutbox(server.hub.db, 3)).toBe(0);
  });

  test('the scheduled job removes them with the configured retention', async () => {
    await server.hub.db.execute(
      sql`update outbox set processed_at = now() - interval '4 days' where topic = ${topic} and key = 'recent-1'`,
    );
    expect(server.hub.config.SKLAD_OUTBOX_RETENTION_DAYS).toBe(3);
    const { id } = await enqueueJob(server.hub.db, { type: 'engine.outbox_cleanup' });
    const stop = startWorkers(server.hub, { types: ['engine.outbox_cleanup'], pollMs: 10 });
    try {
      await waitFor(
        'the cleanup',
        async () =>
          (await rows<{ status: string }>(server.hub.db, sql`select status from jobs where id = ${id}`))[0].status ===
          'succeeded',
      );
    } finally {
      await stop();
    }
    const [job] = await rows<{ result: { deleted: number } }>(
      server.hub.db,
      sql`select result from jobs where id = ${id}`,
    );
    expect(job.result.deleted).toBe(1);
    expect(await count(sql`key like 'recent-%'`)).toBe(4);
  });

  test('the backlog per topic, and on the dashboard', async () => {
    const mine = (await outboxBacklog(server.hub.db)).find((b) => b.topic === topic);
    expect(mine).toMatchObject({ pending: 4, dead: 3, oldest_pending_at: expect.any(String) });
    const session = await createSession(t.database, server.adminKey);
    if (!session || session === 'bot') throw new Error('no session');
    const html = await (
      await fetch(`${server.baseUrl}/`, { headers: { cookie: `${SESSION_COOKIE}=${session.id}` } })
    ).text();
    const total = await outboxBacklog(server.hub.db);
    const stat = (name: string) => new RegExp(`data-stat="${name}"><b>([^<]+)</b>`).exec(html)?.[1];
    expect(Number(stat('outbox-pending')?.replace(/\D/g, ''))).toBe(total.reduce((n, b) => n + b.pending, 0));
    expect(Number(stat('outbox-dead')?.replace(/\D/g, ''))).toBe(total.reduce((n, b) => n + b.dead, 0));
  });
});
