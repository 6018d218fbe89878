import type { ChannelModule, DomainJobRun } from '../core/module.ts';
import { syncForConnectorJob } from '../../menu/sync.ts';
import { iikoLoginRefusal } from './api.ts';
import { iikoConnector } from './connector.ts';
import { iikoDemo } from './demo.ts';
import { scheduledSyncKinds, type ScheduledSyncKind } from './schedule.ts';

/**
 * iiko as Sklad assembles it: the connector stays a pure adapter of iiko Cloud, and the menu
 * domain (src/menu), iiko's ingestion, does what its scheduled jobs do (docs/decisions/090, 120).
 */

const menuSync =
  (kind: ScheduledSyncKind): DomainJobRun =>
  (hub, ctx, run) =>
    syncForConnectorJob(hub, ctx, run, kind);

export const iikoModule: ChannelModule = {
  connector: iikoConnector,
  credentialFields: [
    {
      key: 'apiLogin',
      label: { ru: 'API-логин', en: 'API login' },
      help: { ru: 'Логин из iikoWeb: Интеграции → API-логины', en: 'The login from iikoWeb: Integration → API logins' },
      secret: true,
    },
  ],
  rejectedCredentials: iikoLoginRefusal,
  jobRuns: Object.fromEntries(scheduledSyncKinds.map((kind) => [kind, menuSync(kind)])),
  demo: iikoDemo,
  jobLabels: {
    'iiko.menu': { ru: 'Меню iiko', en: 'iiko menu' },
    'iiko.prices': { ru: 'Цены iiko', en: 'iiko prices' },
    'iiko.stoplist': { ru: 'Стоп-листы iiko', en: 'iiko stop lists' },
    'iiko.terminals': { ru: 'Терминалы iiko', en: 'iiko terminals' },
    'iiko.payments': { ru: 'Типы оплат iiko', en: 'iiko payment types' },
    // Not a job: the sync runs of POST /api/v1/sync/full (src/menu/sync.ts) carry this type.
    'iiko.full': { ru: 'Полная синхронизация iiko', en: 'iiko full sync' },
  },
};
