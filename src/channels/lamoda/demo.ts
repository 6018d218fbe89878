import { createLamodaSimulator } from '../../../simulators/lamoda/index.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { userId: 'demo-seller@lamoda.example', apiKey: 'demo-lamoda-ru-api-key' };
const kzCredentials = { userId: 'demo-seller@lamoda.kz.example', apiKey: 'demo-lamoda-kz-api-key' };

/** Tenge of a demo price in rubles (about 5.5 ₸ to the ruble), to the nearest 10 ₸. */
const tengeOf = (priceRub: number) => Math.round((priceRub * 11) / 20) * 10;

/** The Kazakhstan shop, in tenge: its catalog is empty until it comes over from the RU shop (seed 004 §3, the catalog export). */
const lamodaKzDemo: DemoSeed = {
  name: 'Lamoda KZ',
  credentials: kzCredentials,
  simulator() {
    const sim = createLamodaSimulator({ shop: 'kz' });
    sim.addSeller(kzCredentials);
    return { sim };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, currency: 'KZT' }),
  price: (p) => ({ amount: tengeOf(p.priceRub) * 100, currency: 'KZT' }),
};

/**
 * The demo's Lamoda: the Russian shop (rubles), every demo product listed with none in stock
 * until Sklad pushes its quantities; on the first start, orders of the last week in several
 * states; and beside it the Kazakhstan shop, the catalog export's target.
 */
export const lamodaDemo: DemoSeed = {
  name: 'Lamoda RU',
  also: [lamodaKzDemo],
  credentials,
  simulator({ withOrders }) {
    const sim = createLamodaSimulator({ shop: 'ru' });
    const seller = sim.addSeller(credentials);
    for (const p of demoCatalogue)
      seller.addProduct({
        sellerSku: p.sku,
        name: p.name,
        productId: p.ean,
        quantity: 0,
        price: p.priceRub.toFixed(2),
        brand: 'Sklad Demo',
      });
    if (withOrders) {
      const day = 86_400_000;
      const skus = ['DEMO-TEE-M', 'DEMO-CAP-BLACK', 'DEMO-TOTE-BAG', 'DEMO-SOCKS-42', 'DEMO-TEE-S'];
      const orders = skus.map((sku, i) =>
        seller.addOrder({
          lines: [{ sku, quantity: 1 + (i % 2) }],
          at: new Date(Date.now() - (6 - i) * day),
          customer: { firstName: 'Ольга', lastName: `Покупатель ${i + 1}` },
          shippingAmount: '199.00',
        }),
      );
      seller.setItemStatus(orders[0].id, 'delivered');
      seller.setItemStatus(orders[1].id, 'shipped');
      seller.setItemStatus(orders[2].id, 'ready_to_ship');
      seller.cancelOrder(orders[3].id, 'Покупатель передумал');
    }
    return { sim };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, orderDays: 14 }),
  firstJobs: ['orders'],
};
