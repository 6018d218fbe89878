import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWixSimulator, DEFAULT_VARIANT_ID, seedWix, type WixSimulator } from './index.ts';

describe('Wix Stores simulator', () => {
  let sim: WixSimulator;
  let server: { url: string; close(): Promise<void> };
  let siteA: { id: string; apiKey: string };
  let siteB: { id: string; apiKey: string };

  beforeAll(async () => {
    sim = createWixSimulator({ rateLimit: null });
    siteA = sim.state.addSite();
    siteB = sim.state.addSite();
    seedWix(sim.state, siteA.id, { products: 230, quantity: 5, withOptionsEvery: 10 });
    seedWix(sim.state, siteB.id, { products: 3, quantity: 1, skuPrefix: 'B-' });
    server = await sim.listen();
  });
  afterAll(() => server.close());

  const call = async (path: string, body: unknown, site = siteA, method = 'POST') => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: site.apiKey, 'wix-site-id': site.id, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('refuses a missing key (401) and a key for another site (403) in Wix error body', async () => {
    const noKey = await fetch(`${server.url}/stores/v1/products/query`, {
      method: 'POST',
      body: '{}',
      headers: { 'wix-site-id': siteA.id },
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ details: { applicationError: { code: 'UNAUTHENTICATED' } } });
    const crossed = await call('/stores/v1/products/query', {}, { id: siteB.id, apiKey: siteA.apiKey });
    expect(crossed.status).toBe(403);
  });

  it('queries products by a list of SKUs given as a JSON-string filter, with paging and variants', async () => {
    const skus = ['SKU-1', 'SKU-2', 'SKU-10-M', 'NOPE'];
    const res = await call('/stores/v1/products/query', {
      query: { filter: JSON.stringify({ sku: { $in: skus } }), paging: { limit: 100, offset: 0 } },
      includeVariants: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(3);
    const sized = res.body.products.find((p: { sku: string }) => p.sku === 'SKU-10');
    expect(sized.variants.map((v: { variant: { sku: string } }) => v.variant.sku)).toEqual([
      'SKU-10-S',
      'SKU-10-M',
      'SKU-10-L',
    ]);
    const plain = res.body.products.find((p: { sku: string }) => p.sku === 'SKU-1');
    expect(plain.variants).toEqual([
      expect.objectContaining({ id: DEFAULT_VARIANT_ID, stock: { trackQuantity: true, quantity: 5, inStock: true } }),
    ]);

    const pages: number[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await call('/stores/v1/products/query', { query: { paging: { limit: 100, offset } } });
      pages.push(page.body.metadata.items);
      if (page.body.metadata.items < 100) break;
    }
    expect(pages).toEqual([100, 100, 30]);
    expect((await call('/stores/v1/products/query', { query: { paging: { limit: 101 } } })).status).toBe(400);
    const bad = await call('/stores/v1/products/query', { query: { filter: '{sku:' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.applicationError.code).toBe('INVALID_ARGUMENT');
  });

  it('keeps each site its own catalogue', async () => {
    const res = await call('/stores/v1/products/query', { query: {} }, siteB);
    expect(res.body.products.map((p: { sku: string }) => p.sku)).toEqual(['B-1', 'B-2', 'B-3']);
  });

  it('reads inventory items by product id and updates a variant with PATCH', async () => {
    const product = [...sim.state.site(siteA.id).products.values()][0];
    const read = await call('/stores/v2/inventoryItems/query', {
      query: { filter: JSON.stringify({ productId: { $in: [product.id] } }) },
    });
    expect(read.body.inventoryItems).toEqual([
      expect.objectContaining({
        productId: product.id,
        trackQuantity: true,
        variants: [{ variantId: DEFAULT_VARIANT_ID, inStock: true, quantity: 5 }],
      }),
    ]);
    const patched = await call(
      `/stores/v2/inventoryItems/product/${product.id}`,
      { inventoryItem: { trackQuantity: true, variants: [{ variantId: DEFAULT_VARIANT_ID, quantity: 0 }] } },
      siteA,
      'PATCH',
    );
    expect(patched.status).toBe(200);
    expect(product.variants[0]).toMatchObject({ quantity: 0, inStock: false });
  });

  it('increments and decrements in bulk, and answers 400 when variantId is missing (the seed bug) or the batch is over 50', async () => {
    const [p1, p2] = [...sim.state.site(siteA.id).products.values()].slice(1, 3);
    const inc = await call('/stores/v2/inventoryItems/increment', {
      incrementData: [{ productId: p1.id, variantId: DEFAULT_VARIANT_ID, incrementBy: 3 }],
    });
    expect(inc.status).toBe(200);
    expect(p1.variants[0].quantity).toBe(8);
    const dec = await call('/stores/v2/inventoryItems/decrement', {
      decrementData: [{ productId: p2.id, variantId: DEFAULT_VARIANT_ID, decrementBy: 2 }],
    });
    expect(dec.status).toBe(200);
    expect(p2.variants[0].quantity).toBe(3);

    const missing = await call('/stores/v2/inventoryItems/decrement', {
      decrementData: [{ productId: p2.id, decrementBy: 1 }],
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      message: expect.stringContaining('variantId'),
      details: { applicationError: { code: 'INVALID_ARGUMENT' } },
    });
    expect(p2.variants[0].quantity).toBe(3);

    const tooMany = Array.from({ length: 51 }, () => ({
      productId: p1.id,
      variantId: DEFAULT_VARIANT_ID,
      incrementBy: 1,
    }));
    expect((await call('/stores/v2/inventoryItems/increment', { incrementData: tooMany })).status).toBe(400);
    const below = await call('/stores/v2/inventoryItems/decrement', {
      decrementData: [{ productId: p2.id, variantId: DEFAULT_VARIANT_ID, decrementBy: 99 }],
    });
    expect(below.status).toBe(428);
  });

  it('answers 429 with Retry-After past its per-site rate limit', async () => {
    const limited = createWixSimulator({
      rateLimit: { requests: 2, intervalMs: 60_000, scope: (c) => c.req.header('wix-site-id') ?? '' },
    });
    const site = limited.state.addSite();
    const s = await limited.listen();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${s.url}/stores/v1/products/query`, {
          method: 'POST',
          body: '{}',
          headers: { authorization: site.apiKey, 'wix-site-id': site.id },
        });
        statuses.push(r.status);
        if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await s.close();
    }
  });
});
