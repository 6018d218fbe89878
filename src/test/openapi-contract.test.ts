import { describe, expect, test } from 'vitest';
import { checkExchange, loadSpec } from './openapi-contract.ts';

// The checker must catch departures, or every contract test built on it proves nothing.
describe('the OpenAPI contract checker', () => {
  test('accepts a conforming Allegro exchange and names each departure of a bad one', async () => {
    const spec = await loadSpec('allegro/swagger.yaml');
    const good = checkExchange(spec, {
      method: 'GET',
      path: '/order/events',
      query: { from: 'abc', limit: '100' },
      status: 200,
      responseBody: { events: [] },
    });
    expect(good).toEqual([]);
    const bad = checkExchange(spec, {
      method: 'GET',
      path: '/order/events',
      query: { limit: 'many', bogus: '1' },
      status: 200,
      responseBody: { events: 'none' },
    });
    expect(bad.join('\n')).toMatch(/query parameter "bogus"/);
    expect(bad.join('\n')).toMatch(/query\.limit/);
    expect(bad.join('\n')).toMatch(/answer 200\/events must be array/);
    expect(checkExchange(spec, { method: 'GET', path: '/no/such/path', status: 200 })[0]).toMatch(/no such operation/);
  });

  test('checks request bodies and undocumented statuses (Ozon)', async () => {
    const spec = await loadSpec('ozon/swagger.json');
    const problems = checkExchange(spec, {
      method: 'POST',
      path: '/v2/products/stocks',
      body: { stocks: 'nope' },
      status: 299,
    });
    expect(problems.join('\n')).toMatch(/request body\/stocks must be array/);
    expect(problems.join('\n')).toMatch(/answered 299/);
  });

  test("applies the errata: a spec's prose wins over its schema", async () => {
    const ozon = await loadSpec('ozon/swagger.json');
    const headers = { 'Client-Id': '1', 'Api-Key': '…' };
    const rateLimited = {
      method: 'POST',
      path: '/v1/warehouse/list',
      headers,
      status: 429,
      responseBody: { code: 8, message: 'You have reached request rate limit per second', details: [] },
    };
    expect(checkExchange(ozon, rateLimited)).toEqual([]);
    expect(checkExchange(ozon, { ...rateLimited, responseBody: { code: 'eight' } }).join('\n')).toMatch(
      /answer 429\/code must be integer/,
    );
    const item = { offer_id: 'A', product_id: 1, stock: 1, warehouse_id: 2, quant_size: 1 };
    const push = (n: number) =>
      checkExchange(ozon, {
        method: 'POST',
        path: '/v2/products/stocks',
        headers,
        body: { stocks: Array(n).fill(item) },
        status: 200,
        responseBody: { result: [] },
      });
    expect(push(100)).toEqual([]);
    expect(push(101).join('\n')).toMatch(/stocks must NOT have more than 100 items/);
    const skus = (n: number) =>
      checkExchange(ozon, {
        method: 'POST',
        path: '/v1/analytics/stocks',
        headers,
        body: { skus: Array(n).fill('1') },
        status: 200,
        responseBody: { items: [] },
      });
    expect(skus(100)).toEqual([]);
    expect(skus(101).join('\n')).toMatch(/skus must NOT have more than 100 items/);
    expect(
      checkExchange(ozon, {
        method: 'POST',
        path: '/v4/product/info/stocks',
        headers,
        body: { filter: {}, limit: 1001 },
        status: 200,
      }).join('\n'),
    ).toMatch(/limit must be <= 1000/);

    const reports = await loadSpec('wildberries/12-reports.yaml');
    const orders = (dateFrom: string, lastChangeDate: string) =>
      checkExchange(reports, {
        method: 'GET',
        path: '/api/v1/supplier/orders',
        query: { dateFrom },
        status: 200,
        responseBody: [{ lastChangeDate, srid: 'x' }],
      });
    expect(orders('2019-06-20', '2022-03-06T10:11:07')).toEqual([]);
    expect(orders('2019-06-20T23:59:59.12345', '2022-03-06T10:11:07+03:00')).toEqual([]);
    expect(orders('yesterday', '06.03.2022').join('\n')).toMatch(
      /query\.dateFrom.*must match format[\s\S]*lastChangeDate must match format/,
    );
  });
});
