import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkExchange, loadSpec } from '../../src/test/openapi-contract.ts';
import { createIikoSimulator, seedIiko, type IikoSimulator, type SeededIiko } from './index.ts';

describe('iiko Cloud simulator', () => {
  let sim: IikoSimulator;
  let server: { url: string; close(): Promise<void> };
  let seeded: SeededIiko;
  let org: string;

  beforeAll(async () => {
    sim = createIikoSimulator();
    seeded = seedIiko(sim.state, { organizations: 2 });
    org = seeded.organizationIds[0];
    server = await sim.listen();
  });
  afterAll(() => server.close());

  const post = async (path: string, body: unknown, token?: string | null) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const token = async () => (await post('/api/1/access_token', { apiLogin: seeded.apiLogin })).body.token as string;

  it('trades an apiLogin for a token; an unknown login, a missing, unknown or expired token get 401 with iiko’s error body', async () => {
    const bad = await post('/api/1/access_token', { apiLogin: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({
      correlationId: expect.any(String),
      errorDescription: expect.any(String),
      error: 'UNAUTHORIZED',
    });
    expect((await post('/api/1/organizations', {}, null)).status).toBe(401);
    expect((await post('/api/1/organizations', {}, 'made-up')).status).toBe(401);

    sim.state.tokenTtlMs = 0;
    const shortLived = await token();
    expect((await post('/api/1/organizations', {}, shortLived)).status).toBe(401);
    sim.state.tokenTtlMs = 60 * 60_000;
    const live = await token();
    const orgs = await post('/api/1/organizations', {}, live);
    expect(orgs.status).toBe(200);
    expect(orgs.body.organizations.map((o: { id: string }) => o.id)).toEqual(seeded.organizationIds);
  });

  it('serves a realistic menu: hundreds of items, a nested tree, sizes with prices, modifier groups with min/max', async () => {
    const nomenclature = (await post('/api/1/nomenclature', { organizationId: org }, await token())).body;
    const dishes = nomenclature.products.filter((p: { type: string }) => p.type !== 'Modifier');
    expect(dishes.length).toBeGreaterThan(200);
    const groups = new Map(nomenclature.groups.map((g: { id: string }) => [g.id, g]));
    const nested = nomenclature.groups.filter(
      (g: { parentGroup: string | null }) => g.parentGroup && groups.has(g.parentGroup),
    );
    expect(nested.length).toBeGreaterThan(10);
    const pizza = dishes.find((p: { sizePrices: unknown[] }) => p.sizePrices.length === 3);
    expect(pizza.sizePrices.map((s: { price: { currentPrice: number } }) => s.price.currentPrice)).toEqual(
      expect.arrayContaining([expect.any(Number)]),
    );
    const dough = pizza.groupModifiers.find((g: { minAmount: number }) => g.minAmount === 1);
    expect(dough).toMatchObject({ minAmount: 1, maxAmount: 1, required: true });
    expect(nomenclature.revision).toBeGreaterThan(0);
  });

  it('answers only what changed since startRevision, deleted items flagged', async () => {
    const t = await token();
    const first = (await post('/api/1/nomenclature', { organizationId: org }, t)).body;
    const [a, b] = sim.state.dishes(org);
    sim.state.setPrice(a.id, 777, a.sizePrices[0].sizeId);
    sim.state.deleteProduct(b.id);
    const delta = (await post('/api/1/nomenclature', { organizationId: org, startRevision: first.revision }, t)).body;
    expect(delta.products.map((p: { id: string }) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect(delta.products.find((p: { id: string }) => p.id === b.id).isDeleted).toBe(true);
    expect(delta.groups).toEqual([]);
    const full = (await post('/api/1/nomenclature', { organizationId: org }, t)).body;
    expect(full.products.some((p: { id: string }) => p.id === b.id)).toBe(false);
  });

  it('puts items on the stop list and refuses organizations the login cannot see', async () => {
    const t = await token();
    const [dish] = sim.state.dishes(org);
    sim.state.stop(dish.id, { balance: 0 });
    const lists = (await post('/api/1/stop_lists', { organizationIds: [org] }, t)).body;
    const items = lists.terminalGroupStopLists[0].items.flatMap((tg: { items: { productId: string }[] }) => tg.items);
    expect(items.some((i: { productId: string }) => i.productId === dish.id)).toBe(true);
    const stranger = await post('/api/1/stop_lists', { organizationIds: ['00000000-0000-4000-a000-000000000000'] }, t);
    expect(stranger.status).toBe(400);
    expect(stranger.body.errorDescription).toMatch(/Unknown organizations/);
  });

  it('posts a StopListUpdate webhook with the registered auth token', async () => {
    const received: { auth: string | null; body: any }[] = [];
    const receiver = createIikoSimulator(); // any Hono app on a port will do: reuse the toolkit's server
    (receiver.app as any).post('/hook', async (c: any) => {
      received.push({ auth: c.req.header('authorization') ?? null, body: await c.req.json() });
      return c.text('ok');
    });
    const hookServer = await receiver.listen();
    try {
      const t = await token();
      const registered = await post(
        '/api/1/webhooks/update_settings',
        {
          organizationId: org,
          webHooksUri: `${hookServer.url}/hook`,
          authToken: 'secret-token-1',
          webHooksFilter: { stopListUpdateFilter: { updates: true } },
        },
        t,
      );
      expect(registered.status).toBe(200);
      expect(await sim.sendStopListWebhook(org)).toBe(200);
      expect(received).toHaveLength(1);
      expect(received[0].auth).toBe('secret-token-1');
      expect(received[0].body[0]).toMatchObject({
        eventType: 'StopListUpdate',
        organizationId: org,
        eventInfo: { terminalGroupsStopListsUpdates: expect.any(Array) },
      });
    } finally {
      await hookServer.close();
    }
  });

  it('every answer it gave conforms to the iiko OpenAPI file', async () => {
    const t = await token();
    await post('/api/1/terminal_groups', { organizationIds: seeded.organizationIds }, t);
    await post('/api/1/payment_types', { organizationIds: [org] }, t);
    await post('/api/1/combo', { organizationId: org }, t);
    await post('/api/2/menu', undefined, t);
    await post('/api/1/nomenclature', { organizationId: 'not-a-uuid' }, t);
    const spec = await loadSpec('iiko/iikocloud.openapi.json');
    const problems = sim.log.flatMap((e) =>
      // The request of a deliberately bad call breaks the contract; its answer must still conform.
      checkExchange(spec, {
        ...e,
        body: e.status >= 400 ? undefined : e.body,
        headers: e.status === 401 ? {} : e.headers,
      }).filter((p) => !(e.status >= 400 && /required header|request body/.test(p))),
    );
    expect(problems).toEqual([]);
    expect(new Set(sim.log.map((e) => e.path))).toEqual(
      new Set([
        '/api/1/access_token',
        '/api/1/organizations',
        '/api/1/nomenclature',
        '/api/1/stop_lists',
        '/api/1/webhooks/update_settings',
        '/api/1/terminal_groups',
        '/api/1/payment_types',
        '/api/1/combo',
        '/api/2/menu',
      ]),
    );
  });
});
