import type { Context } from 'hono';
import { XMLBuilder } from 'fast-xml-parser';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import { ACTIONS, faults, parseDate, SellerCenterFault } from './actions.ts';
import { signatureMatches } from './signature.ts';
import { ITEM_STATUSES, SellerCenterState, type ItemStatus, type OrderInput, type ProductInput } from './state.ts';

/**
 * A SellerCenter instance (Rocket/GFG platform) as ../shared/specs/sellercenter-lamoda-namshi/
 * CONTRACT.md digests it: one endpoint at the root, the operation in `Action`, every call
 * signed (§2) and answered in a SuccessResponse or ErrorResponse envelope (§3), XML by
 * default, JSON with `Format=JSON`. Several sellers, each with its UserID and API key.
 * Lamoda's and Namshi's flavours (simulators/lamoda, simulators/namshi) differ in what they
 * seed and in the two things the digest leaves to the instance: the local time its dates
 * are written in, and whether an ErrorResponse comes with HTTP 200 or with a 4xx/5xx.
 *
 * Toolkit faults in SellerCenter's words: '429' and the rate limit (§6: none is documented;
 * the simulator's is per UserID) → 429 with Retry-After and a Platform ErrorResponse; '5xx' →
 * that status with a Platform ErrorResponse. `malform.next` breaks one answer's XML on
 * purpose (an element dropped, an unexpected one added, the text cut off).
 * Test controls live under /__sim/sellercenter.
 */

export interface SellerCenterFlavour {
  name: string;
  /** The instance's local time, minutes east of UTC: dates in bodies carry no zone (Order/*.xml), Head/Timestamp does. */
  utcOffsetMinutes: number;
  /** An ErrorResponse with HTTP 400 (Sender) or 500 (Platform), rather than 200: §3 says the status is not the signal. */
  errorsOverHttp: boolean;
}

export interface SellerCenterSimulatorOptions {
  flavour?: Partial<SellerCenterFlavour>;
  state?: SellerCenterState;
  /** Requests per interval per UserID; null turns it off. */
  rateLimit?: { requests: number; intervalMs: number } | null;
  /** How far Timestamp may be from the instance's clock before E003 (§1 names no bound). */
  timestampToleranceMs?: number;
}

export type Malformation =
  | { kind: 'drop'; element: string }
  | { kind: 'unexpected'; element: string }
  | { kind: 'truncate' };

export interface SellerCenterSimulator extends Simulator {
  state: SellerCenterState;
  flavour: SellerCenterFlavour;
  /** The next answer to `action` is broken this way (then answers are whole again). */
  malform: { next(action: string, how: Malformation): void };
}

/** §1: the parameters every call carries. */
const MANDATORY = ['Action', 'UserID', 'Version', 'Timestamp', 'Signature'];

const builder = new XMLBuilder({ format: true, ignoreAttributes: true, suppressEmptyNode: true });
const XML_TYPE = 'text/xml; charset=utf-8';

/** Head/Timestamp: "2019-01-18T06:54:50-0500", the instance's clock with its offset. */
function headTimestamp(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(offsetMinutes);
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** Removes every element of this name under `node`. */
function dropElement(node: unknown, name: string): void {
  if (Array.isArray(node)) {
    for (const n of node) dropElement(n, name);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  delete record[name];
  for (const child of Object.values(record)) dropElement(child, name);
}

export function createSellerCenterSimulator(options: SellerCenterSimulatorOptions = {}): SellerCenterSimulator {
  const flavour: SellerCenterFlavour = {
    name: 'sellercenter',
    utcOffsetMinutes: 0,
    errorsOverHttp: false,
    ...options.flavour,
  };
  const state = options.state ?? new SellerCenterState();
  const tolerance = options.timestampToleranceMs ?? 10 * 60_000;
  const malformations = new Map<string, Malformation>();

  const render = (
    c: Context,
    tree: Record<string, unknown>,
    status: number,
    action: string,
    headers: Record<string, string> = {},
  ) => {
    if (c.req.query('Format')?.toUpperCase() === 'JSON') return c.json(tree, status as 200, headers);
    const broken = malformations.get(action);
    malformations.delete(action);
    const root = Object.values(tree)[0] as { Body: unknown };
    if (broken?.kind === 'drop') dropElement(root.Body, broken.element);
    if (broken?.kind === 'unexpected')
      root.Body = { ...(typeof root.Body === 'object' ? root.Body : {}), [broken.element]: '' };
    let xml = `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(tree)}`;
    if (broken?.kind === 'truncate') xml = xml.slice(0, Math.floor(xml.length / 2));
    return c.body(xml, status as 200, { 'content-type': XML_TYPE, ...headers });
  };

  const errorAnswer = (
    c: Context,
    action: string,
    fault: SellerCenterFault,
    status?: number,
    headers?: Record<string, string>,
  ) =>
    render(
      c,
      {
        ErrorResponse: {
          Head: {
            RequestAction: action,
            ErrorType: fault.type,
            ErrorCode: String(fault.code),
            ErrorMessage: fault.message,
          },
          Body: '',
        },
      },
      status ?? (flavour.errorsOverHttp ? (fault.type === 'Platform' ? 500 : 400) : 200),
      action,
      headers,
    );

  const sim = createSimulator({
    name: flavour.name,
    rateLimits:
      options.rateLimit === null
        ? []
        : [
            {
              ...(options.rateLimit ?? { requests: 20, intervalMs: 1_000 }),
              scope: (c) => c.req.query('UserID') ?? '',
            },
          ],
    tooManyRequests: (c, retryAfter) =>
      errorAnswer(c, c.req.query('Action') ?? '', new SellerCenterFault(429, 'Too many requests', 'Platform'), 429, {
        'retry-after': String(retryAfter),
      }),
    serverError: (c, status) =>
      errorAnswer(c, c.req.query('Action') ?? '', new SellerCenterFault(500, 'Internal Error', 'Platform'), status),
  });
  const { app } = sim;

  app.on(['GET', 'POST'], '/', async (c) => {
    const params = Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v[0] ?? '']));
    const action = params.Action ?? '';
    try {
      for (const name of MANDATORY) if (!params[name]) throw faults.mandatory(name);
      if (params.Version !== '1.0') throw faults.mandatory('Version');
      const now = state.now();
      const sent = parseDate(params.Timestamp, flavour.utcOffsetMinutes);
      if (sent === null || Math.abs(now - sent) > tolerance) throw faults.expired();
      const seller = state.sellers.get(params.UserID);
      if (!seller || !signatureMatches(params, seller.apiKey)) throw faults.loginFailed();
      const spec = ACTIONS[action];
      if (!spec) throw faults.invalidAction();
      const body = c.req.method === 'POST' ? await c.req.text() : '';
      const answer = spec.run({ seller, params, body, now, utcOffsetMinutes: flavour.utcOffsetMinutes });
      const head = {
        RequestId: answer.requestId ?? '',
        RequestAction: action,
        ResponseType: answer.responseType,
        Timestamp: headTimestamp(now, flavour.utcOffsetMinutes),
        ...answer.head,
      };
      return render(c, { SuccessResponse: { Head: head, Body: answer.body } }, 200, action);
    } catch (error) {
      if (error instanceof SellerCenterFault) return errorAnswer(c, action, error);
      throw error;
    }
  });

  controls(sim, state, malformations);
  return Object.assign(sim, {
    state,
    flavour,
    malform: { next: (action: string, how: Malformation) => void malformations.set(action, how) },
  });
}

/** Test and demo controls for other processes: sellers, products, orders, status changes, feed outcomes, broken answers. */
function controls(sim: Simulator, state: SellerCenterState, malformations: Map<string, Malformation>): void {
  const { app } = sim;
  const body = async (c: Context) => ((await c.req.json().catch(() => null)) ?? {}) as Record<string, any>;
  const sellerOf = (c: Context) => state.sellers.get(c.req.param('userId') ?? '');
  const noSeller = (c: Context) => c.json({ error: 'no such seller' }, 404);

  app.post('/__sim/sellercenter/sellers', async (c) => {
    const input = await body(c);
    if (typeof input.userId !== 'string' || typeof input.apiKey !== 'string')
      return c.json({ error: 'userId and apiKey are needed' }, 400);
    const seller = state.addSeller({
      userId: input.userId,
      apiKey: input.apiKey,
      currency: String(input.currency ?? 'USD'),
    });
    return c.json({ userId: seller.userId, currency: seller.currency });
  });
  app.get('/__sim/sellercenter/sellers/:userId/products', (c) => {
    const seller = sellerOf(c);
    if (!seller) return noSeller(c);
    seller.settle();
    return c.json({ products: [...seller.products.values()] });
  });
  app.post('/__sim/sellercenter/sellers/:userId/products', async (c) => {
    const seller = sellerOf(c);
    return seller ? c.json({ product: seller.addProduct((await body(c)) as ProductInput) }) : noSeller(c);
  });
  app.post('/__sim/sellercenter/sellers/:userId/orders', async (c) => {
    const seller = sellerOf(c);
    if (!seller) return noSeller(c);
    const input = await body(c);
    return c.json({
      order: seller.addOrder({ ...(input as OrderInput), at: input.at ? new Date(input.at) : undefined }),
    });
  });
  app.post('/__sim/sellercenter/sellers/:userId/orders/:ref/status', async (c) => {
    const seller = sellerOf(c);
    if (!seller) return noSeller(c);
    const input = await body(c);
    if (!(ITEM_STATUSES as readonly string[]).includes(input.status))
      return c.json({ error: `status is one of ${ITEM_STATUSES.join(', ')}` }, 400);
    return c.json({
      order: seller.setItemStatus(c.req.param('ref'), input.status as ItemStatus, { reason: input.reason }),
    });
  });
  app.post('/__sim/sellercenter/sellers/:userId/feed-outcomes', async (c) => {
    const seller = sellerOf(c);
    if (!seller) return noSeller(c);
    const input = await body(c);
    if (typeof input.sku !== 'string') return c.json({ error: 'sku is needed' }, 400);
    if (typeof input.error === 'string') seller.feedErrors.set(input.sku, input.error);
    else seller.feedErrors.delete(input.sku);
    if (typeof input.warning === 'string') seller.feedWarnings.set(input.sku, input.warning);
    else seller.feedWarnings.delete(input.sku);
    return c.json({ ok: true });
  });
  app.post('/__sim/sellercenter/malform', async (c) => {
    const input = await body(c);
    if (typeof input.action !== 'string' || !['drop', 'unexpected', 'truncate'].includes(input.kind))
      return c.json({ error: 'action and kind are needed' }, 400);
    malformations.set(input.action, input as Malformation);
    return c.json({ ok: true });
  });
}
