import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkWbLog } from './contract.ts';
import { createWildberriesSimulator } from './server.ts';
import { WbState, moscowIso, seedWildberries } from './state.ts';

describe('the Wildberries simulator', () => {
  const sim = createWildberriesSimulator({
    state: seedWildberries(new WbState(), { cards: 20, orderRows: 500, feedbacks: 12, claims: 4, fbsOrders: 8 }),
    limits: { statistics: { intervalMs: 150, burst: 1 } },
    reportPageRows: 200,
  });
  let url = '';
  let close: () => Promise<void>;
  const get = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(url + path, {
      ...init,
      headers: { authorization: sim.token, 'content-type': 'application/json', ...init.headers },
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => ({ url, close } = await sim.listen()));
  afterAll(() => close());

  test('issues keys: each opens its own seller (state and limits); a key it did not issue is refused with 401', async () => {
    const issued = await fetch(`${url}/__sim/wildberries/keys`, { method: 'POST' });
    expect(issued.status).toBe(201);
    const { token } = (await issued.json()) as { token: string };
    const other = sim.stateFor(token)!;
    expect(other).toBeDefined();
    expect(other).not.toBe(sim.state);
    expect(other.cards.map((c) => c.article)).toEqual(sim.state.cards.map((c) => c.article));
    const from = encodeURIComponent(moscowIso(Date.now() - 40 * 86_400_000));
    const ordersOf = async (key: string) =>
      fetch(`${url}/api/v1/supplier/orders?dateFrom=${from}`, { headers: { authorization: key } });
    const empty = await ordersOf(token);
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual([]);
    other.addOrder({ article: other.cards[0].article });
    await pause(200); // the report's limit: one request per interval, per seller
    expect(((await (await ordersOf(token)).json()) as unknown[]).length).toBe(1);
    const fixed = sim.issueKey({ token: 'fixed-key-for-a-test-0000000000' });
    expect((await fetch(`${url}/ping`, { headers: { authorization: fixed } })).status).toBe(200);
    const refused = await fetch(`${url}/ping`, { headers: { authorization: 'INVALID_KEY' } });
    expect(refused.status).toBe(401);
  });

  test('limits each report to one request a minute, answering 429 with X-Ratelimit-Retry', async () => {
    // The documented limit (not the fast one of the simulator above), so no test machine is slow enough to miss it.
    const strict = createWildberriesSimulator({ state: sim.state, token: sim.token });
    const server = await strict.listen();
    try {
      const from = encodeURIComponent(moscowIso(Date.now() - 40 * 86_400_000));
      const ask = (report: string) =>
        fetch(`${server.url}/api/v1/supplier/${report}?dateFrom=${from}`, { headers: { authorization: sim.token } });
      const first = await ask('orders');
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
      const again = await ask('orders');
      expect(again.status).toBe(429);
      expect(Number(again.headers.get('x-ratelimit-retry'))).toBeGreaterThan(50);
      expect(await again.json()).toMatchObject({ title: 'too many requests', status: 429 });
      // Another report has its own minute.
      expect((await ask('sales')).status).toBe(200);
      expect(await checkWbLog(strict.log)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test('pages the orders report by lastChangeDate', async () => {
    const from = encodeURIComponent(moscowIso(Date.now() - 40 * 86_400_000));
    const first = await get(`/api/v1/supplier/orders?dateFrom=${from}`);
    expect(first.body).toHaveLength(200);
    // WB writes Moscow time without an offset.
    expect(first.body[0].lastChangeDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    await pause(200);
    const next = await get(`/api/v1/supplier/orders?dateFrom=${encodeURIComponent(first.body.at(-1).lastChangeDate)}`);
    expect(next.status).toBe(200);
    // ">= dateFrom": the last row of a page comes again first on the next.
    expect(next.body[0].srid).toBe(first.body.at(-1).srid);
  });

  test('a cancellation moves the order to the end of the report', async () => {
    const srid = String(sim.state.orders.rows[0].row.srid);
    sim.state.cancelOrder(srid);
    await pause(200);
    const rows = (await get(`/api/v1/supplier/orders?dateFrom=${encodeURIComponent(moscowIso(Date.now() - 5_000))}`))
      .body;
    expect(rows.find((r: any) => r.srid === srid)).toMatchObject({ isCancel: true });
  });

  test('reads FBS orders with their statuses and updates stock by chrtId with the 409 body', async () => {
    const page = await get('/api/v3/orders?limit=5&next=0');
    expect(page.body.orders).toHaveLength(5);
    const rest = await get(`/api/v3/orders?limit=5&next=${page.body.next}`);
    expect(rest.body.orders).toHaveLength(3);
    const statuses = await get('/api/v3/orders/status', {
      method: 'POST',
      body: JSON.stringify({ orders: page.body.orders.map((o: any) => o.id) }),
    });
    expect(statuses.body.orders).toHaveLength(5);
    expect((await get('/api/v3/orders/new')).body.orders.length).toBeGreaterThan(0);

    const card = sim.state.cards[0];
    const ok = await get('/api/v3/stocks/507', {
      method: 'PUT',
      body: JSON.stringify({ stocks: [{ chrtId: card.chrtId, amount: 9 }] }),
    });
    expect(ok.status).toBe(204);
    expect(sim.state.fbsStocks.get(`507:${card.chrtId}`)).toBe(9);
    const conflict = await get('/api/v3/stocks/507', {
      method: 'PUT',
      body: JSON.stringify({
        stocks: [
          { chrtId: card.chrtId, amount: 4 },
          { chrtId: 1, amount: 1 },
        ],
      }),
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body[0]).toMatchObject({ code: 'NotFound', data: [{ sku: '1', amount: 1 }] });
    expect(sim.state.fbsStocks.get(`507:${card.chrtId}`)).toBe(9); // the whole request was refused
    const read = await get('/api/v3/stocks/507', {
      method: 'POST',
      body: JSON.stringify({ chrtIds: [card.chrtId, sim.state.cards[1].chrtId, 1] }),
    });
    expect(read.body.stocks).toEqual([
      { chrtId: card.chrtId, sku: card.barcode, amount: 9 },
      { chrtId: sim.state.cards[1].chrtId, sku: sim.state.cards[1].barcode, amount: 0 },
    ]);
    const tooMany = await get('/api/v3/stocks/507', {
      method: 'PUT',
      body: JSON.stringify({ stocks: Array.from({ length: 1001 }, () => ({ chrtId: card.chrtId, amount: 1 })) }),
    });
    expect(tooMany.status).toBe(400);
  });

  test('lists feedbacks and claims, pings, and refuses a wrong token with the spec body', async () => {
    const unanswered = await get('/api/v1/feedbacks?isAnswered=false&take=100&skip=0&order=dateDesc');
    const answered = await get('/api/v1/feedbacks?isAnswered=true&take=100&skip=0');
    expect(unanswered.body.data.feedbacks.length + answered.body.data.feedbacks.length).toBe(12);
    const claims = await get('/api/v1/claims?is_archive=false&limit=50&offset=0');
    expect(claims.body.total).toBe(2);
    expect((await get('/ping')).body.Status).toBe('OK');
    const cards = await get('/content/v2/get/cards/list', {
      method: 'POST',
      body: JSON.stringify({ settings: { cursor: { limit: 15 }, filter: { withPhoto: -1 } } }),
    });
    expect(cards.body.cursor.total).toBe(15);
    const more = await get('/content/v2/get/cards/list', {
      method: 'POST',
      body: JSON.stringify({
        settings: { cursor: { limit: 15, nmID: cards.body.cursor.nmID, updatedAt: cards.body.cursor.updatedAt } },
      }),
    });
    expect(more.body.cards).toHaveLength(5);
    expect((await get('/api/v3/warehouses')).body.map((w: any) => w.id)).toEqual([507, 508]);
    const denied = await get('/ping', { headers: { authorization: 'nope' } });
    expect(denied.status).toBe(401);
    expect(denied.body.title).toBe('unauthorized');
  });

  test('every answer above conforms to the WB spec files', async () => {
    // The 1,001-item PUT broke the spec's maxItems on purpose.
    const tooLong = (e: (typeof sim.log)[number]) =>
      ((e.body as { stocks?: unknown[] } | null)?.stocks?.length ?? 0) > 1000;
    expect((await checkWbLog(sim.log.filter(tooLong))).join('\n')).toMatch(/stocks must NOT have more than 1000 items/);
    expect(await checkWbLog(sim.log.filter((e) => !tooLong(e)))).toEqual([]);
  });
});
