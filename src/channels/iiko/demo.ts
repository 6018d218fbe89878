import { createIikoSimulator, IikoState, seedIiko } from '../../../simulators/iiko/index.ts';
import { listProducts } from '../../menu/queries.ts';
import { ensureIikoSetting, settingOfAccount } from '../../menu/settings.ts';
import { runSync } from '../../menu/sync.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { apiLogin: 'demo-iiko-api-login' };

/**
 * The demo's iiko: one organization's menu. Its account is made through an iiko setting, the
 * first one on a fresh database (id 1, as the seed's clients expect), and synced by the menu sync.
 */
export const iikoDemo: DemoSeed = {
  credentials,
  simulator() {
    const state = new IikoState();
    seedIiko(state, { apiLogin: credentials.apiLogin, seed: 42, organizations: 1 });
    return { sim: createIikoSimulator({ state }) };
  },
  async connect(hub, { name, baseUrl, credentials: given, actor }) {
    const { setting } = await ensureIikoSetting(
      hub,
      { name, api_login: given.apiLogin, base_url: baseUrl, currency: 'RUB' },
      actor,
    );
    return setting.account_id;
  },
  async firstSync(hub, accountId) {
    await runSync(hub, (await settingOfAccount(hub.db, accountId)).id, 'full');
  },
  async describe(hub, accountId) {
    const setting = await settingOfAccount(hub.db, accountId).catch(() => null);
    if (!setting) return [];
    // As GET /api/v1/data/products counts them: dishes and goods, modifiers left out.
    const { total } = await listProducts(hub.db, { settingId: setting.id, limit: 1, offset: 0 });
    return [`iiko setting ${setting.id}: ${total} menu products (GET /api/v1/data/products?setting_id=${setting.id})`];
  },
};
