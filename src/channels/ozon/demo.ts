import { createOzonSimulator } from '../../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../../simulators/ozon/state.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { clientId: '100200', apiKey: 'demo-ozon-api-key' };

/** The demo's Ozon: a product per demo product, three FBO and one FBS warehouse; on the first start, postings of the last 8 days. */
export const ozonDemo: DemoSeed = {
  credentials,
  simulator({ withOrders }) {
    const state = seedOzon(new OzonState(), {
      products: demoCatalogue.length,
      offerId: (i) => demoCatalogue[i - 1].sku,
      fboWarehouses: 3,
      fbsWarehouses: 1,
      rfbsWarehouses: 0,
      postings: 0,
      seed: 7,
    });
    const bySku = new Map(demoCatalogue.map((p) => [p.sku, p]));
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
    // Ozon takes one update per product and warehouse every 30 s; the demo's first sync and the pushes
    // right after it would spend the first minute retrying, so its simulator leaves that rule out.
    return { sim: createOzonSimulator({ state, clientId: credentials.clientId, apiKey: credentials.apiKey, pairUpdateIntervalMs: 0 }) };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, postingDays: 14 }),
  firstJobs: ['stocks', 'postings'],
};
