import { z } from 'zod';
import type { Connector } from '../core/connector.ts';
import { IIKO_BASE_URL, iikoApi } from './api.ts';
import { IIKO_SYNC_SCHEDULE, scheduledSyncKinds } from './schedule.ts';

/**
 * iiko Cloud (restaurant POS). It sells nothing Sklad stocks: it brings the menu, which the
 * menu domain (src/menu) keeps. One account per API login; the iiko setting that owns it
 * (iiko_settings.account_id) says which organizations to read. Its jobs are the seed's
 * schedule; what each one does (a sync of one kind, run by the menu domain) is wired in
 * module.ts, so this adapter knows nothing of the menu's tables (docs/decisions/120).
 */

const descriptions: Record<keyof typeof IIKO_SYNC_SCHEDULE, string> = {
  menu: 'The whole nomenclature (categories, products, sizes, modifiers), combos, external menus and price categories',
  prices: 'Only what changed in the nomenclature since the last revision (prices, new and removed items)',
  stoplist: 'Stop lists, and product availability from them',
  terminals: 'Terminal groups',
  payments: 'Payment types',
};

export const iikoConnector: Connector = {
  channel: 'iiko',
  title: 'iiko Cloud',
  defaultBaseUrl: IIKO_BASE_URL,
  capabilities: { listings: false, pushStock: false, readStock: false, orders: false },
  // iiko publishes no numbers; a few requests a second per login is what integrators keep to.
  limits: { pushBatchSize: 1, requestsPerSecond: 5, burst: 10, maxConcurrent: 2 },
  credentialsSchema: z.object({
    apiLogin: z.string().trim().min(8, 'the API login from iikoWeb (Integration → API logins)').max(200),
  }),
  async validate(ctx) {
    const organizations = await iikoApi.organizations(ctx);
    if (!organizations.length) return { ok: false, reason: 'The API login sees no organizations' };
    return {
      ok: true,
      details: `${organizations.length} organization(s): ${organizations.map((o) => o.name ?? o.id).join(', ')}`,
    };
  },
  jobs: scheduledSyncKinds.map((kind) => ({
    name: kind,
    description: descriptions[kind],
    defaultCron: IIKO_SYNC_SCHEDULE[kind],
  })),
};
