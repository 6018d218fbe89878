import type { AllegroSimulator } from '../../../simulators/allegro/index.ts';
import type { LoggedRequest } from '../../../simulators/toolkit/index.ts';
import type { WixSimulator } from '../../../simulators/wix/index.ts';
import type { Hub } from '../../hub.ts';
import { checkExchange, findOperation, loadSpec } from '../../test/openapi-contract.ts';
import { createAccount } from '../core/accounts.ts';
import { syncAccount } from '../core/sync.ts';
import { seedCatalog } from '../core/testing.ts';

/**
 * The one stock of the end-to-end tests, sold on Allegro and on `sites` Wix sites: products
 * SKU-1…SKU-n with `stock` each; per product two Allegro offers with its SKU as external.id
 * (the one bought, `main`, and the `twin` that must follow) and a Wix product per site; one
 * account each (fast limits), all synced once so every listing is matched.
 */
export async function seedAllegroAndWix(
  hub: Hub,
  sims: { allegro: AllegroSimulator; allegroUrl: string; wix: WixSimulator; wixUrl: string },
  options: { products: number; stock: number; sites: number },
) {
  const { allegro, wix } = sims;
  const client = allegro.state.addClient();
  const offers: { main: string; twin: string }[] = [];
  for (let n = 1; n <= options.products; n++) {
    const main = allegro.state.addOffer({ name: `Product SKU-${n} main`, externalId: `SKU-${n}`, available: 0 });
    const twin = allegro.state.addOffer({ name: `Product SKU-${n} bundle`, externalId: `SKU-${n}`, available: 0 });
    offers.push({ main: main.id, twin: twin.id });
  }
  const sites = Array.from({ length: options.sites }, () => wix.state.addSite());
  for (const site of sites)
    for (let n = 1; n <= options.products; n++)
      wix.state.addProduct(site.id, { name: `Product ${n}`, sku: `SKU-${n}`, quantity: 0 });

  const { productIds, warehouseId } = await seedCatalog(hub.db, {
    count: options.products,
    stock: () => options.stock,
  });
  const fast = { requestsPerSecond: 500, maxConcurrent: 4 };
  const allegroId = (
    await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'allegro',
        name: 'Allegro',
        baseUrl: sims.allegroUrl,
        settings: { ...fast, warehouseId },
        credentials: {
          clientId: client.id,
          clientSecret: client.secret,
          refreshToken: allegro.state.issueRefreshToken(client.id),
        },
      },
      'test',
    )
  ).id;
  const wixIds: number[] = [];
  for (const [i, site] of sites.entries()) {
    wixIds.push(
      (
        await createAccount(
          hub.db,
          hub.masterKey!,
          {
            channel: 'wix',
            name: `Wix ${i + 1}`,
            baseUrl: sims.wixUrl,
            settings: fast,
            credentials: { apiKey: site.apiKey, siteId: site.id },
          },
          'test',
        )
      ).id,
    );
  }
  await syncAccount(hub, allegroId);
  for (const id of wixIds) await syncAccount(hub, id);
  return { allegroId, siteIds: sites.map((site) => site.id), offers, productIds, warehouseId };
}

/**
 * The Allegro contract check of a simulator's request log, shared by the connector's tests
 * (allegro.test.ts, the end-to-end and SIGKILL tests): every request the connector sent and
 * every answer the simulator gave, against ../shared/specs/allegro/swagger.yaml.
 *
 * Not checked: the OAuth endpoint (outside the spec) and the simulator's own /__sim controls;
 * 401 token answers on paths whose spec does not document them (Allegro sends them
 * everywhere); faults injected on purpose (429, 5xx, timeouts, malformed bodies). A `slow`
 * fault is a real answer, only late, and is checked. `injectedAnswers` names exchanges whose
 * answer a test broke on purpose: their request is checked, their 200 answer is not.
 */
export async function allegroContractCheck(
  log: readonly LoggedRequest[],
  options: { injectedAnswers?: (e: LoggedRequest) => boolean } = {},
): Promise<{ exchanges: LoggedRequest[]; kinds: string[]; problems: string[] }> {
  const spec = await loadSpec('allegro/swagger.yaml');
  const documented = (e: LoggedRequest) =>
    Boolean(findOperation(spec, e.method, e.path)?.operation.responses?.[String(e.status)]);
  const exchanges = log.filter(
    (e) =>
      !e.path.startsWith('/auth/') &&
      !e.path.startsWith('/__sim/') &&
      (e.fault === undefined || e.fault === 'slow') &&
      (e.status !== 401 || documented(e)),
  );
  const problems: string[] = [];
  for (const e of exchanges) {
    const label = `${e.method} ${e.path}`;
    // Allegro's media type both ways: asked for on every call, and the type of every body sent.
    if (e.headers.accept !== 'application/vnd.allegro.public.v1+json')
      problems.push(`${label}: accept is ${e.headers.accept}`);
    if (e.body !== null && e.headers['content-type'] !== 'application/vnd.allegro.public.v1+json')
      problems.push(`${label}: content-type is ${e.headers['content-type']}`);
    const found = checkExchange(spec, e);
    problems.push(...(options.injectedAnswers?.(e) ? found.filter((p) => !/answer 200/.test(p)) : found));
  }
  const kinds = [
    ...new Set(exchanges.map((e) => `${e.method} ${e.path.replace(/\/[0-9a-f-]{36}|\/\d{6,}/g, '/{id}')}`)),
  ].sort();
  return { exchanges, kinds, problems };
}
