import type { z } from 'zod';
import type { Logger } from '../../shared/logger.ts';
import type { Ingest, OrderFact } from './facts.ts';

/**
 * The contract every channel implements (Medusa's provider shape, OpenLinker's plugin):
 * what it can do, its limits, and plain async functions the engine calls. A connector
 * talks to the outside only through `ctx.http` and holds no database code: the engine
 * hands it what it needs and stores what it returns. Adding a channel is one folder under
 * src/channels/<name>, one under simulators/<name>, and one line in src/channels/registry.ts.
 */

export interface ChannelLimits {
  /** Items in one stock push request (Wix 50, Ozon 100, WB 1000). */
  pushBatchSize: number;
  /** Sustained requests per second the service allows for one account. */
  requestsPerSecond: number;
  /** Requests that may be sent at once before waiting (token bucket size). */
  burst: number;
  /** Requests in flight at once per account. */
  maxConcurrent: number;
  /** Listings in one `readQuantities` call; `pushBatchSize` when not set. */
  readBatchSize?: number;
}

export interface ChannelCapabilities {
  /** Reads the channel's listings (offers, products, variants) for matching. */
  listings: boolean;
  /** Pushes quantities. */
  pushStock: boolean;
  /** Reads current channel quantities (for reconcile). */
  readStock: boolean;
  /** Pulls orders. */
  orders: boolean;
  /** Takes prices (`pushPrices`). */
  pushPrices?: boolean;
}

/** What a channel expects of a price (docs/decisions/190): Sklad rounds to `step` and refuses other currencies before sending. */
export interface ChannelPricing {
  /** Minor units a price must be a multiple of (WB whole rubles: 100; Ozon kopecks: 1). */
  step: number;
  /** ISO 4217 codes the channel takes; any when not set. */
  currencies?: readonly string[];
}

/** A price handed to the connector, in minor units (already rounded to the channel's step). */
export interface PricePush {
  listing: MappedListing;
  amount: number;
  currency: string;
}

/** An account as a connector sees it: credentials already decrypted, never logged. */
export interface ConnectorAccount {
  id: number;
  channel: string;
  name: string;
  baseUrl: string;
  credentials: Record<string, string>;
  settings: Record<string, unknown>;
}

/** A listing on the channel as the connector reads it, before it is matched to a product. */
export interface RemoteListing {
  /** The channel's id of the sellable thing (offer id, variant id, nmId/chrtId …). */
  externalId: string;
  /** The seller's own code on the channel (Allegro external.id, Ozon offer_id, Wix SKU). */
  sku?: string | null;
  ean?: string | null;
  name?: string | null;
  /** The channel's quantity as read, when the listing page carries it. */
  quantity?: number | null;
  /** What the connector needs later to push (Wix productId + variantId, WB chrtId + warehouse …). */
  data?: Record<string, unknown>;
}

/** A mapped listing handed back to the connector for a push or a stock read. */
export interface MappedListing {
  listingId: number;
  productId: number;
  externalId: string;
  sku: string | null;
  data: Record<string, unknown>;
}

export interface QuantityPush {
  listing: MappedListing;
  quantity: number;
}

export type PushOutcome =
  | { listingId: number; ok: true }
  | { listingId: number; ok: false; error: string; retryable: boolean };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path on the account's base URL, or a full URL (OAuth hosts). */
  path: string;
  query?: Record<string, string | number | boolean | (string | number)[] | undefined>;
  headers?: Record<string, string>;
  /** JSON-encoded unless it is a string or URLSearchParams. */
  body?: unknown;
  /** Statuses that are answers, not failures (e.g. 404 for "no such offer"); others throw. */
  accept?: number[];
  /** Per-request timeout; the client's default otherwise. */
  timeoutMs?: number;
  /** Values to cut out of the logged URL and error texts besides the known headers. */
  secrets?: string[];
  /**
   * Attempts in all (default 5). Every attempt is retried on 429, 5xx, timeouts and network
   * errors; set 1 for a request that must not be sent twice (it is not idempotent).
   */
  attempts?: number;
  /**
   * The service's limit group this request counts against, when it limits groups of methods
   * apart (WB statistics: one request a minute per report). A 429 then delays this request
   * only; without it, a 429 pauses every request of the account.
   */
  limitGroup?: string;
  /**
   * What the request is about (order keys and numbers): the call is kept with its request and
   * answer for those orders' traces. Core sets it (see `aboutOrders`); connectors need not.
   */
  about?: string[];
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  /** When the answered attempt went out (performance.now()): a service's rate headers describe its bucket as of then, not as of the answer. */
  sentAt?: number;
}

/** The one HTTP client (src/channels/core/http-client.ts), bound to an account and a sync run. */
export interface ChannelHttp {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

export interface ConnectorContext {
  account: ConnectorAccount;
  /** Where the connector's facts go (orders, sales, reviews, claims, mirror stock): core ingestion. */
  ingest: Ingest;
  http: ChannelHttp;
  logger: Logger;
  signal: AbortSignal;
  /** Keeps state between runs that the connector owns (OAuth tokens, cursors); encrypted at rest. */
  loadState<T = Record<string, unknown>>(): Promise<T | null>;
  saveState(state: Record<string, unknown>): Promise<void>;
  /** Reports progress of a long run (shown over SSE and in the panel). */
  progress(update: { done?: number; total?: number; message?: string }): Promise<void>;
  /** The sync run the context works for, when there is one: paged calls record their stops in it (core/paging.ts). */
  run?: SyncRunCounter;
  /** Pages one paged call may read in one run (SKLAD_PAGE_CAP): reaching it ends the call as a problem naming it. */
  pageCap?: number;
}

/**
 * A check of an account's key. `said`: the same verdict in both languages, in the module's own
 * words (what `sklad <channel> test` and the panel show a seller); else `details`/`reason` as they are.
 */
export type ValidationResult =
  | { ok: true; details?: string; said?: { ru: string; en: string } }
  | { ok: false; reason: string; said?: { ru: string; en: string } };

/** A periodic job a connector brings (orders, sales, menus …), with its default schedule. */
export interface ConnectorJob {
  /** Unique within the channel: 'orders', 'stocks' … The job type becomes `<channel>.<name>`. */
  name: string;
  description: string;
  /** Cron expression (UTC) used unless the account overrides it; undefined: manual only. */
  defaultCron?: string;
  /** What the job does; or `accountJob`: the job is core's full sync of the account, on the connector's schedule. */
  run?(ctx: ConnectorContext, run: SyncRunCounter): Promise<void>;
  accountJob?: 'sync';
}

/** Counts of a sync run (fetched, created, updated, pushed, failed); written to sync_runs. */
export interface SyncRunCounter {
  readonly id: number;
  /** `duplicates`: items an answer listed twice (a batch upsert keeps the last one). */
  add(counts: Partial<Record<'fetched' | 'created' | 'updated' | 'pushed' | 'failed' | 'duplicates', number>>): void;
  /** A problem that did not stop the run (a malformed event, a rejected item): kept with the run. */
  problem(message: string, details?: unknown): void;
  /** How a paged call stopped, after how many pages (src/channels/core/paging.ts): kept with the run. */
  paged?(call: string, stop: string, pages: number): void;
}

export interface Connector {
  /** 'allegro', 'wix', 'ozon', 'wildberries', 'iiko', 'generic' … */
  channel: string;
  title: string;
  /** The production base URL; an account may set a simulator's or a sandbox's instead. */
  defaultBaseUrl: string;
  capabilities: ChannelCapabilities;
  limits: ChannelLimits;
  /** Parsed when an account is added or its keys change; a bad one is a 400 naming the field. */
  credentialsSchema: z.ZodType<Record<string, string>>;
  settingsSchema?: z.ZodType<Record<string, unknown>>;
  /** Header names and fields whose values are secrets (redacted from logs and api_calls). */
  secretHeaders?: string[];
  /** Limits of this account when they differ from `limits` (a paid tier, a simulator's setting). */
  limitsFor?(account: ConnectorAccount): ChannelLimits;

  /** Checks the credentials against the service; `ok: false` turns the account needs_reauth. */
  validate(ctx: ConnectorContext): Promise<ValidationResult>;
  /**
   * The service has a cheap check of a key (WB: /ping): an account added through the API is
   * checked with `validate` first, and not kept when the key is refused.
   */
  validateOnAdd?: boolean;
  /** Reads all listings, page by page. */
  fetchListings?(ctx: ConnectorContext): AsyncIterable<RemoteListing[]>;
  /**
   * The listings that carry these SKUs (the seller's own codes), found by the service's own
   * filter instead of listing everything (Allegro: external.id on GET /sale/offers): what a
   * flow that looks for one product's listings asks. Several listings may carry one SKU.
   */
  findListings?(ctx: ConnectorContext, skus: string[]): Promise<RemoteListing[]>;
  /** Pushes quantities; called with at most `limits.pushBatchSize` items. */
  pushQuantities?(ctx: ConnectorContext, items: QuantityPush[]): Promise<PushOutcome[]>;
  /** How prices must look on this channel; with `capabilities.pushPrices`. */
  pricing?: ChannelPricing;
  /**
   * Pushes prices; called with at most `limits.pushBatchSize` items. An item the channel refuses
   * (below its minimum, a promotion holding it) is `ok: false, retryable: false`: its reason is kept on the listing.
   */
  pushPrices?(ctx: ConnectorContext, items: PricePush[]): Promise<PushOutcome[]>;
  /** Reads the channel's current quantities of these listings, keyed by listing id. */
  readQuantities?(ctx: ConnectorContext, listings: MappedListing[]): Promise<Map<number, number>>;
  /**
   * Fetches one order by the channel's number (its order id, posting or shipment number):
   * the support tools' re-import of an order missing in Sklad. Null when the channel has none.
   */
  fetchOrder?(ctx: ConnectorContext, number: string): Promise<OrderFact | null>;
  /**
   * Lists the channel's orders created in the window (UTC ISO-8601, `from` ≤ created < `to`),
   * page by page, for the reconciler (src/reconcile) to compare with Sklad's: nothing is
   * ingested. Facts are mapped as the order pull maps them; a channel whose list carries no
   * lines (Kaspi keeps them under each order) may yield `lines: []`, compared then by status
   * and amount only. Through `ctx.http`, so the same limits apply as to every other call.
   */
  listOrders?(ctx: ConnectorContext, window: { from: string; to: string }): AsyncIterable<OrderFact[]>;
  jobs?: ConnectorJob[];
}

/**
 * Thrown by a connector when the service refused the credentials (401/403 after any
 * refresh): the engine marks the account needs_reauth and stops its schedules.
 */
export class CredentialsRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialsRejected';
  }
}

/**
 * What `ctx.http.request` throws when the service's answer is a failure after its retries:
 * `status` is null for a network error or timeout. Secrets are already cut from the message.
 */
export class ChannelHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    /** True for 429, 5xx, timeouts and network errors: the same request may succeed later. */
    readonly retryable: boolean,
    /** The start of the answer's body (at most 2,000 characters), for the connector to read the service's error. */
    readonly body?: unknown,
    /** The service's Retry-After of the last answer, in ms: a job that fails with this error waits at least that long. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelHttpError';
  }
}
