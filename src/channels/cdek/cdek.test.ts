import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCdekAnswer,
  checkCdekRequest,
  createCdekSimulator,
  type CdekSimulator,
} from '../../../simulators/cdek/index.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { createAccount, getAccount } from '../core/accounts.ts';
import { ChannelHttpError, CredentialsRejected } from '../core/connector.ts';
import { connectorContextFor, guardCredentials } from '../core/context.ts';
import type { DeliveryDraft } from '../core/delivery.ts';
import { channelsHub } from '../core/testing.ts';
import { cdekRequest } from './auth.ts';
import { cdekConnector } from './connector.ts';
import { cdekDelivery as cdek } from './delivery.ts';

/**
 * The DeliveryService of the CDEK module against the simulator over real HTTP, through a real
 * ConnectorContext (the shared HTTP client, the account's sealed state). At the end, every
 * request the connector sent and every answer it got are held to simulators/cdek/contract.ts.
 */

const keys = { clientId: 'sklad-cdek-account', clientSecret: 'sklad-cdek-secure-password' };

const draft = (over: Partial<DeliveryDraft> = {}): DeliveryDraft => ({
  number: 'OZ-12345678-0001-1',
  recipient: { name: 'Анна Петрова', phone: '+7 913 463-72-28' },
  address: { countryCode: 'RU', city: 'Новосибирск', address: 'ул. Блюхера, 32', postalCode: '630073' },
  weightGrams: 1200,
  lengthCm: 20,
  widthCm: 15,
  heightCm: 10,
  items: [{ sku: 'SKU-1', name: 'Mug', quantity: 2, costMinor: 45_050, weightGrams: 600 }],
  currency: 'RUB',
  ...over,
});

const calls = (sim: CdekSimulator, from: number) => sim.log.slice(from).map((r) => `${r.status} ${r.method} ${r.path}`);

describe('the CDEK check of a draft', () => {
  it('passes a complete draft and names every field CDEK would refuse, with the reason', () => {
    expect(cdek.check(draft())).toEqual([]);
    expect(cdek.check(draft({ address: null, deliveryPoint: 'NSK12' }))).toEqual([]);
    const problems = cdek.check(
      draft({
        number: 'OZ 1 с пробелом',
        recipient: { name: ' ', phone: '12-34' },
        address: { countryCode: 'russia', city: '', address: 'Блюхера' },
        weightGrams: 0,
        heightCm: 2.5,
        items: [{ sku: '', name: 'Mug', quantity: 0, costMinor: -1, weightGrams: 600 }],
        currency: 'USD',
      }),
    );
    expect(problems.map((p) => p.field)).toEqual([
      'number',
      'recipient.name',
      'recipient.phone',
      'address.city',
      'address.address',
      'address.countryCode',
      'weightGrams',
      'heightCm',
      'items[0].sku',
      'items[0].quantity',
      'items[0].costMinor',
      'currency',
    ]);
    expect(problems.find((p) => p.field === 'address.address')?.reason).toBe(
      'the address needs a street and a house number',
    );
    expect(cdek.check(draft({ address: null, items: [] })).map((p) => p.field)).toEqual(['address', 'items']);
    expect(cdek.check(draft({ number: 'X'.repeat(41) }))[0].field).toBe('number');
  });

  it('reads an ORDER_STATUS webhook and nothing else', () => {
    const hook = {
      type: 'ORDER_STATUS',
      date_time: '2026-03-05T21:47:22+00:00',
      uuid: 'b23e5e72-84d2-4fe8-94b9-052f5488b149',
      attributes: { cdek_number: '1107009111', number: 'OZ-1', status_code: 'DELIVERED' },
    };
    expect(cdek.parseWebhook!(hook)).toEqual({ number: 'OZ-1', uuid: hook.uuid, status: 'DELIVERED' });
    expect(cdek.parseWebhook!({ ...hook, attributes: { status_code: 'CREATED' } })).toEqual({
      number: null,
      uuid: hook.uuid,
      status: 'CREATED',
    });
    expect(
      cdek.parseWebhook!({ type: 'PRINT_FORM', uuid: hook.uuid, attributes: { type: 'receipt', url: 'https://x' } }),
    ).toBeNull();
    expect(cdek.parseWebhook!({ ...hook, uuid: 5 })).toBeNull();
    expect(cdek.parseWebhook!('not json')).toBeNull();
  });
});

describeEachDatabase('CDEK delivery against the simulator', (t) => {
  let hub: Hub;
  /** The well-behaved simulator: every exchange with it is checked against the contract at the end. */
  let sim: CdekSimulator;
  /** Faults, broken answers and refused keys, apart. */
  let rough: CdekSimulator;
  const servers: { close(): Promise<void> }[] = [];
  let accountId: number;
  let mainUrl: string;
  let roughUrl: string;

  const account = (
    baseUrl: string,
    settings: Record<string, unknown> = { tariffCode: 137, shipmentPoint: 'MSK005' },
    credentials = keys,
  ) =>
    createAccount(
      hub.db,
      hub.masterKey!,
      { channel: 'cdek', name: `CDEK ${servers.length}-${Math.random()}`, baseUrl, credentials, settings },
      'test',
    ).then((a) => a.id);
  const ctx = (id = accountId) => connectorContextFor(hub, id);

  beforeAll(async () => {
    hub = channelsHub(t.database);
    sim = createCdekSimulator({ clients: [keys], processingMs: null });
    rough = createCdekSimulator({ clients: [keys], processingMs: null });
    const [main, other] = await Promise.all([sim.listen(), rough.listen()]);
    servers.push(main, other);
    [mainUrl, roughUrl] = [main.url, other.url];
    accountId = await account(mainUrl);
  });
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('checks the keys with a token, which it keeps in the account’s state and reuses', async () => {
    const c = await ctx();
    expect(await cdekConnector.validate(c)).toEqual({
      ok: true,
      details: 'CDEK gave a token for order:all payment:all',
    });
    expect(await c.loadState()).toMatchObject({
      accessToken: expect.stringMatching(/\./),
      accessTokenExpiresAt: expect.any(Number),
    });
    const from = sim.log.length;
    expect(await cdek.findOrder(c, 'OZ-NOTHING-YET')).toBeNull();
    expect(await cdek.findOrder(await ctx(), 'OZ-NOTHING-YET')).toBeNull();
    expect(calls(sim, from)).toEqual(['404 GET /v2/orders', '404 GET /v2/orders']);
  });

  it('keeps the settings to one origin, and defaults the tariff', async () => {
    const id = await account(mainUrl, {});
    expect((await getAccount(hub.db, id)).settings).toEqual({ tariffCode: 136 });
    await expect(
      account('http://127.0.0.1:1', {
        shipmentPoint: 'MSK005',
        fromLocation: { city: 'Москва', address: 'Ленинградский пр., 4' },
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('body.settings.fromLocation'),
    });
    // Without a shipment point or a sender address there is nowhere to start from: refused before anything is sent.
    const from = sim.log.length;
    expect(await cdek.createOrder(await ctx(id), draft({ number: 'OZ-NO-ORIGIN' }))).toEqual({
      state: 'invalid',
      uuid: null,
      errors: [expect.objectContaining({ code: 'SETTINGS_INCOMPLETE' })],
    });
    expect(sim.log.length).toBe(from);
  });

  it('creates a delivery order: pending while CDEK checks it, then made with the tracking number', async () => {
    const created = await cdek.createOrder(await ctx(), draft());
    expect(created).toEqual({ state: 'pending', uuid: expect.any(String) });
    const uuid = (created as { uuid: string }).uuid;
    expect(await cdek.orderState(await ctx(), uuid)).toEqual({ state: 'pending', uuid });

    sim.state.process();
    const made = await cdek.orderState(await ctx(), uuid);
    const order = sim.state.order(uuid)!;
    expect(made).toEqual({ state: 'made', uuid, trackingNumber: order.cdekNumber, status: 'CREATED' });
    expect(order.cdekNumber).toMatch(/^\d{10}$/);
    // What CDEK got: our number, the office of the settings, the door, the goods per unit in rubles, nothing to collect.
    expect(order.body).toMatchObject({
      type: 1,
      number: 'OZ-12345678-0001-1',
      tariff_code: 137,
      shipment_point: 'MSK005',
      to_location: { city: 'Новосибирск', address: 'ул. Блюхера, 32', postal_code: '630073', country_code: 'RU' },
      recipient: { name: 'Анна Петрова', phones: [{ number: '+7 913 463-72-28' }] },
      packages: [
        {
          weight: 1200,
          length: 20,
          width: 15,
          height: 10,
          items: [{ ware_key: 'SKU-1', cost: 450.5, payment: { value: 0 }, amount: 2, weight: 600 }],
        },
      ],
    });
    sim.state.advance(uuid, 'DELIVERED', { city: 'Новосибирск' });
    expect(await cdek.orderState(await ctx(), uuid)).toMatchObject({ state: 'made', status: 'DELIVERED' });
  });

  it('finds the order by our number after it was made, so a retry makes no second one; a create retried after a lost answer settles on the first', async () => {
    expect(await cdek.findOrder(await ctx(), 'OZ-12345678-0001-1')).toMatchObject({
      state: 'made',
      trackingNumber: sim.state.orderByNumber('OZ-12345678-0001-1')!.cdekNumber,
    });
    const first = sim.state.orderByNumber('OZ-12345678-0001-1')!;
    // The answer to the first create was lost and the flow sent it again: CDEK refuses the number, and the state is the first order's.
    const again = await cdek.createOrder(await ctx(), draft());
    sim.state.process();
    const settled = await cdek.orderState(await ctx(), (again as { uuid: string }).uuid);
    expect(settled).toEqual({ state: 'made', uuid: first.uuid, trackingNumber: first.cdekNumber, status: 'DELIVERED' });
    expect(sim.state.orders().filter((o) => o.body.number === 'OZ-12345678-0001-1' && o.cdekNumber)).toHaveLength(1);
  });

  it('hands over CDEK’s own refusal of a city it does not serve, and of an address without a house', async () => {
    const far = await cdek.createOrder(
      await ctx(),
      draft({ number: 'OZ-FAR-1', address: { countryCode: 'RU', city: 'Певек', address: 'ул. Обручева, 1' } }),
    );
    const vague = await cdek.createOrder(
      await ctx(),
      draft({ number: 'OZ-VAGUE-1', address: { countryCode: 'RU', city: 'Новосибирск', address: 'Блюхера' } }),
    );
    sim.state.process();
    const uuidOf = (s: unknown) => (s as { uuid: string }).uuid;
    expect(await cdek.orderState(await ctx(), uuidOf(far))).toEqual({
      state: 'invalid',
      uuid: uuidOf(far),
      errors: [{ code: 'v2_entity_invalid', message: 'СДЭК не доставляет в населённый пункт «Певек» (to_location)' }],
    });
    expect(await cdek.orderState(await ctx(), uuidOf(vague))).toMatchObject({
      state: 'invalid',
      errors: [{ message: expect.stringContaining('укажите улицу и дом') }],
    });
    // The refused order is what a lookup of its number finds: the flow knows it failed and may send a fixed one.
    expect(await cdek.findOrder(await ctx(), 'OZ-FAR-1')).toMatchObject({ state: 'invalid', uuid: uuidOf(far) });
  });

  it('delivers to a pick-up point, and asks for the receipt: pending, then ready with the PDF’s url', async () => {
    const made = await cdek.createOrder(
      await ctx(),
      draft({ number: 'OZ-POINT-1', address: null, deliveryPoint: 'NSK12' }),
    );
    sim.state.process();
    const uuid = (made as { uuid: string }).uuid;
    expect(sim.state.order(uuid)!.body).toMatchObject({ delivery_point: 'NSK12' });
    const asked = await cdek.requestWaybill(await ctx(), uuid);
    expect(asked).toEqual({ state: 'pending', uuid: expect.any(String) });
    const waybill = (asked as { uuid: string }).uuid;
    expect(await cdek.waybillState(await ctx(), waybill)).toEqual({ state: 'pending', uuid: waybill });
    sim.state.process();
    const ready = await cdek.waybillState(await ctx(), waybill);
    expect(ready).toEqual({ state: 'ready', uuid: waybill, url: `${mainUrl}/v2/print/orders/${waybill}.pdf` });
    // The PDF takes the bearer token, like every call.
    const pdf = await cdekRequest<string>(await ctx(), {
      method: 'GET',
      path: new URL((ready as { url: string }).url).pathname,
    });
    expect(pdf.body.startsWith('%PDF-')).toBe(true);

    const early = await cdek.requestWaybill(await ctx(), '00000000-0000-4000-8000-000000000000');
    sim.state.process();
    expect(await cdek.waybillState(await ctx(), (early as { uuid: string }).uuid)).toEqual({
      state: 'invalid',
      errors: [expect.objectContaining({ code: 'v2_order_not_found' })],
    });
  });

  it('renews an expired token once, and goes on', async () => {
    sim.state.expireTokens();
    const from = sim.log.length;
    expect(await cdek.findOrder(await ctx(), 'OZ-12345678-0001-1')).toMatchObject({ state: 'made' });
    expect(calls(sim, from)).toEqual(['401 GET /v2/orders', '200 POST /v2/oauth/token', '200 GET /v2/orders']);
  });

  it('reads a status webhook CDEK posts for one of its orders', async () => {
    const received: unknown[] = [];
    const receiver = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => {
        received.push(JSON.parse(data));
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/cdek`;
      await cdekRequest(await ctx(), { method: 'POST', path: '/v2/webhooks', body: { type: 'ORDER_STATUS', url } });
      const order = sim.state.orderByNumber('OZ-POINT-1')!;
      sim.state.advance(order.uuid, 'ACCEPTED_AT_PICK_UP_POINT', { city: 'Новосибирск' });
      await sim.state.webhooksSent();
      expect(received.map((body) => cdek.parseWebhook!(body))).toEqual([
        { number: 'OZ-POINT-1', uuid: order.uuid, status: 'ACCEPTED_AT_PICK_UP_POINT' },
      ]);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('sent only requests the contract allows, and got only answers it documents', () => {
    expect(sim.log.length).toBeGreaterThan(20);
    expect(sim.log.flatMap((entry) => checkCdekRequest(entry))).toEqual([]);
    expect(sim.log.flatMap((entry) => checkCdekAnswer(entry))).toEqual([]);
  });

  describe('when things go wrong', () => {
    let roughAccount: number;
    beforeAll(async () => {
      roughAccount = await account(roughUrl, {
        tariffCode: 136,
        fromLocation: { city: 'Москва', address: 'Ленинградский пр., 4', postalCode: '125040' },
      });
    });
    const roughCtx = () => ctx(roughAccount);

    it('turns a static refusal into an invalid order naming CDEK’s field, with nothing made', async () => {
      const refused = await cdek.createOrder(await roughCtx(), draft({ number: 'OZ-HEAVY-0', weightGrams: 0 }));
      expect(refused).toEqual({
        state: 'invalid',
        uuid: null,
        errors: [
          expect.objectContaining({
            code: 'v2_invalid_format',
            message: expect.stringContaining('packages[0].weight'),
          }),
        ],
      });
      expect(rough.state.orders()).toHaveLength(0);
      const ok = await cdek.createOrder(await roughCtx(), draft({ number: 'OZ-COURIER-1' }));
      expect(rough.state.order((ok as { uuid: string }).uuid)!.body).toMatchObject({
        from_location: { city: 'Москва', postal_code: '125040', country_code: 'RU' },
      });
      rough.state.process();
    });

    it('retries reads past a 5xx and a broken body, but sends a create once and throws when it fails', async () => {
      rough.faults.next('503', 1, ['/v2/orders']);
      rough.faults.next('malformed', 1, ['/v2/orders']);
      expect(await cdek.findOrder(await roughCtx(), 'OZ-COURIER-1')).toMatchObject({ state: 'made' });
      rough.faults.next('500', 1, ['/v2/orders']);
      const error = await cdek.createOrder(await roughCtx(), draft({ number: 'OZ-LOST-1' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelHttpError);
      expect(error).toMatchObject({
        status: 500,
        retryable: true,
        message: expect.stringContaining('v2_internal_error: Internal server error'),
      });
      // Nothing was made: the flow's retry looks the number up and sends it again.
      expect(await cdek.findOrder(await roughCtx(), 'OZ-LOST-1')).toBeNull();
    });

    it('fails an answer of an unexpected shape with an error naming the field, and goes on after it', async () => {
      const uuid = rough.state.orderByNumber('OZ-COURIER-1')!.uuid;
      rough.malformNext({ path: '/v2/orders/', field: 'requests.0.state', value: 42 });
      await expect(cdek.orderState(await roughCtx(), uuid)).rejects.toThrow(
        /CDEK answered GET \/v2\/orders\/\{uuid\} in an unexpected shape: requests\[0\]\.state: /,
      );
      rough.malformNext({ path: '/v2/print/orders', field: 'entity.uuid' });
      await expect(cdek.requestWaybill(await roughCtx(), uuid)).rejects.toThrow(/entity\.uuid: /);
      rough.malformNext({ path: '/v2/oauth/token', field: 'access_token', value: null });
      await expect(cdekConnector.validate(await roughCtx())).rejects.toThrow(
        /oauth\/token in an unexpected shape: access_token/,
      );
      expect(await cdek.orderState(await roughCtx(), uuid)).toMatchObject({ state: 'made' });
    });

    it('takes a second 401 right after a renewal as refused credentials, and the account needs new keys', async () => {
      const refusedAccount = await account(roughUrl);
      await cdekConnector.validate(await ctx(refusedAccount));
      // Tokens now lapse the moment they are given: the renewed one is refused too.
      rough.state.tokenTtlSeconds = 0;
      rough.state.expireTokens();
      const from = rough.log.length;
      const c = await ctx(refusedAccount);
      await expect(guardCredentials(hub, refusedAccount, () => cdek.findOrder(c, 'OZ-COURIER-1'))).rejects.toThrow(
        CredentialsRejected,
      );
      expect(calls(rough, from)).toEqual(['401 GET /v2/orders', '200 POST /v2/oauth/token', '401 GET /v2/orders']);
      expect(await getAccount(hub.db, refusedAccount)).toMatchObject({
        status: 'needs_reauth',
        status_reason: expect.stringContaining('CDEK refused a freshly issued token (HTTP 401: v2_token_expired'),
      });
      rough.state.tokenTtlSeconds = 3600;
    });

    it('refuses the keys when CDEK does: a wrong Secure password never gets a token', async () => {
      const wrong = await account(roughUrl, undefined, { ...keys, clientSecret: 'not-the-password' });
      await expect(guardCredentials(hub, wrong, async () => cdekConnector.validate(await ctx(wrong)))).rejects.toThrow(
        'CDEK refused the Account or Secure password (HTTP 401: v2_unauthorized: Bad client credentials)',
      );
      expect((await getAccount(hub.db, wrong)).status).toBe('needs_reauth');
      // Here too every request fits the contract, but the order with no weight CDEK refused (sent past check() on purpose).
      expect(rough.log.filter((e) => e.status !== 400).flatMap((entry) => checkCdekRequest(entry))).toEqual([]);
    });
  });
});
