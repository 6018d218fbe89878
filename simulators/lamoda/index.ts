import {
  createSellerCenterSimulator,
  type SellerCenterSimulator,
  type SellerCenterSimulatorOptions,
} from '../sellercenter/server.ts';
import type { SellerCenterSeller } from '../sellercenter/state.ts';

/**
 * Lamoda's SellerCenter (CONTRACT.md §1: one endpoint per instance, at the root of
 * `https://sellercenter-api.<marketplace>/`): one instance per shop, Russia in rubles on
 * Moscow time, Kazakhstan in tenge on Almaty's (UTC+5). It answers errors with HTTP 200
 * and the ErrorResponse in the body (§3: the status is not the signal), which the Namshi
 * flavour does not, so the connectors meet both.
 */

export type LamodaShop = 'ru' | 'kz';

const shops = {
  ru: {
    currency: 'RUB',
    utcOffsetMinutes: 180,
    home: { city: 'Москва', region: 'Москва', postCode: '101000', country: 'Russia', phone: '+79000000000' },
  },
  kz: {
    currency: 'KZT',
    utcOffsetMinutes: 300,
    home: { city: 'Алматы', region: 'Алматы', postCode: '050000', country: 'Kazakhstan', phone: '+77000000000' },
  },
} as const;

export interface LamodaSimulator extends SellerCenterSimulator {
  shop: LamodaShop;
  /** A seller of this shop: its currency and its buyers' addresses. */
  addSeller(input: { userId: string; apiKey: string }): SellerCenterSeller;
}

export function createLamodaSimulator(
  options: Omit<SellerCenterSimulatorOptions, 'flavour'> & { shop?: LamodaShop } = {},
): LamodaSimulator {
  const shop = options.shop ?? 'ru';
  const { currency, utcOffsetMinutes, home } = shops[shop];
  const sim = createSellerCenterSimulator({
    ...options,
    flavour: { name: `lamoda-${shop}`, utcOffsetMinutes, errorsOverHttp: false },
  });
  return Object.assign(sim, {
    shop,
    addSeller: (input: { userId: string; apiKey: string }) => sim.state.addSeller({ ...input, currency, home }),
  });
}
