import { createKaspiSimulator, KaspiState } from '../../../simulators/kaspi/index.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';
import { priceListPath } from './routes.ts';

const credentials = { token: 'demo-kaspi-api-token-0000' };
const MERCHANT_ID = '30500100';

/** Tenge of a demo price in rubles (about 5.5 ₸ to the ruble), to the nearest 10 ₸ as Kaspi's shops price. */
const tengeOf = (priceRub: number) => Math.round((priceRub * 11) / 20) * 10;

/** The demo's Kaspi shop: on the first start, a week of orders of demo products in tenge, one cancelled and one delivered. */
export const kaspiDemo: DemoSeed = {
  credentials,
  simulator({ withOrders }) {
    const state = new KaspiState();
    const shop = state.addShop({ merchantId: MERCHANT_ID, name: 'Demo Kaspi shop', token: credentials.token });
    if (withOrders) {
      const day = 86_400_000;
      const skus = [
        'DEMO-MUG-RED',
        'DEMO-TEE-M',
        'DEMO-CAP-BLACK',
        'DEMO-NOTEBOOK-A5',
        'DEMO-BOTTLE-500',
        'DEMO-LAMP-DESK',
      ];
      const orders = skus.map((sku, i) => {
        const p = demoCatalogue.find((d) => d.sku === sku)!;
        return shop.addOrder({
          entries: [{ sku, name: p.name, price: tengeOf(p.priceRub), quantity: 1 + (i % 2) }],
          at: Date.now() - (7 - i) * day,
          delivery: i % 3 === 0 ? 'pickup' : 'kaspi',
        });
      });
      shop.acceptOrder(orders[0].code);
      shop.setStatus(orders[0].code, 'COMPLETED');
      shop.acceptOrder(orders[1].code);
      shop.handToCourier(orders[1].code);
      shop.cancelOrder(orders[2].code, 'BUYER_CANCELLATION_BY_MERCHANT');
      shop.acceptOrder(orders[3].code);
    }
    return { sim: createKaspiSimulator({ state }) };
  },
  settings: (warehouseId) => ({ merchantId: MERCHANT_ID, storeId: 'PP1', stockWarehouseId: warehouseId }),
  price: (p) => ({ amount: tengeOf(p.priceRub) * 100, currency: 'KZT' }),
  firstJobs: ['orders'],
  describe: async (hub, accountId) => [
    `Kaspi downloads its price list from ${hub.config.SKLAD_PUBLIC_URL ?? ''}${await priceListPath(hub, accountId)}`,
  ],
};
