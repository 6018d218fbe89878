import { z } from 'zod';
import { CredentialsRejected, type ChannelLimits, type Connector } from '../core/connector.ts';
import { kaspiSettings, settingsOf } from './client.ts';
import { fetchKaspiOrder, listKaspiOrders, listOrders, syncKaspiOrders } from './orders.ts';

/** Kaspi publishes no limits (§8): a few requests a second, two at a time, is what a shop's order flow needs. */
const defaults: ChannelLimits = { pushBatchSize: 100, requestsPerSecond: 5, burst: 5, maxConcurrent: 2 };

/**
 * «Магазин на Kaspi.kz» (../shared/specs/kaspi/CONTRACT.md): orders pulled from the merchant
 * API and written off Sklad's stock. Kaspi takes stock and prices only from the seller's price
 * list, an XML file it downloads from a URL (§6): Sklad serves it (routes.ts), so this
 * connector reads no listings and pushes no quantities. It takes prices (an account may have
 * its own price or rule) in whole tenge, but through the list: no `pushPrices`.
 */
export const kaspiConnector: Connector = {
  channel: 'kaspi',
  title: 'Kaspi.kz',
  defaultBaseUrl: 'https://kaspi.kz/shop/api/v2',
  capabilities: { listings: false, pushStock: false, readStock: false, orders: true, pushPrices: true },
  limits: defaults,
  // §6 [3P]: integer prices (tenge, VAT included): tiyn rounded to whole tenge.
  pricing: { step: 100, currencies: ['KZT'] },
  credentialsSchema: z.object({
    token: z.string().trim().min(8, 'the API token from the Kaspi cabinet: Settings → API token').max(500),
  }),
  settingsSchema: kaspiSettings,
  secretHeaders: ['X-Auth-Token'],

  limitsFor(account) {
    const requestsPerSecond = settingsOf(account).requestsPerSecond;
    return requestsPerSecond ? { ...defaults, requestsPerSecond, burst: Math.ceil(requestsPerSecond) } : defaults;
  },
  // No validateOnAdd: Kaspi answers only from Kazakhstan (§1 [3P]), and an account whose check fails abroad still serves its price list.

  async validate(ctx) {
    const now = Date.now();
    try {
      // The cheapest call there is: one order of the last day.
      const page = await listOrders(ctx, { from: now - 86_400_000, to: now, page: 0, size: 1 }, 2);
      return { ok: true, details: `Kaspi answered: ${page.meta.totalCount} order(s) in the last 24 hours` };
    } catch (error) {
      if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
      throw error;
    }
  },

  fetchOrder: fetchKaspiOrder,
  listOrders: listKaspiOrders,

  jobs: [
    {
      name: 'orders',
      description: 'Kaspi orders into Sklad’s orders (and their stock)',
      defaultCron: '*/5 * * * *',
      run: syncKaspiOrders,
    },
  ],
};
