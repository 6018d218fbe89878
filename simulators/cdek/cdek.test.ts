import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cdekSchemas,
  checkCdekAnswer,
  checkCdekRequest,
  createCdekSimulator,
  loadCdekContract,
  loadCdekSamples,
  ORDER_STATUSES,
  unknownOrderFields,
  type CdekSimulator,
} from './index.ts';

/**
 * The simulator against ../shared/specs/cdek/CONTRACT.md and its recorded samples, read at run
 * time: the samples parse with contract.ts's schemas, and every answer any simulator of this
 * file gave (but the one broken on purpose) is checked against them at the end.
 */

type Server = { url: string; close(): Promise<void> };
type Answer = { status: number; type: string | null; body: any; text: string };

const contract = loadCdekContract();
const samples = loadCdekSamples();
const client = { clientId: 'sklad-account', clientSecret: 'sklad-secure-password' };
const started: { sim: CdekSimulator; server: Server }[] = [];

async function start(options: Parameters<typeof createCdekSimulator>[0] = {}) {
  const sim = createCdekSimulator({ clients: [client], processingMs: null, ...options });
  const server = await sim.listen();
  started.push({ sim, server });
  return { sim, server };
}

async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; json?: unknown; form?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  if (options.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(base + path, {
    method,
    headers,
    body: options.json !== undefined ? JSON.stringify(options.json) : options.form,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* a PDF, an HTML page or a broken body: kept as text */
  }
  return { status: res.status, type: res.headers.get('content-type'), body, text };
}

const tokenFor = async (base: string, secret = client.clientSecret) =>
  call(base, 'POST', '/v2/oauth/token', {
    form: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: secret,
    }).toString(),
  });

/** A door-to-door e-shop order as Sklad sends one. */
const order = (over: Record<string, unknown> = {}) => ({
  type: 1,
  number: 'OZ-0001-1',
  tariff_code: 137,
  from_location: { city: 'Москва', address: 'Ленинградский пр., 4', country_code: 'RU' },
  to_location: { city: 'Новосибирск', address: 'ул. Блюхера, 32', postal_code: '630073', country_code: 'RU' },
  recipient: { name: 'Иван Иванов', phones: [{ number: '+79134637228' }] },
  packages: [
    {
      number: 'OZ-0001-1',
      weight: 1200,
      length: 20,
      width: 15,
      height: 10,
      items: [{ name: 'Mug', ware_key: 'SKU-1', payment: { value: 0 }, cost: 450, weight: 600, amount: 2 }],
    },
  ],
  ...over,
});

const errorsOf = (a: Answer) =>
  (a.body.requests as { errors?: { code: string; message: string }[] }[]).flatMap((r) => r.errors ?? []);

describe('CDEK simulator', () => {
  let sim: CdekSimulator;
  let server: Server;
  let token: string;

  beforeAll(async () => {
    ({ sim, server } = await start());
    token = (await tokenFor(server.url)).body.access_token;
  });
  afterAll(() => Promise.all(started.map(({ server: s }) => s.close())));

  const create = async (over: Record<string, unknown> = {}) =>
    call(server.url, 'POST', '/v2/orders', { token, json: order(over) });
  const get = (path: string, t = token) => call(server.url, 'GET', path, { token: t });

  it('holds to the lists the digest itself gives', () => {
    expect(Object.keys(ORDER_STATUSES)).toEqual(contract.statuses);
    expect(cdekSchemas.webhookRequest.shape.type.options).toEqual(contract.webhookTypes);
    expect(contract.requestTypes).toEqual(['CREATE', 'UPDATE', 'DELETE', 'AUTH', 'GET']);
    expect(contract.requestStates).toEqual(['ACCEPTED', 'WAITING', 'SUCCESSFUL', 'INVALID']);
    expect(contract.errorCodes).toEqual(
      expect.arrayContaining([
        'v2_field_is_empty',
        'v2_entity_not_found',
        'error_validate_im_dep_number_has_already_had_integration',
      ]),
    );
  });

  it('reads every recorded sample with the contract’s schemas, and knows every field of the request template', () => {
    expect(cdekSchemas.accepted.parse(samples['create-order.response'])).toMatchObject({
      entity: { uuid: 'c2d74af8-24d0-4745-9273-bd22b069c780' },
    });
    expect(cdekSchemas.orderAnswer.parse(samples['get-order.response'])).toMatchObject({
      entity: { cdek_number: '1107009111', statuses: [{ code: 'CREATED' }, { code: 'ACCEPTED' }] },
    });
    expect(cdekSchemas.accepted.parse(samples['print-orders-create.response'])).toMatchObject({
      requests: [{ state: 'ACCEPTED' }],
    });
    expect(cdekSchemas.printAnswer.parse(samples['print-orders-get.response'])).toMatchObject({
      entity: { type: 'tpl_russia', statuses: [{ code: 'ACCEPTED' }] },
    });
    // The template's values are placeholders: only its field names are held to §3.
    expect(unknownOrderFields(samples['create-order.request-template'])).toEqual([]);
    expect(unknownOrderFields({ ...order(), recipient: { name: 'x', fone: '1' } })).toEqual(['order.recipient.fone']);
  });

  it('gives a token for form-encoded or query-string client credentials, refuses a wrong secret, and refuses calls without a live token', async () => {
    const issued = await tokenFor(server.url);
    expect(issued.status).toBe(200);
    expect(cdekSchemas.tokenAnswer.parse(issued.body)).toMatchObject({
      token_type: 'bearer',
      expires_in: 3599,
      scope: 'order:all payment:all',
    });
    const byQuery = await call(
      server.url,
      'POST',
      `/v2/oauth/token?grant_type=client_credentials&client_id=${client.clientId}&client_secret=${client.clientSecret}`,
    );
    expect(byQuery.status).toBe(200);

    const wrong = await tokenFor(server.url, 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(cdekSchemas.refusal.parse(wrong.body).requests[0]).toMatchObject({
      type: 'AUTH',
      state: 'INVALID',
      errors: [{ code: 'v2_unauthorized' }],
    });
    expect((await call(server.url, 'POST', '/v2/oauth/token', { form: 'grant_type=password' })).status).toBe(400);

    for (const t of [undefined, 'made.up.token']) {
      const refused = await call(server.url, 'GET', '/v2/orders?im_number=x', { token: t });
      expect([refused.status, errorsOf(refused)[0].code]).toEqual([401, 'v2_token_expired']);
    }
  });

  it('lets tokens expire after their lifetime, on its clock', async () => {
    let clock = Date.UTC(2025, 0, 1, 9);
    const timed = await start({ tokenTtlSeconds: 60, now: () => clock });
    const t = (await tokenFor(timed.server.url)).body;
    expect(t.expires_in).toBe(59);
    expect((await call(timed.server.url, 'GET', '/v2/webhooks', { token: t.access_token })).status).toBe(200);
    clock += 60_000;
    expect((await call(timed.server.url, 'GET', '/v2/webhooks', { token: t.access_token })).status).toBe(401);
  });

  it('refuses an order that fails the static check with 400 and the fields by name, and makes nothing', async () => {
    const before = sim.state.orders().length;
    const noTariff = await call(server.url, 'POST', '/v2/orders', {
      token,
      json: { ...order(), tariff_code: undefined },
    });
    expect(noTariff.status).toBe(400);
    expect(errorsOf(noTariff)).toEqual([{ code: 'v2_field_is_empty', message: 'Field tariff_code is empty' }]);
    const noWeight = await create({ packages: [{ ...order().packages[0], weight: undefined }] });
    expect(errorsOf(noWeight)).toEqual([{ code: 'v2_field_is_empty', message: 'Field packages[0].weight is empty' }]);
    expect(errorsOf(await create({ packages: [{ ...order().packages[0], width: '15' }] }))[0].code).toBe(
      'v2_invalid_value_type',
    );
    expect(errorsOf(await create({ number: 'OZ-№1' }))[0]).toMatchObject({
      code: 'v2_invalid_format',
      message: expect.stringContaining('number'),
    });
    expect(errorsOf(await create({ number: 'X'.repeat(41) }))[0].code).toBe('v2_invalid_format');
    expect(errorsOf(await create({ shipment_point: 'MSK005' }))[0]).toMatchObject({
      code: 'v2_bad_request',
      message: expect.stringContaining('must not be sent together'),
    });
    expect(errorsOf(await create({ to_location: undefined }))[0]).toMatchObject({
      code: 'v2_field_is_empty',
      message: expect.stringContaining('delivery_point or to_location'),
    });
    expect(errorsOf(await create({ recipient: { name: 'Иван' } }))[0].message).toContain('recipient.phones');
    expect(errorsOf(await create({ packages: [] }))[0].code).toBe('v2_invalid_format');
    const notJson = await fetch(`${server.url}/v2/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(sim.state.orders()).toHaveLength(before);
  });

  it('accepts an order with 202, then registers it: SUCCESSFUL with a CDEK number and the CREATED status, newest first', async () => {
    const made = await create();
    expect(made.status).toBe(202);
    const uuid = cdekSchemas.accepted.parse(made.body).entity.uuid;
    const pending = await get(`/v2/orders/${uuid}`);
    expect(pending.body.requests[0]).toMatchObject({ type: 'CREATE', state: 'ACCEPTED' });
    expect(pending.body.entity).not.toHaveProperty('cdek_number');
    expect(pending.body.entity.statuses.map((s: { code: string }) => s.code)).toEqual(['ACCEPTED']);

    sim.state.process();
    const done = await get(`/v2/orders/${uuid}`);
    const entity = cdekSchemas.orderAnswer.parse(done.body).entity;
    expect(done.body.requests[0].state).toBe('SUCCESSFUL');
    expect(entity).toMatchObject({
      number: 'OZ-0001-1',
      cdek_number: expect.stringMatching(/^\d{10}$/),
      tariff_code: 137,
      delivery_mode: '1',
    });
    expect(entity.statuses.map((s) => s.code)).toEqual(['CREATED', 'ACCEPTED']);
    expect(entity.to_location).toMatchObject({ code: 270, city: 'Новосибирск', country: 'Россия' });
    expect(entity.packages[0]).toMatchObject({ weight_volume: 600, weight_calc: 1200, barcode: expect.any(String) });
    expect(sim.state.orderByNumber('OZ-0001-1')?.cdekNumber).toBe(entity.cdek_number);
  });

  it('finds an order by our number (the latest of several) and by its CDEK number, and says 404, 400 or 403 otherwise', async () => {
    const first = sim.state.orderByNumber('OZ-0001-1')!;
    const byCdek = await get(`/v2/orders?cdek_number=${first.cdekNumber}`);
    expect(byCdek.body.entity.uuid).toBe(first.uuid);
    // A number may be used again once its order was refused (below); the lookup then gives the newer one.
    await create({ number: 'OZ-REUSED', to_location: { city: 'Новосибирск', address: 'Блюхера' } });
    sim.state.process();
    await create({ number: 'OZ-REUSED' });
    sim.state.process();
    const reused = await get('/v2/orders?im_number=OZ-REUSED');
    expect(reused.body).toMatchObject({
      entity: { number: 'OZ-REUSED', cdek_number: expect.any(String) },
      requests: [{ state: 'SUCCESSFUL' }],
    });
    expect(sim.state.orders().filter((o) => o.body.number === 'OZ-REUSED')).toHaveLength(2);

    expect((await get('/v2/orders?im_number=NO-SUCH')).status).toBe(404);
    expect(errorsOf(await get('/v2/orders'))[0].code).toBe('v2_parameters_empty');
    expect(errorsOf(await get('/v2/orders/00000000-0000-4000-8000-000000000000'))[0].code).toBe('v2_entity_not_found');
    sim.state.addClient('other-shop', 'other-password');
    const other = (
      await call(server.url, 'POST', '/v2/oauth/token', {
        form: 'grant_type=client_credentials&client_id=other-shop&client_secret=other-password',
      })
    ).body.access_token;
    const forbidden = await get(`/v2/orders/${first.uuid}`, other);
    expect([forbidden.status, errorsOf(forbidden)[0].code]).toEqual([403, 'v2_entity_forbidden']);
    expect((await get('/v2/orders?im_number=OZ-0001-1', other)).status).toBe(404);
  });

  it('refuses in the background a city it does not serve, an address without street and house, and a number already used', async () => {
    const far = await create({ number: 'OZ-FAR', to_location: { city: 'Певек', address: 'ул. Обручева, 1' } });
    const vague = await create({ number: 'OZ-VAGUE', to_location: { city: 'Новосибирск', address: 'Блюхера' } });
    const again = await create();
    for (const a of [far, vague, again]) expect(a.status).toBe(202);
    sim.state.process();
    const refused = async (a: Answer) => (await get(`/v2/orders/${a.body.entity.uuid}`)).body.requests[0];
    expect(await refused(far)).toMatchObject({
      state: 'INVALID',
      errors: [{ code: 'v2_entity_invalid', message: 'СДЭК не доставляет в населённый пункт «Певек» (to_location)' }],
    });
    expect((await refused(vague)).errors).toEqual([
      { code: 'v2_entity_invalid', message: 'Адрес получателя неполный: укажите улицу и дом (to_location.address)' },
    ]);
    expect((await refused(again)).errors).toEqual([
      {
        code: 'error_validate_im_dep_number_has_already_had_integration',
        message: expect.stringContaining('OZ-0001-1'),
      },
    ]);
    // The refused duplicate never held the number: the lookup still finds the first order.
    expect((await get('/v2/orders?im_number=OZ-0001-1')).body.entity.cdek_number).toBe(
      sim.state.orders()[0].cdekNumber,
    );
    // The refused cities may change while the simulator runs.
    sim.state.unsupportedCities = ['Новосибирск'];
    const now = await create({ number: 'OZ-NSK' });
    sim.state.process();
    expect((await refused(now)).errors[0].message).toContain('«Новосибирск»');
    sim.state.unsupportedCities = ['Певек', 'Билибино'];
  });

  it('checks in the background on its own a moment later when processingMs is set', async () => {
    const timed = await start({ processingMs: 20 });
    const t = (await tokenFor(timed.server.url)).body.access_token;
    const made = await call(timed.server.url, 'POST', '/v2/orders', { token: t, json: order() });
    await expect
      .poll(
        async () =>
          (await call(timed.server.url, 'GET', `/v2/orders/${made.body.entity.uuid}`, { token: t })).body.requests[0]
            .state,
      )
      .toBe('SUCCESSFUL');
  });

  it('forms a receipt: ACCEPTED without a url, then READY with one, and serves a valid PDF there to a bearer of a token', async () => {
    const registered = sim.state.orderByNumber('OZ-0001-1')!;
    const asked = await call(server.url, 'POST', '/v2/print/orders', {
      token,
      json: { orders: [{ order_uuid: registered.uuid }], copy_count: 2 },
    });
    expect(asked.status).toBe(202);
    const uuid = cdekSchemas.accepted.parse(asked.body).entity.uuid;
    const pending = await get(`/v2/print/orders/${uuid}`);
    expect(pending.body.entity).toMatchObject({
      copy_count: 2,
      type: 'tpl_russia',
      statuses: [{ code: 'ACCEPTED', name: 'Принят' }],
    });
    expect(pending.body.entity).not.toHaveProperty('url');
    expect((await get(`/v2/print/orders/${uuid}.pdf`)).status).toBe(404);

    sim.state.process();
    const ready = cdekSchemas.printAnswer.parse((await get(`/v2/print/orders/${uuid}`)).body).entity;
    expect(ready.url).toBe(`${server.url}/v2/print/orders/${uuid}.pdf`);
    expect(ready.statuses[0].code).toBe('READY');
    const pdf = await call(server.url, 'GET', new URL(ready.url!).pathname, { token });
    expect([pdf.status, pdf.type]).toEqual([200, 'application/pdf']);
    expect(pdf.text).toMatch(/^%PDF-1\.4\n[\s\S]*%%EOF\n$/);
    expect(pdf.text).toContain(`CDEK ${registered.cdekNumber}`);
    // Every xref entry points at its object, and startxref at the table.
    const offsets = [...pdf.text.matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets.map((o, i) => pdf.text.slice(o).startsWith(`${i + 1} 0 obj`))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(pdf.text.slice(Number(/startxref\n(\d+)/.exec(pdf.text)![1])).startsWith('xref')).toBe(true);
    expect((await call(server.url, 'GET', new URL(ready.url!).pathname)).status).toBe(401);

    const byNumber = await call(server.url, 'POST', '/v2/print/orders', {
      token,
      json: { orders: [{ cdek_number: registered.cdekNumber }] },
    });
    const unknown = await call(server.url, 'POST', '/v2/print/orders', {
      token,
      json: { orders: [{ order_uuid: '00000000-0000-4000-8000-000000000000' }] },
    });
    sim.state.process();
    expect((await get(`/v2/print/orders/${byNumber.body.entity.uuid}`)).body.entity.url).toBeDefined();
    const failed = (await get(`/v2/print/orders/${unknown.body.entity.uuid}`)).body;
    expect(failed).toMatchObject({
      entity: { statuses: [{ code: 'INVALID' }, { code: 'ACCEPTED' }] },
      requests: [{ state: 'INVALID', errors: [{ code: 'v2_order_not_found' }] }],
    });
    expect(failed.entity).not.toHaveProperty('url');
    expect((await call(server.url, 'POST', '/v2/print/orders', { token, json: { orders: [] } })).status).toBe(400);
  });

  it('posts ORDER_STATUS webhooks to the subscribed URL as each status comes, once, and keeps one URL per type', async () => {
    const received: unknown[] = [];
    const receiver = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk) => (data += chunk));
      req.on('end', () => {
        received.push(JSON.parse(data));
        res.writeHead(req.url === '/fails' ? 500 : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      const first = await call(server.url, 'POST', '/v2/webhooks', {
        token,
        json: { type: 'ORDER_STATUS', url: `${hook}/old` },
      });
      const subscribed = await call(server.url, 'POST', '/v2/webhooks', {
        token,
        json: { type: 'ORDER_STATUS', url: `${hook}/cdek` },
      });
      expect(subscribed.status).toBe(200);
      const listed = cdekSchemas.webhookList.parse((await get('/v2/webhooks')).body);
      expect(listed).toEqual([{ uuid: subscribed.body.entity.uuid, type: 'ORDER_STATUS', url: `${hook}/cdek` }]);
      expect((await call(server.url, 'DELETE', `/v2/webhooks/${first.body.entity.uuid}`, { token })).status).toBe(404);
      expect(
        (await call(server.url, 'POST', '/v2/webhooks', { token, json: { type: 'ORDER_MOVED', url: hook } })).status,
      ).toBe(400);

      const made = await create({ number: 'OZ-HOOKED' });
      const uuid = made.body.entity.uuid;
      sim.state.process();
      sim.state.advance(uuid, 'DELIVERED', { city: 'Новосибирск' });
      await sim.state.webhooksSent();
      const hooks = received.map((r) => cdekSchemas.orderStatusWebhook.parse(r));
      expect(hooks.map((h) => [h.uuid, h.attributes.number, h.attributes.status_code, h.attributes.city_name])).toEqual(
        [
          [uuid, 'OZ-HOOKED', 'CREATED', 'Москва'],
          [uuid, 'OZ-HOOKED', 'DELIVERED', 'Новосибирск'],
        ],
      );
      expect(hooks[1].attributes).toMatchObject({
        cdek_number: sim.state.order(uuid)!.cdekNumber,
        city_code: '270',
        is_return: false,
      });
      expect(sim.state.deliveries.slice(-2).map((d) => d.status)).toEqual([200, 200]);

      // No retry (§7): a failing receiver gets the status once.
      await call(server.url, 'POST', '/v2/webhooks', { token, json: { type: 'ORDER_STATUS', url: `${hook}/fails` } });
      sim.state.advance(uuid, 'NOT_DELIVERED');
      await sim.state.webhooksSent();
      expect(sim.state.deliveries.filter((d) => d.url.endsWith('/fails')).map((d) => d.status)).toEqual([500]);
      expect(() => sim.state.advance(uuid, 'LOST_IN_SPACE')).toThrow(/Not a CDEK order status/);
      const del = await call(server.url, 'DELETE', `/v2/webhooks/${(await get('/v2/webhooks')).body[0].uuid}`, {
        token,
      });
      expect(del.body.requests[0]).toMatchObject({ type: 'DELETE', state: 'SUCCESSFUL' });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it('injects faults in CDEK’s words: 500 and 503 envelopes, the gateway 502, 429 with Retry-After, malformed and timeouts', async () => {
    const faulty = await start();
    const t = (await tokenFor(faulty.server.url)).body.access_token;
    const at = (path = '/v2/webhooks') => call(faulty.server.url, 'GET', path, { token: t });
    faulty.sim.faults.next('500');
    const broken = await at();
    expect([broken.status, errorsOf(broken)[0].code]).toEqual([500, 'v2_internal_error']);
    faulty.sim.faults.next('502');
    expect(await at()).toMatchObject({ status: 502, type: expect.stringContaining('text/html') });
    faulty.sim.faults.next('503');
    expect((await at()).status).toBe(503);
    faulty.sim.faults.next('429', 1, ['/v2/orders']);
    expect((await at()).status).toBe(200);
    const limited = await fetch(`${faulty.server.url}/v2/orders?im_number=x`, {
      headers: { authorization: `Bearer ${t}` },
    });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    await limited.arrayBuffer();
    faulty.sim.faults.next('malformed');
    const garbled = await at();
    expect([garbled.status, typeof garbled.body]).toEqual([200, 'string']);
    faulty.sim.faults.set({ rate: 1, kinds: ['timeout'], slowMs: 50 });
    expect((await at()).status).toBe(504);
    faulty.sim.faults.set(null);
    expect(faulty.sim.statusCounts()).toMatchObject({ 200: 3, 429: 1, 500: 1, 502: 1, 503: 1, 504: 1 });
  });

  it('breaks one field of the next matching answer on demand, and only that one', async () => {
    const tampered = createCdekSimulator({ clients: [client], processingMs: null });
    const s = await tampered.listen();
    try {
      const t = (await tokenFor(s.url)).body.access_token;
      const made = await call(s.url, 'POST', '/v2/orders', { token: t, json: order() });
      tampered.malformNext({ path: '/v2/orders/', field: 'requests.0.state', value: 42 });
      tampered.malformNext({ path: '/v2/orders/', field: 'entity.uuid' });
      const first = await call(s.url, 'GET', `/v2/orders/${made.body.entity.uuid}`, { token: t });
      expect(first.body.requests[0].state).toBe(42);
      const second = await call(s.url, 'GET', `/v2/orders/${made.body.entity.uuid}`, { token: t });
      expect(second.body.entity).not.toHaveProperty('uuid');
      expect(checkCdekAnswer(tampered.log.at(-1)!)).toEqual([expect.stringContaining('entity.uuid')]);
      expect((await call(s.url, 'GET', `/v2/orders/${made.body.entity.uuid}`, { token: t })).body.entity.uuid).toBe(
        made.body.entity.uuid,
      );
    } finally {
      await s.close();
    }
  });

  it('lets other processes add clients, settle, expire tokens, move a parcel, set the refused cities and read orders and webhooks through /__sim/cdek', async () => {
    const remote = await start();
    const base = remote.server.url;
    const control = (method: string, path: string, json?: unknown) =>
      call(base, method, `/__sim/cdek/${path}`, { json });
    expect((await control('POST', 'clients', { clientId: 'remote', clientSecret: 'remote-secret' })).status).toBe(200);
    const t = (
      await call(base, 'POST', '/v2/oauth/token', {
        form: 'grant_type=client_credentials&client_id=remote&client_secret=remote-secret',
      })
    ).body.access_token;
    expect((await control('PUT', 'unsupported-cities', { cities: ['Новосибирск'] })).body).toEqual({
      cities: ['Новосибирск'],
    });
    const refused = await call(base, 'POST', '/v2/orders', { token: t, json: order() });
    await control('POST', 'process');
    expect((await control('PUT', 'unsupported-cities', { cities: [] })).status).toBe(200);
    const made = await call(base, 'POST', '/v2/orders', { token: t, json: order({ number: 'OZ-REMOTE' }) });
    await control('POST', 'process');
    const orders = (await control('GET', 'orders')).body.orders;
    expect(orders.map((o: { request: { state: string } }) => o.request.state)).toEqual(['INVALID', 'SUCCESSFUL']);
    expect(orders[0].order.uuid).toBe(refused.body.entity.uuid);
    const moved = await control('POST', `orders/${made.body.entity.uuid}/status`, {
      code: 'DELIVERED',
      city: 'Новосибирск',
    });
    expect(moved.body.order.statuses[0]).toMatchObject({ code: 'DELIVERED', name: 'Вручен', city: 'Новосибирск' });
    expect((await control('POST', `orders/${refused.body.entity.uuid}/status`, { code: 'DELIVERED' })).status).toBe(
      400,
    );
    expect((await control('GET', 'webhooks')).body).toEqual({ subscriptions: [], deliveries: [] });
    await control('POST', 'expire-tokens');
    expect((await call(base, 'GET', '/v2/webhooks', { token: t })).status).toBe(401);
  });

  it('gave every answer above in the shape the digest documents, and took only well-formed requests', () => {
    const log = started.flatMap(({ sim: s }) => s.log);
    expect(log.length).toBeGreaterThan(60);
    expect(new Set(log.map((e) => e.status))).toEqual(new Set([200, 202, 400, 401, 403, 404, 429, 500, 502, 503, 504]));
    expect(log.flatMap((entry) => checkCdekAnswer(entry))).toEqual([]);
    // What the simulator accepted (2xx) must be what the digest allows a client to send.
    expect(log.filter((e) => e.status < 300 && !e.fault).flatMap((entry) => checkCdekRequest(entry))).toEqual([]);
    // Every error code it gave is the digest's (§8), or one of the three server.ts names as its own.
    const codes = new Set(
      log.flatMap((e) =>
        ((e.responseBody as { requests?: { errors?: { code: string }[] }[] } | null)?.requests ?? [])
          .flatMap((r) => r.errors ?? [])
          .map((x) => x.code),
      ),
    );
    const own = ['v2_token_expired', 'v2_unauthorized', 'v2_too_many_requests'];
    expect([...codes].filter((c) => !contract.errorCodes.includes(c) && !own.includes(c))).toEqual([]);
  });

  it('has checkers that do notice a request or an answer off the digest', () => {
    const json = { authorization: 'Bear…', 'content-type': 'application/json' };
    const entry = (
      method: string,
      path: string,
      status: number,
      body: unknown,
      responseBody: unknown,
      headers: Record<string, string> = json,
    ) => ({
      at: '',
      method,
      path,
      query: {},
      headers,
      body,
      status,
      responseBody,
    });
    expect(checkCdekRequest(entry('POST', '/v2/orders', 202, { ...order(), recipient_name: 'x' }, null))).toEqual([
      expect.stringContaining('order.recipient_name is no field of §3'),
    ]);
    expect(checkCdekRequest(entry('POST', '/v2/orders', 202, order({ tariff_code: '137' }), null))).toEqual([
      expect.stringContaining('tariff_code'),
    ]);
    expect(checkCdekRequest(entry('GET', '/v2/webhooks', 200, null, [], {}))).toEqual([
      expect.stringContaining('no bearer token'),
    ]);
    expect(
      checkCdekRequest(
        entry('POST', '/v2/oauth/token', 200, 'grant_type=client_credentials&client_id=a&client_secret=b', null),
      ),
    ).toEqual([expect.stringContaining('form-encoded')]);
    const accepted = samples['create-order.response'] as { requests: { state: string }[] };
    const done = { ...accepted, requests: [{ ...accepted.requests[0], state: 'SUCCESSFUL' }] };
    expect(checkCdekAnswer(entry('POST', '/v2/orders', 202, null, done))).toEqual([
      expect.stringContaining('CREATE, ACCEPTED'),
    ]);
    expect(checkCdekAnswer(entry('POST', '/v2/orders', 201, null, accepted))).toEqual([
      expect.stringContaining('no such answer'),
    ]);
    expect(checkCdekAnswer(entry('GET', '/v2/orders/nope', 200, null, {}))).toEqual([
      expect.stringContaining('not a call of the digest'),
    ]);
  });
});
