import { AllegroState, createAllegroSimulator } from '../../../simulators/allegro/index.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = {
  clientId: 'demo-allegro-client',
  clientSecret: 'demo-allegro-client-secret',
  refreshToken: 'demo-allegro-refresh-token',
};

/** The demo's Allegro: an offer per demo product; on the first start buyers pay, order and cancel once the listings are synced. */
export const allegroDemo: DemoSeed = {
  credentials,
  simulator({ withOrders }) {
    const state = new AllegroState();
    state.addClient(credentials.clientId, credentials.clientSecret);
    // As if the seller had granted access once: the refresh token the account holds is known.
    state.refreshTokens.set(credentials.refreshToken, credentials.clientId);
    const offers = demoCatalogue.map((p) =>
      state.addOffer({
        name: p.name,
        // The lamp has no external.id on Allegro: it is matched by its EAN, as the seed's offers often were.
        externalId: p.sku === 'DEMO-LAMP-DESK' ? null : p.sku,
        ean: p.ean,
        available: 5,
        price: (Math.round((p.priceRub / 20) * 100) / 100).toFixed(2),
      }),
    );
    const offer = (sku: string) => offers[demoCatalogue.findIndex((p) => p.sku === sku)].id;
    const buyersAct = withOrders
      ? () => {
          state.placeOrder({
            lines: [
              { offerId: offer('DEMO-MUG-RED'), quantity: 2 },
              { offerId: offer('DEMO-PEN-SET'), quantity: 1 },
            ],
            paid: true,
          });
          state.placeOrder({ lines: [{ offerId: offer('DEMO-TEE-M'), quantity: 1 }] });
          const cancelled = state.placeOrder({ lines: [{ offerId: offer('DEMO-CAP-BLACK'), quantity: 1 }] });
          state.cancelOrder(cancelled.id);
        }
      : undefined;
    return { sim: createAllegroSimulator({ state }), buyersAct };
  },
  settings: (warehouseId) => ({ warehouseId }),
  price: (p) => ({ amount: Math.round((p.priceRub / 20) * 100), currency: 'PLN' }),
  firstJobs: ['order-events'],
};
