import { createNamshiSimulator } from '../../../simulators/namshi/index.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { userId: 'demo-seller@namshi.example', apiKey: 'demo-namshi-api-key' };

/** About 22 rubles to the dirham: the demo's prices in AED. */
const toAed = (rub: number) => (Math.round((rub / 22) * 4) / 4).toFixed(2);

/** The demo's Namshi: the UAE shop (dirhams), every demo product listed; on the first start, orders of the last days. */
export const namshiDemo: DemoSeed = {
  credentials,
  simulator({ withOrders }) {
    const sim = createNamshiSimulator();
    const seller = sim.addSeller(credentials);
    for (const p of demoCatalogue)
      seller.addProduct({
        sellerSku: p.sku,
        name: p.name,
        productId: p.ean,
        quantity: 0,
        price: toAed(p.priceRub),
        brand: 'Sklad Demo',
      });
    if (withOrders) {
      const day = 86_400_000;
      const skus = ['DEMO-BOTTLE-500', 'DEMO-MUG-RED', 'DEMO-NOTEBOOK-A5', 'DEMO-LAMP-DESK'];
      const orders = skus.map((sku, i) =>
        seller.addOrder({
          lines: [{ sku, quantity: 1 + (i % 2) }],
          at: new Date(Date.now() - (5 - i) * day),
          customer: { firstName: 'Layla', lastName: `Buyer ${i + 1}` },
          shippingAmount: '10.00',
        }),
      );
      seller.setItemStatus(orders[0].id, 'delivered');
      seller.setItemStatus(orders[1].id, 'shipped');
      seller.cancelOrder(orders[2].id, 'Customer changed their mind');
    }
    return { sim };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, orderDays: 14 }),
  price: (p) => ({ amount: Math.round(Number(toAed(p.priceRub)) * 100), currency: 'AED' }),
  firstJobs: ['orders'],
};
