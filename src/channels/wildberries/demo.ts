import { createWildberriesSimulator, sellerLike } from '../../../simulators/wildberries/server.ts';
import { seedWildberries, WbState } from '../../../simulators/wildberries/state.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { token: 'demo-wildberries-token.eyJkZW1vIjp0cnVlfQ.0000' };

/**
 * A second key the demo's WB simulator issued, to another seller with the same cards: no demo
 * account uses it, so seed 001's "add a cabinet" (`POST /wb/cabinets/?user_id=1&api_key=…`, or
 * `/add_wb` in the bot) makes a new cabinet with it, and "join an existing cabinet" joins that one.
 * The same on every start (the simulator forgets what it issued).
 */
const secondDemoWbKey = 'demo-wildberries-key-2.eyJzZWxsZXIiOjJ9.0002';

/** The second seller: two weeks of orders, buyouts, a few returns and cancellations, stock at WB. */
function secondSeller(first: WbState): WbState {
  const state = sellerLike(first, 11);
  seedWildberries(state, {
    cards: 0,
    orderRows: 24,
    days: 14,
    cancelShare: 0.2,
    buyoutShare: 0.8,
    returnShare: 0.25,
    feedbacks: 4,
    claims: 1,
    fbsOrders: 2,
  });
  for (const [i, card] of state.cards.entries()) {
    for (const name of WbState.warehouseNames.slice(0, 2))
      state.setWbStock(card.article, name, 3 + (i % 5), Date.now() - 86_400_000);
  }
  return state;
}

/** The demo's Wildberries: a card per demo product; on the first start, two weeks of orders, feedbacks, claims and FBS orders. */
export const wildberriesDemo: DemoSeed = {
  credentials,
  simulator({ withOrders }) {
    const state = seedWildberries(new WbState(3), {
      cards: demoCatalogue.length,
      article: (i) => demoCatalogue[i - 1].sku,
      orderRows: 0,
      feedbacks: 0,
      claims: 0,
      fbsOrders: 0,
    });
    const bySku = new Map(demoCatalogue.map((p) => [p.sku, p]));
    for (const card of state.cards) card.price = bySku.get(card.article)!.priceRub;
    const second = secondSeller(state);
    // A second pass adds no cards, only what buyers did with the ones above.
    if (withOrders)
      seedWildberries(state, { cards: 0, orderRows: 36, days: 14, feedbacks: 8, claims: 2, fbsOrders: 6 });
    // Sklad pushes FBS stock to the first seller warehouse (the connector's default); listings are chrtIds.
    const restoreQuantities = (quantities: Map<string, number>) => {
      for (const [chrtId, amount] of quantities)
        state.fbsStocks.set(`${state.sellerWarehouses[0].id}:${chrtId}`, amount);
    };
    const sim = createWildberriesSimulator({
      state,
      token: credentials.token,
      keys: [{ token: secondDemoWbKey, state: second }],
    });
    return { sim, restoreQuantities };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, firstSyncDays: 14 }),
  firstJobs: ['sync'],
  describe: async () => [
    `Wildberries: while the demo runs, cabinets added by key (POST /wb/cabinets/, /add_wb) talk to its simulator; a second key it issued, unused: ${secondDemoWbKey}`,
  ],
};
