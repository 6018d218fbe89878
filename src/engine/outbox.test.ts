import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { testHub } from '../test/server.ts';
import { JobError, PermanentJobError } from './jobs.ts';
import { addManyToOutbox } from './outbox.ts';
import { claimOutbox, defineOutboxConsumer, markProcessed } from './outbox-consumer.ts';
import { waitFor } from './test-fixtures/wait.ts';
import { startWorkers } from './worker.ts';

describeEachDatabase('outbox consumers answering per message', (t) => {
  let hub: Hub;
  let stop: () => Promise<void>;
  const topic = `test.per-message.${t.kind}`;
  const seen = new Map<string, number>();

  // Key "ok-*" succeeds, "flaky-*" fails twice then succeeds, "bad-*" fails permanently,
  // "down-*" always fails (dead after 3), "wait-*" is put off twice without failing.
  defineOutboxConsumer(
    topic,
    (_hub, messages) => {
      const failed: { id: number; error: unknown }[] = [];
      const later: { id: number; delayMs: number }[] = [];
      for (const m of messages) {
        const n = (seen.get(m.key) ?? 0) + 1;
        seen.set(m.key, n);
        if (m.key.startsWith('flaky') && n <= 2)
          failed.push({ id: m.id, error: new JobError(`flaky ${n}`, { httpStatus: 503 }) });
        if (m.key.startsWith('bad'))
          failed.push({
            id: m.id,
            error: new PermanentJobError('the CRM refused the deal: bad currency', { httpStatus: 400 }),
          });
        if (m.key.startsWith('down')) failed.push({ id: m.id, error: new JobError('down', { httpStatus: 502 }) });
        if (m.key.startsWith('wait') && n <= 2) later.push({ id: m.id, delayMs: 10 });
      }
      return { failed, later };
    },
    { batchSize: 10, backoffMs: 5, maxAttempts: 3 },
  );

  beforeAll(async () => {
    hub = testHub(t.database);
    await hub.db.transaction((tx) =>
      addManyToOutbox(tx, topic, ['ok-1', 'ok-2', 'flaky-1', 'bad-1', 'down-1', 'wait-1']),
    );
    stop = startWorkers(hub, { types: [`outbox:${topic}`], pollMs: 10 });
  });
  afterAll(async () => stop?.());

  test('each message ends on its own: done, retried, dead at once when permanent, dead after its attempts', async () => {
    type Row = {
      key: string;
      processed: boolean;
      dead: boolean;
      attempts: number;
      last_error: string | null;
      errors: number;
    };
    const state = () =>
      rows<Row>(
        hub.db,
        sql`select o.key, o.processed_at is not null as processed, o.dead_at is not null as dead, o.attempts, o.last_error,
                   (select count(*)::int from outbox_errors e where e.outbox_id = o.id) as errors
              from outbox o where o.topic = ${topic} order by o.key`,
      );
    await waitFor('every message done or dead', async () => (await state()).every((r) => r.processed || r.dead));
    const byKey = Object.fromEntries((await state()).map((r) => [r.key, r]));
    expect(byKey['ok-1']).toMatchObject({ processed: true, dead: false, errors: 0, attempts: 1 });
    expect(byKey['flaky-1']).toMatchObject({ processed: true, dead: false, errors: 2, attempts: 3 });
    expect(byKey['bad-1']).toMatchObject({ processed: false, dead: true, errors: 1, attempts: 1 });
    expect(byKey['bad-1'].last_error).toMatch(/bad currency/);
    expect(byKey['down-1']).toMatchObject({ processed: false, dead: true, errors: 3, attempts: 3 });
    // Put off twice, done at the third look: being put off is no attempt and no error.
    expect(byKey['wait-1']).toMatchObject({ processed: true, dead: false, errors: 0, attempts: 1 });
    expect(seen.get('wait-1')).toBe(3);
    const [status] = await rows<{ http_status: number }>(
      hub.db,
      sql`select e.http_status from outbox_errors e join outbox o on o.id = e.outbox_id where o.topic = ${topic} and o.key = 'bad-1'`,
    );
    expect(status.http_status).toBe(400);
  });
});

describeEachDatabase('a lingering outbox topic', (t) => {
  let hub: Hub;
  const topic = `test.linger.${t.kind}`;
  // Handled by the claims below, never by a worker.
  const consumer = defineOutboxConsumer(topic, () => undefined, { batchSize: 100, lingerMs: 300 });
  const add = (keys: string[]) => hub.db.transaction((tx) => addManyToOutbox(tx, topic, keys));
  const keys = (claimed: { key: string }[]) => claimed.map((m) => m.key);

  beforeAll(async () => {
    hub = testHub(t.database);
  });

  test('takes a message at once when nothing of the topic is in hand, then gathers while a batch is', async () => {
    await add(['a']);
    const first = await claimOutbox(hub.db, 'w1', consumer);
    expect(keys(first)).toEqual(['a']);
    // 'a' is in hand: 'b' and 'c' wait until the oldest of them has waited the linger.
    await add(['b']);
    expect(await claimOutbox(hub.db, 'w2', consumer)).toEqual([]);
    await add(['c']);
    expect(await claimOutbox(hub.db, 'w2', consumer)).toEqual([]);
    await waitFor('the linger passes', async () => {
      const [row] = await rows<{ old: boolean }>(
        hub.db,
        sql`select min(available_at) <= now() - interval '300 milliseconds' as old
              from outbox where topic = ${topic} and key = 'b'`,
      );
      return row.old;
    });
    expect(keys(await claimOutbox(hub.db, 'w2', consumer))).toEqual(['b', 'c']);
    // Nothing in hand any more: the next message goes at once.
    await markProcessed(
      hub.db,
      [
        ...first,
        ...(await rows<{ id: number }>(
          hub.db,
          sql`select id from outbox where topic = ${topic} and key in ('b', 'c')`,
        )),
      ].map((m) => m.id),
    );
    await add(['d']);
    expect(keys(await claimOutbox(hub.db, 'w3', consumer))).toEqual(['d']);
  });
});
