import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { Hub } from '../hub.ts';
import type { AppEnv } from './router.ts';
import { catalogRoutes } from '../catalog/routes.ts';
import { inventoryRoutes } from '../inventory/routes.ts';
import { accessRoutes } from '../access/routes.ts';
import { ordersRoutes } from '../orders/routes.ts';
import { channelsRoutes } from '../channels/core/routes.ts';
import { wixSyncRoutes } from '../channels/wix/routes.ts';
import { webRoutes } from '../web/routes.tsx';
import { engineRoutes } from '../engine/routes.ts';
import { menuRoutes, menuWebhookRoutes } from '../menu/routes.ts';

/**
 * The list every domain registers its routes in: `api` routes are mounted under
 * `mount` (default /api/v1) behind the API key check, `public` ones at the root without it
 * (the admin panel's pages, inbound webhooks that check their own token).
 */
export interface ApiModule {
  name: string;
  api?: (hub: Hub) => OpenAPIHono<AppEnv> | Hono<AppEnv>;
  mount?: string;
  public?: (hub: Hub) => OpenAPIHono<AppEnv> | Hono<AppEnv>;
}

export const apiModules: ApiModule[] = [
  { name: 'access', api: accessRoutes },
  { name: 'catalog', api: catalogRoutes },
  { name: 'inventory', api: inventoryRoutes },
  { name: 'orders', api: ordersRoutes },
  { name: 'channels', api: channelsRoutes },
  { name: 'wix-sync', api: wixSyncRoutes },
  { name: 'web', public: webRoutes },
  // Before the engine: GET /sync/history with the seed's iiko filters is answered by the menu.
  { name: 'menu', api: menuRoutes, public: menuWebhookRoutes },
  { name: 'engine', api: engineRoutes },
  ...(await import('../notifications/module.ts')).notificationModules,
];
