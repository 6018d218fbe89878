import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assembleSklad } from '../assembly.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { cdekMethod, refusedTown, startDeliveryFixture, unthrottledModules, type DeliveryFixture } from './testing.ts';

/**
 * The delivery API as support uses it: the link, finding a package by any of its numbers, its
 * events and errors, fixing and retrying, marking made by hand; 404s naming the id, 409s
 * saying why, and each action in `operations` with the key that did it.
 */

beforeAll(() => assembleSklad(unthrottledModules()));
afterAll(() => assembleSklad());

describeEachDatabase('the delivery API', (t) => {
  let server: TestServer;
  let f: DeliveryFixture;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    server = await startTestServer(t.database);
    f = await startDeliveryFixture(server.hub);
    stop = startWorkers(server.hub, { concurrency: 2, pollMs: 20 });
  });
  afterAll(async () => {
    await stop?.();
    await f?.close();
    await server?.close();
  });

  const packageOf = async (q: string) =>
    (await server.api(`/api/v1/packages?q=${encodeURIComponent(q)}`)).body.items[0];
  const until = (q: string, done: (p: any) => boolean) =>
    waitFor(
      `package ${q}`,
      async () => {
        const p = await packageOf(q);
        return p && done(p) ? p : null;
      },
      30_000,
    );

  test('PUT /delivery-links: sets the link with the key as actor; 404 names the account; a shop account is not a carrier', async () => {
    const put = (id: number, json: unknown) => server.api(`/api/v1/delivery-links/${id}`, { method: 'PUT', json });
    const link = await put(f.ozonId, {
      delivery_account_id: f.cdekId,
      methods: [String(cdekMethod.id)],
      defaults: { weight_grams: 700, length_cm: 25, width_cm: 20, height_cm: 10, phone: '+79990001122' },
    });
    expect(link.status).toBe(200);
    expect(link.body).toMatchObject({
      account_id: f.ozonId,
      delivery_account_id: f.cdekId,
      number_prefix: 'OZ-',
      defaults: { weight_grams: 700 },
    });
    const [op] = await rows<{ actor: string }>(
      server.hub.db,
      sql`select actor from operations where entity_type = 'delivery_link' and entity_id = ${String(f.ozonId)} order by id desc limit 1`,
    );
    expect(op.actor).toBe('test-admin');

    const missing = await put(987_654, { delivery_account_id: f.cdekId });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('987654');
    const notCarrier = await put(f.ozonId, { delivery_account_id: f.ozonId });
    expect(notCarrier.status).toBe(409);
    expect(notCarrier.body.error).toMatchObject({ code: 'NOT_A_DELIVERY_ACCOUNT', details: { channel: 'ozon' } });
    expect((await put(f.ozonId, { delivery_account_id: f.cdekId, methods: 'all' })).status).toBe(400);
    expect(
      (await server.api('/api/v1/delivery-links')).body.items.map((l: { account_id: number }) => l.account_id),
    ).toContain(f.ozonId);
  });

  test('a refused package: found by OZ-… and by posting number, its events and CDEK’s error; fixed through the API it is made, found by the CDEK number', async () => {
    const posting = f.addPosting(0, {
      customer: {
        id: 1,
        name: 'Олег',
        address: {
          country: 'Россия',
          region: refusedTown.region,
          city: refusedTown.city,
          addressTail: refusedTown.address,
          zipCode: '689400',
        },
      },
    });
    await runConnectorJob(server.hub, f.ozonId, 'postings');
    const number = `OZ-${posting.postingNumber}`;
    const refused = await until(number, (p) => p.state === 'invalid');
    expect((await packageOf(posting.postingNumber)).id).toBe(refused.id);

    const shown = await server.api(`/api/v1/packages/${refused.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.events[0]).toMatchObject({ name: `ProcessDeliveryJob:Package:${refused.id}`, state: 'dead' });
    expect(shown.body.events[0].errors[0].error).toContain('Певек');
    expect(shown.body.recipient).toMatchObject({ phone: '+79990001122' });

    const noFix = await server.api(`/api/v1/packages/${refused.id}/retry`, {
      method: 'POST',
      json: { address: { countryCode: 'Russia' } },
    });
    expect(noFix.status).toBe(400);
    const retried = await server.api(`/api/v1/packages/${refused.id}/retry`, {
      method: 'POST',
      json: { address: { city: 'Анадырь', address: 'ул. Отке, д. 4' } },
    });
    expect(retried.status).toBe(200);
    expect(retried.body.state).toBe('new');
    const again = await server.api(`/api/v1/packages/${refused.id}/retry`, { method: 'POST' });
    // Whatever moment it meets: on its way, held by a worker, or made already.
    expect(again.status).toBe(409);
    expect(again.body.error.code).toMatch(/^PACKAGE_(IN_FLIGHT|BUSY|ALREADY_MADE)$/);

    const made = await until(number, (p) => !!p.waybill_url);
    expect((await packageOf(made.tracking_number)).id).toBe(made.id);
    const done = await server.api(`/api/v1/packages/${made.id}/retry`, { method: 'POST' });
    expect(done.status).toBe(409);
    expect(done.body.error).toMatchObject({
      code: 'PACKAGE_ALREADY_MADE',
      details: { number, tracking_number: made.tracking_number },
    });
  });

  test('made by hand: a CDEK number recorded, 409 a second time, readonly keys refused; 404 names the package', async () => {
    const posting = f.addPosting(1, {
      customer: {
        id: 2,
        name: 'Пётр',
        address: {
          country: 'Россия',
          region: refusedTown.region,
          city: refusedTown.city,
          addressTail: refusedTown.address,
          zipCode: '689400',
        },
      },
    });
    await runConnectorJob(server.hub, f.ozonId, 'postings');
    const refused = await until(posting.postingNumber, (p) => p.state === 'invalid');
    const readonly = await server.keyFor('readonly');
    expect(
      (
        await server.api(`/api/v1/packages/${refused.id}/made-by-hand`, {
          method: 'POST',
          json: { cdekNumber: '1107000001' },
          key: readonly,
        })
      ).status,
    ).toBe(403);
    expect((await server.api(`/api/v1/packages/${refused.id}/made-by-hand`, { method: 'POST', json: {} })).status).toBe(
      400,
    );

    const marked = await server.api(`/api/v1/packages/${refused.id}/made-by-hand`, {
      method: 'POST',
      json: { cdekNumber: '1107000001' },
    });
    expect(marked.status).toBe(200);
    expect(marked.body).toMatchObject({ state: 'made', made_by_hand: true, tracking_number: '1107000001' });
    const twice = await server.api(`/api/v1/packages/${refused.id}/made-by-hand`, {
      method: 'POST',
      json: { tracking_number: '1107000002' },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('PACKAGE_ALREADY_MADE');
    const [op] = await rows<{ actor: string; changes: any }>(
      server.hub.db,
      sql`
      select actor, changes from operations where entity_type = 'package' and entity_id = ${String(refused.id)} and action = 'made-by-hand'`,
    );
    expect(op).toMatchObject({ actor: 'test-admin', changes: { tracking_number: { after: '1107000001' } } });
    const [order] = await rows<{ delivery_state: string; delivery_id: string }>(
      server.hub.db,
      sql`select delivery_state, delivery_id from orders where id = ${refused.order_id}`,
    );
    expect(order).toEqual({ delivery_state: 'sent', delivery_id: '1107000001' });

    const none = await server.api('/api/v1/packages/999999');
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe('Package 999999 does not exist');
    expect((await server.api('/api/v1/packages/999999/retry', { method: 'POST' })).status).toBe(404);
    expect((await server.api('/api/v1/packages?q=OZ-nothing')).body).toMatchObject({ items: [], total: 0 });
  });
});
