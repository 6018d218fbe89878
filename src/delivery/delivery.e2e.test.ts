import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { checkCdekAnswer, checkCdekRequest } from '../../simulators/cdek/index.ts';
import { ozonLogistics } from '../../simulators/ozon/state.ts';
import { assembleSklad } from '../assembly.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { getPackage, packageEvents, type PackageRow } from './packages.ts';
import { markMadeByHand, retryPackage } from './support.ts';
import {
  cdekOrdersOf,
  refusedTown,
  startDeliveryFixture,
  unthrottledModules,
  type DeliveryFixture,
} from './testing.ts';

/**
 * Seed 004 §4 end to end, on real HTTP: Ozon CDEK postings imported by the Ozon connector
 * become packages; the workers make each delivery order `OZ-{posting_number}` at the CDEK
 * simulator, wait for SUCCESSFUL and get the waybill. A posting to a town CDEK does not serve
 * is refused (INVALID, CDEK's message in outbox_errors, the event dead at once), fixed and
 * retried; a package missing a phone is listed before anything is sent.
 */

beforeAll(() => assembleSklad(unthrottledModules()));
afterAll(() => assembleSklad());

describeEachDatabase('Ozon → CDEK delivery orders', (t) => {
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

  // Each fixture's Ozon numbers its postings from the same start: a package is found by its shop account too.
  const packageOfPosting = async (posting: string, shop = f) => {
    const [found] = await rows<{ id: number }>(
      hub.db,
      sql`select id from packages where posting_number = ${posting} and account_id = ${shop.ozonId}`,
    );
    return found ? getPackage(hub.db, Number(found.id)) : null;
  };
  /** The package once `done` holds and its outbox events are settled (none waiting or running). */
  const settled = (posting: string, done: (p: PackageRow) => boolean, shop = f) =>
    waitFor(
      `package of ${posting}`,
      async () => {
        const p = await packageOfPosting(posting, shop);
        if (!p || !done(p)) return null;
        const events = await packageEvents(hub.db, p.id);
        return events.every((e) => e.state === 'done' || e.state === 'dead') ? p : null;
      },
      30_000,
    );
  const orderOf = async (id: number) =>
    (
      await rows<{ delivery_state: string; delivery_id: string | null; delivery_error: string | null }>(
        hub.db,
        sql`
      select delivery_state, delivery_id, delivery_error from orders where id = ${id}`,
      )
    )[0];

  test('a CDEK posting becomes a package, its delivery order OZ-… is made, SUCCESSFUL, and gets its waybill; others make none', async () => {
    const byCdek = f.addPosting(0);
    const byOzon = f.addPosting(1, { by: null });
    expect(byOzon.deliveryMethod).toEqual(ozonLogistics);
    await runConnectorJob(hub, f.ozonId, 'postings');

    const made = await settled(byCdek.postingNumber, (p) => !!p.waybill_url);
    expect(made).toMatchObject({
      number: `OZ-${byCdek.postingNumber}`,
      state: 'made',
      made_by_hand: false,
      delivery_status: 'CREATED',
    });
    expect(made.tracking_number).toMatch(/^\d+$/);
    expect(made.recipient).toEqual({ name: 'Покупатель 0', phone: '+79991234567', email: null });
    expect(made.address).toMatchObject({ countryCode: 'RU', city: 'Москва', address: 'ул. Тверская, д. 7, кв. 12' });
    expect(await packageOfPosting(byOzon.postingNumber)).toBeNull();

    // At CDEK: one order under our number, to the buyer's door, the link's parcel, the goods per unit.
    const [order] = f.cdek.state.orders().filter((o) => o.body.number === made.number);
    expect(cdekOrdersOf(f.cdek, made.number)).toEqual({ live: 1, refused: 0 });
    expect(order.cdekNumber).toBe(made.tracking_number);
    expect(order.body.to_location).toMatchObject({ city: 'Москва', country_code: 'RU' });
    expect(order.body.packages[0]).toMatchObject({ weight: 800, length: 30, width: 20, height: 10 });
    expect(order.body.packages[0].items?.[0]).toMatchObject({ ware_key: 'DLV-1', amount: 1 });
    expect(made.waybill_url).toContain(f.cdek.state.prints.values().next().value!.uuid);

    // The events as support searches them, both done; the order sent with CDEK's number, the CRM asked to update the deal.
    const events = await packageEvents(hub.db, made.id);
    expect(events.map((e) => [e.name, e.state])).toEqual([
      [`ProcessDeliveryJob:Package:${made.id}`, 'done'],
      [`GenerateDeliveryDocumentsJob:Package:${made.id}`, 'done'],
    ]);
    const [searched] = await rows<{ n: number }>(
      hub.db,
      sql`select count(*)::int as n from outbox where topic || ':' || key = ${`ProcessDeliveryJob:Package:${made.id}`}`,
    );
    expect(searched.n).toBe(1);
    expect(await orderOf(made.order_id)).toEqual({
      delivery_state: 'sent',
      delivery_id: made.tracking_number,
      delivery_error: null,
    });
    const crm = await rows(
      hub.db,
      sql`select 1 from outbox where topic = 'crm.export' and key = ${String(made.order_id)}`,
    );
    expect(crm.length).toBeGreaterThan(0);

    // A re-import finds the package: no second one, no second delivery order.
    await runConnectorJob(hub, f.ozonId, 'postings');
    const [{ n }] = await rows<{ n: number }>(
      hub.db,
      sql`select count(*)::int as n from packages where posting_number = ${byCdek.postingNumber} and account_id = ${f.ozonId}`,
    );
    expect(n).toBe(1);
    expect(cdekOrdersOf(f.cdek, made.number)).toEqual({ live: 1, refused: 0 });
  });

  test('an unsupported region is INVALID with CDEK’s message, dead at once; fixed and retried it is made, once', async () => {
    const far = f.addPosting(2, {
      customer: {
        id: 99,
        name: 'Олег Иванов',
        address: {
          country: 'Россия',
          region: refusedTown.region,
          city: refusedTown.city,
          addressTail: refusedTown.address,
          zipCode: '689400',
        },
      },
    });
    await runConnectorJob(hub, f.ozonId, 'postings');
    const refused = await settled(far.postingNumber, (p) => p.state === 'invalid');
    expect(refused.error).toMatch(
      /CDEK refused delivery order OZ-.*: v2_entity_invalid: СДЭК не доставляет в населённый пункт «Певек»/,
    );

    const [event] = await packageEvents(hub.db, refused.id);
    expect(event).toMatchObject({ name: `ProcessDeliveryJob:Package:${refused.id}`, state: 'dead', attempts: 1 });
    expect(event.errors).toHaveLength(1);
    expect(event.errors[0]).toMatchObject({ http_status: 422, error: expect.stringContaining('v2_entity_invalid') });
    expect(event.last_error).toContain('Певек');
    const order = await orderOf(refused.order_id);
    expect(order.delivery_state).toBe('send_error');
    expect(order.delivery_error).toContain('Певек');

    // Support fixes the address (delivered to the regional centre instead) and retries.
    const retried = await retryPackage(
      hub,
      refused.id,
      { address: { city: 'Анадырь', address: 'ул. Отке, д. 4', postalCode: '689000' } },
      'support@test',
    );
    expect(retried.state).toBe('new');
    const made = await settled(far.postingNumber, (p) => !!p.waybill_url);
    expect(made.address).toMatchObject({ city: 'Анадырь', region: refusedTown.region });
    expect(cdekOrdersOf(f.cdek, made.number)).toEqual({ live: 1, refused: 1 });
    expect((await orderOf(made.order_id)).delivery_state).toBe('sent');
    const events = await packageEvents(hub.db, made.id);
    expect(events.map((e) => e.state)).toEqual(['dead', 'done', 'done']);
    const [op] = await rows<{ actor: string; changes: Record<string, unknown> }>(
      hub.db,
      sql`
      select actor, changes from operations where entity_type = 'package' and entity_id = ${String(made.id)} and action = 'retry'`,
    );
    expect(op.actor).toBe('support@test');
    expect(op.changes.address).toMatchObject({ after: { city: 'Анадырь' } });
  });

  test('a package missing the phone is listed before sending; nothing goes to CDEK until support fills it in', async () => {
    const g = await startDeliveryFixture(hub, {
      link: { defaults: { weight_grams: 500, length_cm: 20, width_cm: 20, height_cm: 5 } },
    });
    try {
      const posting = g.addPosting(3);
      await runConnectorJob(hub, g.ozonId, 'postings');
      const lacking = await settled(posting.postingNumber, (p) => p.state === 'invalid', g);
      expect(lacking.problems).toEqual([{ field: 'recipient.phone', reason: 'missing' }]);
      expect(lacking.error).toBe(`Delivery order ${lacking.number} was not sent: recipient.phone: missing`);
      expect(g.cdek.log.filter((e) => e.path === '/v2/orders')).toEqual([]);
      await expect(retryPackage(hub, lacking.id, { weight_grams: 900 }, 'support@test')).rejects.toMatchObject({
        code: 'PACKAGE_NOT_SENDABLE',
        status: 422,
      });
      expect((await getPackage(hub.db, lacking.id)).weight_grams).toBe(500);

      await retryPackage(hub, lacking.id, { recipient: { phone: '+7 914 000-11-22' } }, 'support@test');
      const made = await settled(posting.postingNumber, (p) => !!p.waybill_url, g);
      expect(g.cdek.state.orders().find((o) => o.body.number === made.number)!.body.recipient.phones).toEqual([
        { number: '+7 914 000-11-22' },
      ]);
    } finally {
      await g.close();
    }
  });

  test('marked made by hand with CDEK’s number, the flow finds the order under OZ-… and gets its waybill', async () => {
    const posting = f.addPosting(4, {
      customer: {
        id: 98,
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
    await runConnectorJob(hub, f.ozonId, 'postings');
    const refused = await settled(posting.postingNumber, (p) => p.state === 'invalid');
    // CDEK's support makes it in their cabinet, under our number (here: the simulator's own API, as the cabinet would).
    const byHand = f.cdek.state.createOrder(f.cdek.state.orders()[0].clientId, {
      ...f.cdek.state.orders()[0].body,
      number: refused.number,
    });
    f.cdek.state.process();
    await markMadeByHand(hub, refused.id, byHand.cdekNumber!, 'support@test');
    await expect(markMadeByHand(hub, refused.id, byHand.cdekNumber!, 'support@test')).rejects.toMatchObject({
      code: 'PACKAGE_ALREADY_MADE',
    });
    const made = await settled(posting.postingNumber, (p) => !!p.waybill_url);
    expect(made).toMatchObject({
      state: 'made',
      made_by_hand: true,
      tracking_number: byHand.cdekNumber,
      delivery_uuid: byHand.uuid,
    });
    expect((await orderOf(made.order_id)).delivery_id).toBe(byHand.cdekNumber);
    expect(cdekOrdersOf(f.cdek, made.number)).toEqual({ live: 1, refused: 1 });
  });

  test('every request Sklad sent CDEK, and every answer, fits the contract', async () => {
    const log = f.cdek.log.filter((e) => !e.path.startsWith('/__sim'));
    expect(log.length).toBeGreaterThan(0);
    expect(log.flatMap((e) => [...checkCdekRequest(e), ...checkCdekAnswer(e)])).toEqual([]);
  });
});
