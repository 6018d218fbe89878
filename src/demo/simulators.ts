import crypto from 'node:crypto';
import { AllegroState, createAllegroSimulator } from '../../simulators/allegro/index.ts';
import { createGenericSimulator } from '../../simulators/generic/index.ts';
import { createIikoSimulator, IikoState, seedIiko } from '../../simulators/iiko/index.ts';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import type { Simulator } from '../../simulators/toolkit/index.ts';
import { createWildberriesSimulator } from '../../simulators/wildberries/server.ts';
import { seedWildberries, WbState } from '../../simulators/wildberries/state.ts';
import { createWixSimulator, WixState } from '../../simulators/wix/index.ts';
import { demoCatalogue, wixSizedProduct } from './catalogue.ts';

/**
 * The simulators the demo runs in-process, one per channel, each on a free loopback port and
 * seeded with the demo catalogue. Their state lives in memory only, so every start seeds them
 * again the same way: ids, keys and SKUs come out identical (deterministic seeds, fixed demo
 * credentials), and the demo accounts saved in Sklad keep matching them. Only the first start
 * also seeds orders; after a restart Sklad already holds them.
 */

/** Fixed credentials: they only ever open these loopback simulators. */
export const demoCredentials = {
  generic: { apiKey: 'demo-generic-api-key' },
  allegro: { clientId: 'demo-allegro-client', clientSecret: 'demo-allegro-client-secret', refreshToken: 'demo-allegro-refresh-token' },
  wix: { apiKey: 'IST.demo-wix-api-key', siteId: 'd3e0d3e0-0000-4000-8000-000000000001' },
  ozon: { clientId: '100200', apiKey: 'demo-ozon-api-key' },
  wildberries: { token: 'demo-wildberries-token.eyJkZW1vIjp0cnVlfQ.0000' },
  iiko: { apiLogin: 'demo-iiko-api-login' },
} as const satisfies Record<string, Record<string, string>>;

export interface DemoSimulator {
  channel: string;
  url: string;
  /** After the account's first sync: what buyers do on the channel (places orders), when it has any. */
  buyersAct?: () => void;
  /**
   * After a restart, for a channel whose quantities Sklad cannot read back: the quantities
   * last pushed, by listing external id, so the simulator shows what the real service would.
   */
  restoreQuantities?: (quantities: Map<string, number>) => void;
}

/** Telegram's simulator is the notifier's to start (src/notifications/demo.ts), not this file's. */
export interface DemoSimulators {
  channels: Map<string, DemoSimulator>;
  close(): Promise<void>;
}

/** A UUID made from a name, so a Wix product keeps its id from one start to the next. */
function stableUuid(name: string): string {
  const hex = crypto.createHash('sha256').update(`sklad-demo:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const bySku = new Map(demoCatalogue.map((p) => [p.sku, p]));

function genericSimulator() {
  const sim = createGenericSimulator({ apiKey: demoCredentials.generic.apiKey });
  demoCatalogue.forEach((p, i) => sim.add({ id: `L${i + 1}`, sku: p.sku, ean: p.ean, name: p.name, quantity: 0 }));
  return { sim };
}

function allegroSimulator(withOrders: boolean) {
  const state = new AllegroState();
  const { clientId, clientSecret, refreshToken } = demoCredentials.allegro;
  state.addClient(clientId, clientSecret);
  // As if the seller had granted access once: the refresh token the account holds is known.
  state.refreshTokens.set(refreshToken, clientId);
  const offers = demoCatalogue.map((p) =>
    state.addOffer({
      name: p.name,
      // The lamp has no external.id on Allegro: it is matched by its EAN, as the seed's offers often were.
      externalId: p.sku === 'DEMO-LAMP-DESK' ? null : p.sku,
      ean: p.ean,
      available: 5,
      price: (p.priceRub / 20).toFixed(2),
    }),
  );
  const offer = (sku: string) => offers[demoCatalogue.findIndex((p) => p.sku === sku)].id;
  const buyersAct = withOrders
    ? () => {
        state.placeOrder({ lines: [{ offerId: offer('DEMO-MUG-RED'), quantity: 2 }, { offerId: offer('DEMO-PEN-SET'), quantity: 1 }], paid: true });
        state.placeOrder({ lines: [{ offerId: offer('DEMO-TEE-M'), quantity: 1 }] });
        const cancelled = state.placeOrder({ lines: [{ offerId: offer('DEMO-CAP-BLACK'), quantity: 1 }] });
        state.cancelOrder(cancelled.id);
      }
    : undefined;
  return { sim: createAllegroSimulator({ state }), buyersAct };
}

function wixSimulator() {
  const state = new WixState();
  const site = state.addSite(demoCredentials.wix.siteId, demoCredentials.wix.apiKey);
  const sized = new Set(wixSizedProduct.sizes.map((s) => `${wixSizedProduct.sku}-${s}`));
  const add = (input: Parameters<WixState['addProduct']>[1]) => {
    const product = state.addProduct(site.id, input);
    // The simulator draws random ids; the demo's must survive a restart, so they are made from the SKU.
    site.products.delete(product.id);
    product.id = stableUuid(`wix:${input.sku}`);
    if (product.manageVariants) for (const v of product.variants) v.id = stableUuid(`wix:${v.sku}`);
    site.products.set(product.id, product);
    // The shop sells in dollars: about a ninetieth of the ruble price.
    product.price = Math.round(((bySku.get(input.sku) ?? bySku.get(`${input.sku}-M`))!.priceRub / 90) * 100) / 100;
  };
  add({ name: wixSizedProduct.name, sku: wixSizedProduct.sku, options: [...wixSizedProduct.sizes], quantity: 0 });
  for (const p of demoCatalogue) if (!sized.has(p.sku)) add({ name: p.name, sku: p.sku, quantity: 0 });
  return { sim: createWixSimulator({ state }) };
}

function ozonSimulator(withOrders: boolean) {
  const state = seedOzon(new OzonState(), {
    products: demoCatalogue.length,
    offerId: (i) => demoCatalogue[i - 1].sku,
    fboWarehouses: 3,
    fbsWarehouses: 1,
    rfbsWarehouses: 0,
    postings: 0,
    seed: 7,
  });
  for (const product of state.products) {
    const p = bySku.get(product.offerId)!;
    product.name = p.name;
    product.barcode = p.ean;
    product.price = p.priceRub.toFixed(4);
  }
  if (withOrders) {
    const fbs = state.warehouses.find((w) => w.type === 'fbs')!;
    const day = 86_400_000;
    const skus = ['DEMO-BOTTLE-500', 'DEMO-NOTEBOOK-A5', 'DEMO-SOCKS-42', 'DEMO-MUG-BLUE', 'DEMO-TOTE-BAG', 'DEMO-TEE-L', 'DEMO-PEN-SET', 'DEMO-LAMP-DESK'];
    const postings = skus.map((sku, i) =>
      state.addPosting({ warehouseId: fbs.id, lines: [{ offerId: sku, quantity: 1 + (i % 2) }], at: new Date(Date.now() - (8 - i) * day) }),
    );
    state.setPostingStatus(postings[0].postingNumber, 'delivered');
    state.setPostingStatus(postings[1].postingNumber, 'delivering');
    state.setPostingStatus(postings[2].postingNumber, 'awaiting_deliver');
    state.setPostingStatus(postings[3].postingNumber, 'cancelled', { cancelReason: 'The buyer changed his mind' });
  }
  const { clientId, apiKey } = demoCredentials.ozon;
  // Ozon takes one update per product and warehouse every 30 s; the demo's first sync and the pushes
  // right after it would spend the first minute retrying, so its simulator leaves that rule out.
  return { sim: createOzonSimulator({ state, clientId, apiKey, pairUpdateIntervalMs: 0 }) };
}

function wildberriesSimulator(withOrders: boolean) {
  const state = seedWildberries(new WbState(3), {
    cards: demoCatalogue.length, article: (i) => demoCatalogue[i - 1].sku, orderRows: 0, feedbacks: 0, claims: 0, fbsOrders: 0,
  });
  for (const card of state.cards) card.price = bySku.get(card.article)!.priceRub;
  // A second pass adds no cards, only what buyers did with the ones above.
  if (withOrders) seedWildberries(state, { cards: 0, orderRows: 36, days: 14, feedbacks: 8, claims: 2, fbsOrders: 6 });
  // Sklad pushes FBS stock to the first seller warehouse (the connector's default); listings are chrtIds.
  const restoreQuantities = (quantities: Map<string, number>) => {
    for (const [chrtId, amount] of quantities) state.fbsStocks.set(`${state.sellerWarehouses[0].id}:${chrtId}`, amount);
  };
  return { sim: createWildberriesSimulator({ state, token: demoCredentials.wildberries.token }), restoreQuantities };
}

function iikoSimulator() {
  const state = new IikoState();
  seedIiko(state, { apiLogin: demoCredentials.iiko.apiLogin, seed: 42, organizations: 1 });
  return { sim: createIikoSimulator({ state }) };
}

/** Starts every channel's simulator on free loopback ports. */
export async function startDemoSimulators(options: { withOrders: boolean }): Promise<DemoSimulators> {
  const made: Record<string, { sim: Simulator } & Pick<DemoSimulator, 'buyersAct' | 'restoreQuantities'>> = {
    generic: genericSimulator(),
    allegro: allegroSimulator(options.withOrders),
    wix: wixSimulator(),
    ozon: ozonSimulator(options.withOrders),
    wildberries: wildberriesSimulator(options.withOrders),
    iiko: iikoSimulator(),
  };
  const closers: (() => Promise<void>)[] = [];
  const channels = new Map<string, DemoSimulator>();
  try {
    for (const [channel, { sim, buyersAct, restoreQuantities }] of Object.entries(made)) {
      const server = await sim.listen(0);
      closers.push(server.close);
      channels.set(channel, { channel, url: server.url, buyersAct, restoreQuantities });
    }
    return { channels, close: async () => void (await Promise.all(closers.map((c) => c()))) };
  } catch (error) {
    await Promise.all(closers.map((c) => c()));
    throw error;
  }
}
