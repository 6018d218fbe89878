import { createOzonSimulator } from '../../../simulators/ozon/server.ts';
import { OzonState, seedOzon, type OzonCustomer, type OzonDeliveryMethod } from '../../../simulators/ozon/state.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { clientId: '100200', apiKey: 'demo-ozon-api-key' };

/** A delivery method the seller ships with CDEK (rFBS-style: Ozon names the buyer and the address). */
const cdekMethod: OzonDeliveryMethod = {
  id: 1_020_000_089_903_000,
  name: 'СДЭК Курьер',
  tplProvider: 'СДЭК',
  tplProviderId: 1_020_000_000_000,
  integration: 'non_integrated',
};

/** The buyers of the demo's CDEK postings; the last lives where the demo CDEK does not deliver (Певек). */
const cdekBuyers: OzonCustomer[] = [
  {
    id: 7_001,
    name: 'Анна Смирнова',
    address: {
      country: 'Россия',
      region: 'Москва',
      city: 'Москва',
      addressTail: 'ул. Тверская, д. 7, кв. 12',
      zipCode: '125009',
    },
  },
  {
    id: 7_002,
    name: 'Игорь Петров',
    address: {
      country: 'Россия',
      region: 'Новосибирская область',
      city: 'Новосибирск',
      addressTail: 'Красный проспект, д. 25',
      zipCode: '630099',
    },
  },
  {
    id: 7_003,
    name: 'Мария Козлова',
    address: {
      country: 'Россия',
      region: 'Санкт-Петербург',
      city: 'Санкт-Петербург',
      addressTail: 'Невский проспект, д. 28',
      zipCode: '191186',
    },
  },
  {
    id: 7_004,
    name: 'Олег Иванов',
    address: {
      country: 'Россия',
      region: 'Чукотский автономный округ',
      city: 'Певек',
      addressTail: 'ул. Пугачёва, д. 3',
      zipCode: '689400',
    },
  },
];

/**
 * The demo's Ozon: a product per demo product, three FBO and one FBS warehouse; on the first start, postings of the last 8 days,
 * four of them shipped by CDEK (one to a town the demo CDEK refuses).
 */
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
      const skus = [
        'DEMO-BOTTLE-500',
        'DEMO-NOTEBOOK-A5',
        'DEMO-SOCKS-42',
        'DEMO-MUG-BLUE',
        'DEMO-TOTE-BAG',
        'DEMO-TEE-L',
        'DEMO-PEN-SET',
        'DEMO-LAMP-DESK',
      ];
      // Postings 2, 4, 5 and 6 (still to be shipped) go by CDEK: the delivery flow makes their delivery orders.
      const byCdek = new Map([2, 4, 5, 6].map((n, k) => [n, cdekBuyers[k]]));
      const postings = skus.map((sku, i) =>
        state.addPosting({
          warehouseId: fbs.id,
          lines: [{ offerId: sku, quantity: 1 + (i % 2) }],
          at: new Date(Date.now() - (8 - i) * day),
          ...(byCdek.has(i) ? { deliveryMethod: cdekMethod, customer: byCdek.get(i) } : {}),
        }),
      );
      state.setPostingStatus(postings[0].postingNumber, 'delivered');
      state.setPostingStatus(postings[1].postingNumber, 'delivering');
      state.setPostingStatus(postings[2].postingNumber, 'awaiting_deliver');
      state.setPostingStatus(postings[3].postingNumber, 'cancelled', { cancelReason: 'The buyer changed his mind' });
    }
    // Ozon takes one update per product and warehouse every 30 s; the demo's first sync and the pushes
    // right after it would spend the first minute retrying, so its simulator leaves that rule out.
    return {
      sim: createOzonSimulator({
        state,
        clientId: credentials.clientId,
        apiKey: credentials.apiKey,
        pairUpdateIntervalMs: 0,
      }),
    };
  },
  settings: (warehouseId) => ({ stockWarehouseId: warehouseId, postingDays: 14 }),
  // Ozon gives no parcel size and hides the buyer's phone: the demo's defaults stand in for what a seller would set.
  deliveryLink: {
    methods: [String(cdekMethod.id)],
    defaults: { weight_grams: 500, length_cm: 30, width_cm: 20, height_cm: 10, phone: '+79990000000' },
  },
  firstJobs: ['stocks', 'postings'],
};
