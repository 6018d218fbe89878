import { createWildberriesSimulator } from '../../../simulators/wildberries/server.ts';
import { seedWildberries, WbState } from '../../../simulators/wildberries/state.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { token: 'demo-wildberries-token.eyJkZW1vIjp0cnVlfQ.0000' };

/** The demo's Wildberries: a card per demo product; on the first start, two weeks of orders, feedbacks, claims and FBS orders. */
export const wildberriesDemo: DemoSeed = {
  credentials,
  simulator({ withOrders }) {
    const state = seedWildberries(new WbState(3), {
      cards: demoCatalogue.length, article: (i) => demoCatalogue[i - 1].sku, orderRows: 0, feedbacks: 0, claims: 0, fbsOrders: 0,
    });
    const bySku = new Map(demoCatalogue.map((p) => [p.sku, p]));
    for (const card of state.cards) card.price = bySku.get(card.article)!.priceRub;
    // A second pass adds no cards, only what buyers did with the ones above.
    if (withOrders) seedWildberries(state, { cards: 0, orderRows: 36, days: 14, feedbacks: 8, claims: 2, fbsOrders: 6 });
    // Sklad pushes FBS stock to the first seller warehouse (the connector's default); listings are chrtIds.
    const restoreQuantities = (quantities: Map<string, number>) => {
      for (const [chrtId, amount] of quantities) state.fbsStocks.set(`${state.sellerWarehouses[0].id}:${chrtId}`, amount);
    };
    return { sim: createWildberriesSimulator({ state, token: credentials.token }), restoreQuantities };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, firstSyncDays: 14 }),
  firstJobs: ['sync'],
};
