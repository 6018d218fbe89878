import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assembleSklad } from '../assembly.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { registerDeliveryFlow } from './flow.ts';
import { cdekKeys, cdekOrdersOf, startDeliveryFixture, unthrottledModules, type DeliveryFixture } from './testing.ts';

/**
 * CDEK misbehaving: 30 % of its answers faulty (5xx, 429, time-outs, answers lost after it
 * acted, broken bodies), a token expiring, an answer of the wrong shape, keys refused. Every
 * package still ends with exactly one CDEK order and its waybill; every failed attempt is an
 * outbox_errors row; nothing crashes.
 */

const PACKAGES = 16;
/** Shorter than the simulator's slow answers, so a slow create is an answer lost after CDEK made the order. */
const TIMEOUT_MS = 700;

beforeAll(() => {
  assembleSklad(unthrottledModules());
  registerDeliveryFlow({ requestTimeoutMs: TIMEOUT_MS });
});
afterAll(() => assembleSklad());

describeEachDatabase('the delivery flow when CDEK fails', (t) => {
  let hub: Hub;
  let f: DeliveryFixture;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    hub = channelsHub(t.database);
    f = await startDeliveryFixture(hub);
    stop = startWorkers(hub, { concurrency: 4, pollMs: 20 });
  });
  afterAll(async () => {
    await stop?.();
    await f?.close();
  });

  const packages = () =>
    rows<{ id: number; number: string; state: string; waybill_url: string | null }>(
      hub.db,
      sql`select id, number, state, waybill_url from packages order by id`,
    );
  const errorsOf = (topic: string) =>
    rows<{ error: string; http_status: number | null }>(
      hub.db,
      sql`select error, http_status from outbox_errors where job_type = ${`outbox:${topic}`} order by id`,
    );

  test('with 30 % of answers faulty and three creates answered too late, every package has exactly one CDEK order and a waybill', async () => {
    f.cdek.faults.set({
      rate: 0.3,
      kinds: ['500', '502', '503', '429', 'timeout', 'slow', 'malformed'],
      slowMs: TIMEOUT_MS + 600,
      retryAfterSeconds: 1,
    });
    // The first three creates: CDEK makes the order, the answer comes after Sklad stopped waiting.
    f.cdek.faults.next('slow', 3, ['/v2/orders']);
    // …and the fourth is refused by a CDEK in trouble.
    f.cdek.faults.next('500', 1, ['/v2/orders']);
    for (let i = 0; i < PACKAGES; i++) f.addPosting(i);
    await runConnectorJob(hub, f.ozonId, 'postings');
    expect(await packages()).toHaveLength(PACKAGES);

    await waitFor('every waybill', async () => (await packages()).every((p) => p.waybill_url), 150_000);
    f.cdek.faults.set(null);
    for (const p of await packages()) {
      expect(cdekOrdersOf(f.cdek, p.number).live, p.number).toBe(1);
      // A retry that went out before CDEK acted on a create whose answer was lost (the lookup found nothing yet):
      // CDEK refuses that second one for its number, and the package keeps the order that holds it.
      const refused = f.cdek.state.orders().filter((o) => o.body.number === p.number && o.request.state === 'INVALID');
      for (const o of refused)
        expect(
          o.request.errors?.map((e) => e.code),
          p.number,
        ).toEqual(['error_validate_im_dep_number_has_already_had_integration']);
      const [held] = await rows<{ delivery_uuid: string }>(
        hub.db,
        sql`select delivery_uuid from packages where id = ${p.id}`,
      );
      expect(f.cdek.state.order(held.delivery_uuid)?.request.state, p.number).toBe('SUCCESSFUL');
    }

    const lost = f.cdek.log.filter((e) => e.method === 'POST' && e.path === '/v2/orders' && e.fault === 'slow');
    expect(lost.length).toBeGreaterThanOrEqual(3);
    // Each lost answer was found again by our number, not made twice.
    const lookups = f.cdek.log.filter((e) => e.path === '/v2/orders' && e.method === 'GET' && e.status === 200);
    expect(lookups.length).toBeGreaterThanOrEqual(3);

    const errors = await errorsOf('ProcessDeliveryJob');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => /timed out/.test(e.error))).toBe(true);
    // The attempt CDEK refused keeps its status and CDEK's code and words.
    expect(errors).toContainEqual({
      http_status: 500,
      error: expect.stringMatching(/POST .*\/v2\/orders failed: HTTP 500: v2_internal_error: Internal server error/),
    });
    const [{ dead }] = await rows<{ dead: number }>(
      hub.db,
      sql`select count(*)::int as dead from outbox where topic in ('ProcessDeliveryJob', 'GenerateDeliveryDocumentsJob') and dead_at is not null`,
    );
    expect(dead).toBe(0);
    const states = await rows<{ delivery_state: string }>(
      hub.db,
      sql`select distinct o.delivery_state from orders o join packages p on p.order_id = o.id`,
    );
    expect(states).toEqual([{ delivery_state: 'sent' }]);
  }, 180_000);

  test('an answer of an unexpected shape is a recorded error, and the next look goes on', async () => {
    const before = (await errorsOf('ProcessDeliveryJob')).length;
    f.cdek.malformNext({ path: '/v2/orders/', method: 'GET', field: 'requests' });
    const posting = f.addPosting(100);
    await runConnectorJob(hub, f.ozonId, 'postings');
    await waitFor(
      'the waybill',
      async () =>
        (
          await rows(
            hub.db,
            sql`select 1 from packages where posting_number = ${posting.postingNumber} and waybill_url is not null`,
          )
        ).length > 0,
    );
    // This test's failures only (a retried attempt of the faults above may land in between).
    const errors = (await errorsOf('ProcessDeliveryJob')).slice(before);
    expect(errors.map((e) => e.error)).toContainEqual(
      expect.stringMatching(/CDEK answered GET \/v2\/orders\/\{uuid\} in an unexpected shape: .*requests/),
    );
  });

  test('an expired token is renewed once; keys CDEK refuses turn the account needs_reauth, and the event says why', async () => {
    f.cdek.state.expireTokens();
    const renewed = f.addPosting(101);
    await runConnectorJob(hub, f.ozonId, 'postings');
    await waitFor(
      'the waybill',
      async () =>
        (
          await rows(
            hub.db,
            sql`select 1 from packages where posting_number = ${renewed.postingNumber} and waybill_url is not null`,
          )
        ).length > 0,
    );
    expect(f.cdek.log.some((e) => e.status === 401)).toBe(true);

    f.cdek.state.clients.set(cdekKeys.clientId, 'changed-by-the-seller');
    f.cdek.state.expireTokens();
    const refused = f.addPosting(102);
    await runConnectorJob(hub, f.ozonId, 'postings');
    const [account] = await waitFor('needs_reauth', () =>
      rows<{ status: string; status_reason: string }>(
        hub.db,
        sql`select status, status_reason from channel_accounts where id = ${f.cdekId} and status = 'needs_reauth'`,
      ).then((r) => (r.length ? r : null)),
    );
    expect(account.status_reason).toMatch(/CDEK/);
    const [p] = await rows<{ id: number; state: string }>(
      hub.db,
      sql`select id, state from packages where posting_number = ${refused.postingNumber}`,
    );
    expect(p.state).toBe('new');
    const [error] = await waitFor('the failed attempt', () =>
      rows<{ error: string }>(
        hub.db,
        sql`select e.error from outbox_errors e join outbox o on o.id = e.outbox_id where o.key = ${`Package:${p.id}`}`,
      ).then((r) => (r.length ? r : null)),
    );
    expect(error.error).toMatch(/CredentialsRejected|refused/);
  });
});
