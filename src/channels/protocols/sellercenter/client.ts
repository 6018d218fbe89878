import type { z } from 'zod';
import { ChannelHttpError, CredentialsRejected, type ConnectorContext } from '../../core/connector.ts';
import { sleep } from '../../core/http-client.ts';
import { pageGuard } from '../../core/paging.ts';
import {
  bodies,
  elementPath,
  errorHeadSchema,
  headSchema,
  offsetMinutes,
  parseXml,
  requestXml,
  type ErrorHead,
  type FeedDetail,
  type Head,
  type SellerCenterOrder,
  type SellerCenterOrderItem,
  type SellerCenterProduct,
} from './answers.ts';
import { requestTimestamp, signedQuery } from './signature.ts';

/**
 * The one SellerCenter client (CONTRACT.md), bound to the service's name for the messages a
 * person reads: every call signed (§2) and sent through `ctx.http` (api_calls, retries, the
 * account's rate), the answer parsed as XML and checked with zod. Errors come as an
 * ErrorResponse (§3) with HTTP 200 or with a 4xx/5xx, depending on the instance: E007 (the key)
 * and E003 (the clock) are a refusal of the credentials either way, read here for a 200 and
 * by the module's `rejectedCredentials` (sellerCenterRefusal) for a 4xx.
 */

export type Params = Record<string, string | number | undefined>;

/** A SellerCenter ErrorResponse, or an answer that is not what the action answers. */
export class SellerCenterError extends Error {
  constructor(
    message: string,
    /** "E019"; '' when the answer itself was wrong. */
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'SellerCenterError';
  }
}

/** "E007" from an ErrorResponse's code or message. */
const errorCode = (head: ErrorHead) => {
  const n = /^E(\d+)/.exec(head.ErrorMessage)?.[1] ?? head.ErrorCode;
  return /^\d+$/.test(n) ? `E${n.padStart(3, '0')}` : '';
};

/** An ErrorResponse's Head in a body, or null (not XML, not an ErrorResponse). */
export function errorHeadOf(body: unknown): ErrorHead | null {
  if (typeof body !== 'string' || !body.includes('ErrorResponse')) return null;
  try {
    const head = errorHeadSchema.safeParse(
      (parseXml(body) as { ErrorResponse?: { Head?: unknown } }).ErrorResponse?.Head,
    );
    return head.success ? head.data : null;
  } catch {
    return null;
  }
}

/** Why the service refused the credentials, in a person's words; null when it did not. */
export function refusalOf(title: string, status: number | null, head: ErrorHead | null): string | null {
  const code = head ? errorCode(head) : '';
  if (code === 'E007') return `${title} refused the UserID and API key (${head!.ErrorMessage})`;
  if (code === 'E003') return `${title} refused the request’s time (${head!.ErrorMessage}): check this server’s clock`;
  if (status === 401 || status === 403)
    return `${title} refused the credentials (HTTP ${status}${head?.ErrorMessage ? `: ${head.ErrorMessage}` : ''})`;
  return null;
}

/** The module's `rejectedCredentials`: a 4xx whose ErrorResponse is E007 or E003, or any 401/403. */
export const sellerCenterRefusal = (title: string) => (error: ChannelHttpError) =>
  refusalOf(title, error.status, errorHeadOf(error.body));

/** Orders per GetOrders page: Falabella's default page (§4). */
export const ORDERS_PAGE = 100;
const PRODUCTS_PAGE = 100;

export interface FollowOptions {
  /** How long to wait for the feed to be processed (§5: typically 1–2 minutes, can queue longer). */
  maxWaitMs?: number;
}

export interface SellerCenterClient {
  title: string;
  /** One signed call; `answer` is the schema of the Body, `xml` a feed's body; a write (`xml`, `post`) goes by POST. */
  call<T extends z.ZodType>(
    ctx: ConnectorContext,
    action: string,
    params: Params,
    answer: T,
    options?: { xml?: string; post?: boolean; attempts?: number },
  ): Promise<{ head: Head; body: z.output<T> }>;
  /** GetProducts, page by page (Limit/Offset), with filters such as `{ Filter: 'all' }` or `{ SkuSellerList: '["a"]' }`. */
  products(ctx: ConnectorContext, filter?: Params): AsyncIterable<SellerCenterProduct[]>;
  /** GetOrders pages from `offset` on, each with the offset of the next and the instance's UTC offset (dates are local). */
  orderPages(
    ctx: ConnectorContext,
    filter: Params,
    offset?: number,
  ): AsyncIterable<{ orders: SellerCenterOrder[]; next: number; utcOffset: number }>;
  /** GetMultipleOrderItems: the items of these orders, by OrderId. */
  orderItems(ctx: ConnectorContext, orderIds: string[]): Promise<Map<string, SellerCenterOrderItem[]>>;
  /** GetOrder by OrderId, with its items; null when there is none. */
  order(
    ctx: ConnectorContext,
    orderId: string,
  ): Promise<{ order: SellerCenterOrder; items: SellerCenterOrderItem[]; utcOffset: number } | null>;
  /** Queues a feed (ProductCreate, ProductUpdate …) of these records; answers its FeedID. */
  sendFeed(ctx: ConnectorContext, action: string, records: Record<string, unknown>[]): Promise<string>;
  feedStatus(ctx: ConnectorContext, feedId: string): Promise<FeedDetail>;
  /** Reads FeedStatus until the feed is Finished, Canceled or Error; a SellerCenterError (retryable) when it is still running after maxWaitMs. */
  followFeed(ctx: ConnectorContext, feedId: string, options?: FollowOptions): Promise<FeedDetail>;
}

export function sellerCenterClient(title: string): SellerCenterClient {
  const fail = (action: string, what: string) => new SellerCenterError(`${title} ${action} answer ${what}`, '', false);

  /** The envelope (§3): a refusal, another error, or the Body checked against the action's schema. */
  function read<T extends z.ZodType>(action: string, text: unknown, answer: T): { head: Head; body: z.output<T> } {
    if (typeof text !== 'string') throw fail(action, 'is not XML');
    let tree: Record<string, unknown>;
    try {
      tree = parseXml(text);
    } catch (error) {
      throw fail(action, `is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
    }
    const [root, ...others] = Object.keys(tree);
    if (root === 'ErrorResponse' && !others.length) {
      const head = errorHeadOf(text) ?? {
        RequestAction: action,
        ErrorType: '',
        ErrorCode: '',
        ErrorMessage: 'an ErrorResponse without a Head',
      };
      const refusal = refusalOf(title, 200, head);
      if (refusal) throw new CredentialsRejected(refusal);
      throw new SellerCenterError(
        `${title} ${action} failed: ${head.ErrorMessage || `error ${head.ErrorCode}`}`,
        errorCode(head),
        head.ErrorType === 'Platform',
      );
    }
    if (root !== 'SuccessResponse' || others.length)
      throw fail(action, `has the unexpected root element <${[root, ...others].join('>, <')}>`);
    const envelope = (tree.SuccessResponse ?? {}) as Record<string, unknown>;
    const head = headSchema.safeParse(envelope.Head);
    if (!head.success) throw fail(action, `does not fit: ${issue(`SuccessResponse/Head`, head.error)}`);
    if (head.data.RequestAction !== action) throw fail(action, `is for another action (${head.data.RequestAction})`);
    const body = answer.safeParse(envelope.Body);
    if (!body.success) throw fail(action, `does not fit: ${issue('SuccessResponse/Body', body.error)}`);
    return { head: head.data, body: body.data };
  }

  const client: SellerCenterClient = {
    title,

    async call(ctx, action, params, answer, options = {}) {
      const { userId, apiKey } = ctx.account.credentials;
      const query: Record<string, string> = {
        Action: action,
        Format: 'XML',
        Timestamp: requestTimestamp(),
        UserID: userId,
        Version: '1.0',
      };
      for (const [name, value] of Object.entries(params)) if (value !== undefined) query[name] = String(value);
      try {
        const res = await ctx.http.request<unknown>({
          // §1: writes by POST; a status change has its parameters in the signed query and no body (the SDK's OrderManager).
          method: options.xml === undefined && !options.post ? 'GET' : 'POST',
          // The query goes as signed, byte for byte: the signature is over these encoded pairs (§2).
          path: `/?${signedQuery(query, apiKey)}`,
          headers: {
            accept: 'text/xml, application/xml',
            ...(options.xml === undefined ? {} : { 'content-type': 'text/xml; charset=UTF-8' }),
          },
          body: options.xml,
          secrets: [apiKey],
          attempts: options.attempts,
        });
        return read(action, res.body, answer);
      } catch (error) {
        // A 4xx/5xx instance: its ErrorResponse says what was wrong (refusals are turned into CredentialsRejected by the module).
        const head = error instanceof ChannelHttpError && !error.retryable ? errorHeadOf(error.body) : null;
        if (head)
          throw new SellerCenterError(
            `${title} ${action} failed (HTTP ${error instanceof ChannelHttpError ? error.status : '?'}): ${head.ErrorMessage}`,
            errorCode(head),
            false,
          );
        throw error;
      }
    },

    async *products(ctx, filter = { Filter: 'all' }) {
      const pages = pageGuard(ctx, 'GetProducts');
      for (let offset = 0; ; offset += PRODUCTS_PAGE) {
        const { body } = await client.call(
          ctx,
          'GetProducts',
          { ...filter, Limit: PRODUCTS_PAGE, Offset: offset },
          bodies.products,
        );
        if (body.Products.length) yield body.Products;
        if (
          !pages.more({
            items: body.Products.length,
            limit: PRODUCTS_PAGE,
            next: pageKey(body.Products.map((p) => p.SellerSku)),
          })
        )
          return;
      }
    },

    async *orderPages(ctx, filter, from = 0) {
      const pages = pageGuard(ctx, 'GetOrders');
      for (let offset: number = from ?? 0; ; ) {
        const { head, body } = await client.call(
          ctx,
          'GetOrders',
          { ...filter, Limit: ORDERS_PAGE, Offset: offset },
          bodies.orders,
        );
        const next: number = offset + body.Orders.length;
        yield { orders: body.Orders, next, utcOffset: offsetOfHead(head) };
        // TotalCount (§4) when the instance gives it (counted from where this run began); a short or empty page is the last; a
        // page of the very orders of one before is an instance that ignores Offset.
        const total = head.TotalCount === undefined ? undefined : Math.max(0, head.TotalCount - (from ?? 0));
        if (
          !pages.more({
            items: body.Orders.length,
            limit: ORDERS_PAGE,
            total,
            next: pageKey(body.Orders.map((o) => o.OrderId)),
          })
        )
          return;
        offset = next;
      }
    },

    async orderItems(ctx, orderIds) {
      const items = new Map<string, SellerCenterOrderItem[]>();
      if (!orderIds.length) return items;
      // An order listed twice is asked for once.
      const { body } = await client.call(
        ctx,
        'GetMultipleOrderItems',
        { OrderIdList: `[${[...new Set(orderIds)].join(',')}]` },
        bodies.multipleOrderItems,
      );
      for (const o of body.Orders) items.set(o.OrderId, o.OrderItems);
      return items;
    },

    async order(ctx, orderId) {
      const { head, body } = await client.call(ctx, 'GetOrder', { OrderId: orderId }, bodies.orders);
      const order = body.Orders.find((o) => o.OrderId === orderId);
      if (!order) return null;
      const items = await client.call(ctx, 'GetOrderItems', { OrderId: orderId }, bodies.orderItems);
      return { order, items: items.body.OrderItems, utcOffset: offsetOfHead(head) };
    },

    async sendFeed(ctx, action, records) {
      const { head } = await client.call(ctx, action, {}, bodies.none, { xml: requestXml(records) });
      if (!head.RequestId) throw fail(action, 'names no FeedID (Head/RequestId is empty)');
      return head.RequestId;
    },

    async feedStatus(ctx, feedId) {
      return (await client.call(ctx, 'FeedStatus', { FeedID: feedId }, bodies.feedDetail)).body.FeedDetail;
    },

    async followFeed(ctx, feedId, options = {}) {
      const deadline = Date.now() + (options.maxWaitMs ?? 150_000);
      // Read soon (a simulator or a quiet instance is done in a moment), then less often.
      for (let wait = 250; ; wait = Math.min(wait * 2, 5_000)) {
        await sleep(wait, ctx.signal);
        const detail = await client.feedStatus(ctx, feedId);
        if (detail.Status !== 'Queued' && detail.Status !== 'Processing') return detail;
        if (Date.now() + wait > deadline)
          throw new SellerCenterError(
            `${title} feed ${feedId} is still ${detail.Status}; it will be checked again on the next push`,
            '',
            true,
          );
      }
    },
  };
  return client;
}

const offsetOfHead = (head: Head) => offsetMinutes(head.Timestamp);

/** A page's first and last key and its length: the guard's "cursor" of an Offset page (an instance ignoring Offset repeats it). */
const pageKey = (keys: string[]) => (keys.length ? `${keys[0]}…${keys.at(-1)} (${keys.length})` : null);

function issue(root: string, error: z.ZodError): string {
  const first = error.issues[0];
  const where = elementPath(root, first.path);
  if (first.code === 'unrecognized_keys') return `${where}: unexpected element <${first.keys.join('>, <')}>`;
  return `${where}: ${first.message}`;
}
