import type { Command } from 'commander';
import type { Hono } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../../http/router.ts';
import type { Hub } from '../../hub.ts';
import { DomainError } from '../../shared/errors.ts';
import { registerRuntimePart } from '../../web/i18n.ts';
import type { Simulator } from '../../../simulators/toolkit/index.ts';
import type { CatalogFeed } from './catalog-feed.ts';
import type { ChannelHttpError, Connector, ConnectorContext, HttpRequest, SyncRunCounter } from './connector.ts';
import type { CrmService } from './crm.ts';
import type { DeliveryService } from './delivery.ts';
import type { OrderActions } from './order-actions.ts';
import { channelWords } from './words.ts';

/**
 * A channel module: everything one external service brings to Sklad (docs/decisions/120).
 * Listed once in src/channels/registry.ts and installed when the app is assembled
 * (src/assembly.ts); core loops over the installed modules and names no channel.
 */

/** A text in the panel's and the bot's two languages. */
export interface LocalText {
  ru: string;
  en: string;
}

/** One field of the credentials form (the API, the panel's add-account and new-key forms and the bot read it). */
export interface CredentialField {
  /** The key in `credentials` (the schema's field). */
  key: string;
  label: LocalText;
  help?: LocalText;
  /** Masked in forms and never shown back whole. */
  secret: boolean;
  placeholder?: string;
}

/** One field of an account's settings (the API and the panel name them so). */
export interface SettingField {
  /** The key in `settings` (the schema's field). */
  key: string;
  label: LocalText;
  help?: LocalText;
}

/**
 * The setting core ingestion reads for the warehouse an order the seller ships is written off
 * from (orderWarehouse, src/channels/core/ingest.ts): a module puts it in its settings schema
 * and its fields under its key (`stockWarehouseId`; Allegro's older `warehouseId`).
 */
export const orderWarehouseSetting = z.number().int().positive().optional();

export const orderWarehouseField = (key: 'stockWarehouseId' | 'warehouseId'): SettingField => ({
  key,
  label: { ru: 'Склад для списания заказов', en: 'Warehouse orders write off from' },
  help: {
    ru: 'С какого склада Склада списывать товар по заказам, которые отгружаете вы; если не выбран — первый склад правила остатков или единственный свой склад',
    en: 'Sklad’s own warehouse the orders you ship are written off from; when not set, the stock rule’s first warehouse or the one own warehouse',
  },
});

/** A limit group's documented limit: one token comes back every intervalMs, burst at once. */
export interface GroupLimit {
  intervalMs: number;
  burst: number;
}

/** What a service's rate-limit headers say about a limit group after an answer. */
export interface RateHeaders {
  remaining: number;
  /** When the next token comes back (ms from the answer); null when the service does not say. */
  resetMs: number | null;
}

/** A service's own start step (the Wix account from the environment); returns how to stop it. */
export type StartHook = (hub: Hub) => Promise<() => Promise<void> | void>;

/** Routes a module mounts: `api` under /api/v1 (or `mount`) behind the key check, `public` at the root. */
export interface ApiModule {
  name: string;
  api?: (hub: Hub) => OpenAPIHono<AppEnv> | Hono<AppEnv>;
  mount?: string;
  public?: (hub: Hub) => OpenAPIHono<AppEnv> | Hono<AppEnv>;
}

/** The demo's simulator of a channel, started by src/demo on free loopback ports. */
export interface DemoChannel {
  sim: Simulator;
  /** After the account's first sync: what buyers do on the channel (places orders). */
  buyersAct?: () => void;
  /** After a restart, for a channel whose quantities Sklad cannot read back: the quantities last pushed, by listing external id. */
  restoreQuantities?: (quantities: Map<string, number>) => void;
}

/** What the demo (`npm start` with no configuration) makes of a module. */
export interface DemoSeed {
  /** The demo account's name after "Demo " (default: the connector's title). */
  name?: string;
  /** More demo accounts of the same module, each with its own simulator (Lamoda's KZ shop beside the RU one). */
  also?: DemoSeed[];
  /** Fixed credentials: they only ever open this loopback simulator. */
  credentials: Record<string, string>;
  /** The simulator seeded with the demo catalogue (src/demo/catalogue.ts); orders only on the first start. */
  simulator(options: { withOrders: boolean }): DemoChannel;
  /** Settings of the demo account, once the demo warehouse exists. */
  settings?(warehouseId: number): Record<string, unknown>;
  /** Connector jobs run once after the first full sync (orders, stocks …). */
  firstJobs?: string[];
  /**
   * The demo account's own price of a demo product, in minor units of its shop's currency, where
   * that currency is not the rubles of Sklad's base price (docs/decisions/190): the demo shops keep
   * the prices their simulators were seeded with.
   */
  price?(product: { sku: string; priceRub: number }): { amount: number; currency: string };
  /**
   * The demo account's orders a delivery service ships (the delivery flow's link, src/delivery):
   * linked to the demo account of the first delivery module before the first sync. `defaults`
   * fill what the channel never gives (weight_grams, length_cm, width_cm, height_cm, phone).
   */
  deliveryLink?: { methods?: string[]; warehouses?: string[]; defaults?: Record<string, unknown> };
  /**
   * For a module whose accounts belong to a record of its own (iiko: its setting, which must be
   * setting 1): makes the demo account, before anything else of the demo, and answers its id.
   * Such an account is the module's: the demo shares it as no shop cabinet and queues it no
   * core sync on a restart (its module's schedules keep it).
   */
  connect?(
    hub: Hub,
    account: { name: string; baseUrl: string; credentials: Record<string, string>; actor: string },
  ): Promise<number>;
  /** The account's first sync in place of core's full sync (iiko: the full menu sync). */
  firstSync?(hub: Hub, accountId: number): Promise<void>;
  /** Lines for the start banner about the account's data (iiko: its setting and menu count). */
  describe?(hub: Hub, accountId: number): Promise<string[]>;
}

/**
 * What a connector job does when the work is a domain of Sklad's rather than the adapter's
 * (iiko's jobs run the menu sync, which writes the menu's tables): it gets the hub as well.
 */
export type DomainJobRun = (hub: Hub, ctx: ConnectorContext, run: SyncRunCounter) => Promise<void>;

export interface ChannelModule {
  connector: Connector;
  /** The credentials form, field by field, in the order of `connector.credentialsSchema`. */
  credentialFields: CredentialField[];
  /** The settings, field by field, in the order of `connector.settingsSchema`; none for a connector without one. */
  settingFields?: SettingField[];
  /** Limit groups of methods (WB statistics 1/min, Ozon stock updates 80/min), kept in PostgreSQL for every process. */
  limitGroups?: Record<string, GroupLimit>;
  /** Reads the service's rate-limit headers of an answer to a limit group's request (WB's X-Ratelimit-*). */
  readRateHeaders?(headers: Headers): RateHeaders | null;
  /**
   * Whether a failed answer means the service refused the credentials, and why (the account
   * turns needs_reauth). Default: 401 and 403. Return null for an answer that is not a refusal
   * (Allegro refreshes its token on a 401 first).
   */
  rejectedCredentials?(error: ChannelHttpError, request: HttpRequest): string | null;
  /** The work of the connector's jobs named here (in place of their `run`): the module file wires them to a domain. */
  jobRuns?: Record<string, DomainJobRun>;
  /** A CRM (Bitrix24): Sklad's CRM flow (src/crm) exports every stored order to its accounts as deals. */
  crm?: CrmService;
  /** A delivery service (CDEK): Sklad's delivery flow (src/delivery) makes its delivery orders. */
  delivery?: DeliveryService;
  /** What the seller may do with the channel's orders from Sklad (cancel, confirm, ship with a tracking number): src/orders/actions.ts. */
  orderActions?: OrderActions;
  /** Which of the channel's orders take those actions (all when not given): WB only its FBS assembly tasks, say. */
  orderActionsApply?(order: { postingNumber: string | null; channelStatus: string | null }): boolean;
  /** A channel a catalog can be exported to as a file and a feed (Lamoda, seed 004 §3). */
  catalogFeed?: CatalogFeed;
  /** What the support tools call this channel's actions (seed 004: Lamoda `upload_order`, Kaspi `fetchorder`, Namshi `notifyOrder`). */
  support?: {
    /** The name of fetching one order by the channel's number (needs `connector.fetchOrder`). */
    fetchOrderAction?: string;
    /** After a status re-send to the CRM, add a timeline comment naming the warehouse that ships it (Namshi's `appendcomment`). */
    commentWarehouseAfterStatus?: boolean;
  };
  routes?: ApiModule[];
  cli?(program: Command): void;
  startHooks?: StartHook[];
  demo?: DemoSeed;
  /** Names of the module's job types (`<channel>.<job>`) in the panel. */
  jobLabels?: Record<string, LocalText>;
}

let installed: ChannelModule[] | null = null;

/** Installs the app's modules (src/assembly.ts does, once, before anything runs). */
export function installChannelModules(modules: ChannelModule[]) {
  const seen = new Set<string>();
  for (const m of modules) {
    if (seen.has(m.connector.channel)) throw new Error(`Two channel modules are named "${m.connector.channel}"`);
    seen.add(m.connector.channel);
  }
  installed = modules;
  // Their labels join the one dictionary (src/channels/core/words.ts).
  registerRuntimePart('channel', channelWords(modules));
}

/** The installed modules, in registry order. */
export function channelModules(): ChannelModule[] {
  if (!installed) throw new Error('No channel modules are installed: assemble the app first (src/assembly.ts)');
  return installed;
}

export const moduleFor = (channel: string): ChannelModule | undefined =>
  channelModules().find((m) => m.connector.channel === channel);

export function requireModule(channel: string): ChannelModule {
  const module = moduleFor(channel);
  if (!module) throw new DomainError('UNKNOWN_CHANNEL', `No connector for channel "${channel}"`, 400, { channel });
  return module;
}

/** The default reading of a failed answer: 401 and 403 are a refusal of the credentials. */
export function credentialsRefusal(
  module: ChannelModule,
  error: ChannelHttpError,
  request: HttpRequest,
): string | null {
  if (module.rejectedCredentials) return module.rejectedCredentials(error, request);
  if (error.status !== 401 && error.status !== 403) return null;
  return `${module.connector.title} refused the credentials (HTTP ${error.status}${serviceText(error.body)})`;
}

function serviceText(body: unknown): string {
  if (!body) return '';
  if (typeof body === 'string') return `: ${body.slice(0, 300)}`;
  const b = body as {
    message?: unknown;
    error_description?: unknown;
    detail?: unknown;
    title?: unknown;
    error?: unknown;
  };
  const text = b.message ?? b.error_description ?? b.detail ?? b.title ?? b.error;
  return typeof text === 'string' && text ? `: ${text.slice(0, 300)}` : '';
}
