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
});
