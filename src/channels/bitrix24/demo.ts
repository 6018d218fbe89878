import { Bitrix24State, createBitrix24Simulator } from '../../../simulators/bitrix24/index.ts';
import type { DemoSeed } from '../core/module.ts';

/**
 * The demo's Bitrix24 portal: a "Marketplaces" funnel whose stages follow Sklad's order statuses,
 * and the custom fields the demo account's settings name. The webhook URL names a portal that
 * does not exist: the demo account's base URL (the simulator's) takes its place (api.ts).
 */

const portalName = 'sklad-demo.bitrix24.ru';
const webhook = { userId: 1, code: 'skladdemo0000001' };
const funnelId = 1;

const stages = [
  { status: 'new', statusId: 'NEW', name: 'Новый заказ' },
  { status: 'confirmed', statusId: 'PREPARATION', name: 'Подтверждён' },
  { status: 'shipped', statusId: 'EXECUTING', name: 'Отгружен' },
  { status: 'delivered', statusId: 'WON', name: 'Доставлен' },
  { status: 'cancelled', statusId: 'LOSE', name: 'Отменён' },
  { status: 'returned', statusId: 'RETURNED', name: 'Возврат', semantics: 'failure' as const },
];

const fields = {
  orderKey: 'ORIGIN_ID',
  postingNumber: 'UF_CRM_SKLAD_POSTING',
  externalId: 'UF_CRM_SKLAD_ORDER',
  deliveryNumber: 'UF_CRM_SKLAD_DELIVERY',
  deliveryStatus: 'UF_CRM_SKLAD_DELIVERY_STATUS',
};

export const bitrix24Demo: DemoSeed = {
  credentials: { webhookUrl: `https://${portalName}/rest/${webhook.userId}/${webhook.code}/` },
  simulator() {
    const state = new Bitrix24State();
    state.addPortal({
      name: portalName,
      ...webhook,
      funnels: [
        {
          id: funnelId,
          name: 'Маркетплейсы',
          stages: stages.map(({ statusId, name, semantics }) => ({ statusId, name, semantics })),
        },
      ],
      userFields: Object.values(fields).filter((f) => f.startsWith('UF_')),
      // The demo shops sell in rubles, zlotys, dollars, tenge and dirhams (Namshi): the portal takes each.
      currencies: ['RUB', 'PLN', 'USD', 'EUR', 'KZT', 'AED'],
    });
    return { sim: createBitrix24Simulator({ state }) };
  },
  settings: () => ({
    categoryId: funnelId,
    stageMap: Object.fromEntries(stages.map((s) => [s.status, `C${funnelId}:${s.statusId}`])),
    fields,
  }),
};
