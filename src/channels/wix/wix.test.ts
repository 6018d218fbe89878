import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWixSimulator, seedWix, type WixSimulator } from '../../../simulators/wix/index.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { createAccount, getAccount } from '../core/accounts.ts';
import { CredentialsRejected } from '../core/connector.ts';
import { connectorContextFor, guardCredentials } from '../core/context.ts';
import { listListings } from '../core/listings.ts';
import { syncAccount } from '../core/sync.ts';
import { channelsHub, expectedChannelQuantities, seedCatalog } from '../core/testing.ts';
import { productsBySkus, WIX_BULK_LIMIT } from './connector.ts';
import { ensureWixAccountFromEnv, wixConfigFromEnv } from './env.ts';

describe('Wix configuration from the environment', () => {
  it('is optional, but half of it fails naming the missing variable', () => {
    expect(wixConfigFromEnv({})).toBeNull();
    expect(() => wixConfigFromEnv({ WIX_API_KEY: 'IST.key' })).toThrow(/WIX_SITE_ID is not set/);
    expect(() => wixConfigFromEnv({ WIX_SITE_ID: '6b7c0a4e-0000-4000-8000-000000000001' })).toThrow(
      /WIX_API_KEY is not set/,
    );
    const site = '6b7c0a4e-0000-4000-8000-000000000001';
    expect(() => wixConfigFromEnv({ WIX_API_KEY: 'IST.key-of-the-seller', WIX_SITE_ID: 'site' })).toThrow(
      /WIX_SITE_ID must be the site's id/,
    );
    expect(() => wixConfigFromEnv({ WIX_API_KEY: 'IST.k', WIX_SITE_ID: site })).toThrow(/WIX_API_KEY is too short/);
    expect(() =>
      wixConfigFromEnv({ WIX_API_KEY: 'IST.key-of-the-seller', WIX_SITE_ID: site, WIX_BASE_URL: 'ftp://x' }),
    ).toThrow(/WIX_BASE_URL/);
    expect(wixConfigFromEnv({ WIX_API_KEY: ' IST.key-of-the-seller ', WIX_SITE_ID: site })).toEqual({
      apiKey: 'IST.key-of-the-seller',
      siteId: site,
      baseUrl: undefined,
    });
  });
});

describeEachDatabase('Wix connector against the simulator', (t) => {
  let sim: WixSimulator;
  let server: { url: string; close(): Promise<void> };
  let hub: Hub;
  const accounts: number[] = [];
  const sites: { id: string; apiKey: string }[] = [];

  beforeAll(async () => {
    sim = createWixSimulator({ rateLimit: null });
    server = await sim.listen();
    hub = channelsHub(t.database);
    // Two sites: 130 products on the first (every 10th with sizes S/M/L: 156 variants), 20 on the second.
    sites.push(sim.state.addSite(), sim.state.addSite());
    seedWix(sim.state, sites[0].id, { products: 130, quantity: 3, withOptionsEvery: 10 });
    seedWix(sim.state, sites[1].id, { products: 20, quantity: 0 });
    await seedCatalog(hub.db, { count: 130, stock: (n) => n % 7 });
    await seedCatalog(hub.db, { count: 13, skuPrefix: 'SKU-', from: 1000, stock: () => 9 });
    // Sized variants SKU-10-S … are products of their own in Sklad.
    for (const size of ['S', 'M', 'L'])
      await seedCatalog(hub.db, { count: 1, skuPrefix: `SKU-10-${size}-`, stock: () => 4 });
    for (const [i, site] of sites.entries()) {
      const account = await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'wix',
          name: `Wix ${i}`,
          baseUrl: server.url,
          credentials: { apiKey: site.apiKey, siteId: site.id },
          settings: { requestsPerSecond: 500, maxConcurrent: 4 },
        },
        'test',
      );
      accounts.push(account.id);
    }
  });
  afterAll(async () => server?.close());

  it('maps every variant to a listing and pushes the differences as increments and decrements of at most 50, each with its variantId', async () => {
    sim.resetLog();
    const summary = await syncAccount(hub, accounts[0]);
    const listings = await listListings(hub.db, accounts[0], { limit: 1000, offset: 0 });
    expect(listings.items).toHaveLength(117 + 13 * 3);
    const sized = listings.items.find((l) => l.sku === 'SKU-10-M')!;
    expect(sized.external_id).toMatch(/^[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    expect(summary.failed).toBe(0);

    const bulk = sim.log.filter((r) => /inventoryItems\/(increment|decrement)$/.test(r.path));
    expect(bulk.length).toBeGreaterThan(1);
    for (const request of bulk) {
      const items = ((request.body as Record<string, { variantId?: string }[]>).incrementData ??
        (request.body as Record<string, { variantId?: string }[]>).decrementData)!;
      expect(items.length).toBeLessThanOrEqual(WIX_BULK_LIMIT);
      for (const item of items) expect(item.variantId).toBeTruthy();
      expect(request.status).toBe(200);
    }
    for (const [externalId, quantity] of await expectedChannelQuantities(hub.db, accounts[0])) {
      const [productId, variantId] = externalId.split(':');
      const variant = sim.state
        .site(sites[0].id)
        .products.get(productId)!
        .variants.find((v) => v.id === variantId)!;
      expect(variant.quantity).toBe(quantity);
    }
    // A second sync finds nothing to change.
    sim.resetLog();
    await syncAccount(hub, accounts[0]);
    expect(sim.log.filter((r) => /increment|decrement/.test(r.path))).toHaveLength(0);
  });

  it('keeps the second site apart', async () => {
    await syncAccount(hub, accounts[1]);
    expect(sim.state.quantityOf(sites[1].id, 'SKU-8')).toBe(1);
    expect(sim.state.quantityOf(sites[0].id, 'SKU-8')).toBe(1);
    expect(sim.state.site(sites[1].id).products.size).toBe(20);
  });

  it('finds products by a list of SKUs across pages', async () => {
    const skus = Array.from({ length: 150 }, (_, i) => `SKU-${i + 1}`);
    const ctx = await connectorContextFor(hub, accounts[0]);
    sim.resetLog();
    const found = await productsBySkus(ctx, [...skus, ' SKU-1 ', 'SKU-10-M']);
    expect(found.map((p) => p.sku).sort()).toEqual(Array.from({ length: 130 }, (_, i) => `SKU-${i + 1}`).sort());
    // 151 distinct SKUs: filters of at most 100 values, each read page by page (the first filled a page, so a second was read).
    const queries = sim.log
      .filter((r) => r.path === '/stores/v1/products/query')
      .map((r) => {
        const { filter, paging } = (r.body as { query: { filter: string; paging: { offset: number } } }).query;
        return `${JSON.parse(filter).sku.$in.length}@${paging.offset}`;
      });
    expect(queries).toEqual(['100@0', '100@100', '51@0']);
    // Checked before sending: a blank or overlong SKU is refused naming it, and nothing goes to Wix.
    sim.resetLog();
    await expect(productsBySkus(ctx, ['SKU-1', '  ', 'x'.repeat(201)])).rejects.toMatchObject({
      code: 'INVALID_SKU',
      message: expect.stringMatching(/skus\[1\] is empty; skus\[2\] is longer than 200/),
    });
    expect(sim.log).toHaveLength(0);
  });

  it('creates the environment account once', async () => {
    const env = { WIX_API_KEY: sites[1].apiKey, WIX_SITE_ID: sites[1].id, WIX_BASE_URL: server.url };
    const id = await ensureWixAccountFromEnv(hub, env);
    expect(id).toBe(accounts[1]);
    expect(await ensureWixAccountFromEnv(hub, {})).toBeNull();
  });

  it('turns the account needs_reauth when Wix refuses the key', async () => {
    sim.state.site(sites[1].id).apiKey = 'IST.rotated-by-the-seller';
    const ctx = await connectorContextFor(hub, accounts[1]);
    const { wixConnector } = await import('./connector.ts');
    await expect(guardCredentials(hub, accounts[1], () => wixConnector.validate(ctx))).rejects.toBeInstanceOf(
      CredentialsRejected,
    );
    expect((await getAccount(hub.db, accounts[1])).status).toBe('needs_reauth');
  });
});
