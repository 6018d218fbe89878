import type { Hub } from '../hub.ts';
import { catalogRoutes } from '../catalog/routes.ts';
import { inventoryRoutes } from '../inventory/routes.ts';
import { accessRoutes } from '../access/routes.ts';
import { ordersRoutes } from '../orders/routes.ts';
import { channelsRoutes } from '../channels/core/routes.ts';
import { channelModules, type ApiModule } from '../channels/core/module.ts';
import { webRoutes } from '../web/routes.tsx';
import { engineRoutes } from '../engine/routes.ts';
import { menuRoutes, menuWebhookRoutes } from '../menu/routes.ts';
import { notificationModules } from '../notifications/module.ts';
import { supportRoutes } from '../support/routes.ts';
import { exportRoutes } from '../exports/routes.ts';
import { importRoutes } from '../imports/routes.ts';
import { deliveryRoutes } from '../delivery/routes.ts';
import { reconcileRoutes } from '../reconcile/routes.ts';
import { pricingRoutes } from '../pricing/routes.ts';
import { reportRoutes } from '../reports/routes.ts';

/**
 * Every domain's routes, then the channel modules' own (src/channels/core/module.ts): `api`
 * routes are mounted under `mount` (default /api/v1) behind the API key check, `public` ones at
 * the root without it (the admin panel's pages, inbound webhooks that check their own token).
 */
export function apiModules(_hub?: Hub): ApiModule[] {
  return [
    { name: 'access', api: accessRoutes },
    { name: 'catalog', api: catalogRoutes },
    { name: 'pricing', api: pricingRoutes },
    { name: 'inventory', api: inventoryRoutes },
    { name: 'orders', api: ordersRoutes },
    { name: 'support', api: supportRoutes },
    { name: 'delivery', api: deliveryRoutes },
    { name: 'reconcile', api: reconcileRoutes },
    { name: 'channels', api: channelsRoutes },
    { name: 'exports', api: exportRoutes },
    { name: 'imports', api: importRoutes },
    { name: 'reports', api: reportRoutes },
    ...channelModules().flatMap((m) => m.routes ?? []),
    { name: 'web', public: webRoutes },
    // Before the engine: GET /sync/history with the seed's iiko filters is answered by the menu.
    { name: 'menu', api: menuRoutes, public: menuWebhookRoutes },
    { name: 'engine', api: engineRoutes },
    ...notificationModules,
  ];
}
