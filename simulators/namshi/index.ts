import {
  createSellerCenterSimulator,
  type SellerCenterSimulator,
  type SellerCenterSimulatorOptions,
} from '../sellercenter/server.ts';
import type { SellerCenterSeller } from '../sellercenter/state.ts';

/**
 * Namshi's SellerCenter (CONTRACT.md §1, §8): the UAE shop, in dirhams on Dubai time (UTC+4).
 * It answers errors with a 4xx/5xx status as well as the ErrorResponse body (§3 leaves it to
 * the instance), which the Lamoda flavour does not, so the connectors meet both.
 */

export interface NamshiSimulator extends SellerCenterSimulator {
  /** A seller of the UAE shop. */
  addSeller(input: { userId: string; apiKey: string }): SellerCenterSeller;
}

const home = {
  city: 'Dubai',
  region: 'Dubai',
  postCode: '00000',
  country: 'United Arab Emirates',
  phone: '+971500000000',
};

export function createNamshiSimulator(options: Omit<SellerCenterSimulatorOptions, 'flavour'> = {}): NamshiSimulator {
  const sim = createSellerCenterSimulator({
    ...options,
    flavour: { name: 'namshi', utcOffsetMinutes: 240, errorsOverHttp: true },
  });
  return Object.assign(sim, {
    addSeller: (input: { userId: string; apiKey: string }) => sim.state.addSeller({ ...input, currency: 'AED', home }),
  });
}
