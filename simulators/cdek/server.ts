import type { Context } from 'hono';
import type { z } from 'zod';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import { doneRequest, envelope, orderEntity, printEntity, receiptPdf, refusal } from './answers.ts';
import { orderRequest, printRequest, webhookRequest } from './contract.ts';
import { CdekState, type CdekOrder, type CdekProblem, type CdekStateOptions } from './state.ts';

/**
 * CDEK integration API v2 as ../shared/specs/cdek/CONTRACT.md digests it: the client-credentials
 * token (§1), delivery orders made asynchronously (§2–§4: static check → 400, else 202 and a
 * background check), lookups by uuid, `im_number` and `cdek_number`, receipts (§6) and
 * ORDER_STATUS webhooks (§7). Every refusal is the envelope of §8.
 *
 * Codes the digest does not list, chosen here: `v2_token_expired` for an unknown or expired
 * token (what integrators' code checks CDEK's 401 for), `v2_unauthorized` for a wrong client id
 * or secret, `v2_too_many_requests` for the '429' fault (CDEK documents no rate limit, §9).
 * Toolkit faults: '500' and '503' as the envelope with `v2_internal_error`, '502' as the
 * gateway's HTML page; 'timeout', 'slow', 'malformed' as the toolkit makes them.
 * Test controls live under /__sim/cdek.
 */

/** An answer changed on purpose: the field at a dotted path set to `value`, or removed when there is none. */
export interface Malformation {
  /** Requests whose path starts with this. */
  path: string;
  method?: string;
  field: string;
  value?: unknown;
}

export interface CdekSimulator extends Simulator {
  state: CdekState;
  /** The next answer to a matching request gets one field broken (a test of a client's parsing). */
  malformNext(malformation: Malformation): void;
}

export interface CdekSimulatorOptions extends CdekStateOptions {
  state?: CdekState;
  /** Integration keys (Account, Secure password) the simulator knows. */
  clients?: { clientId: string; clientSecret: string }[];
  /** §9: CDEK documents no limit, so none by default; one per token when set. */
  rateLimit?: { requests: number; intervalMs: number; burst?: number } | null;
}

const GATEWAY_PAGE =
  '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';

const TYPE_OF_METHOD: Record<string, 'GET' | 'DELETE' | 'UPDATE'> = { GET: 'GET', DELETE: 'DELETE', PATCH: 'UPDATE' };

/** §2's request type a refusal names: AUTH for the token, else by the method. */
const requestTypeOf = (c: Context) =>
  c.req.path === '/v2/oauth/token' ? 'AUTH' : (TYPE_OF_METHOD[c.req.method] ?? 'CREATE');

const bearerOf = (c: Context) => /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';

/** The dotted path of a zod issue, as CDEK names fields (`packages[0].weight`). */
const fieldName = (path: PropertyKey[]) =>
  path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    '',
  );

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let at = value;
  for (const key of path) at = at && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined;
  return at;
}

/** §8's codes for a static check's issues: an absent field, a value of the wrong type, any other bad value. */
function problemsOf(error: z.ZodError, body: unknown): CdekProblem[] {
  return error.issues.map((issue) => {
    const field = fieldName(issue.path) || '(body)';
    const rule = (issue as { params?: { cdek?: string } }).params?.cdek;
    if (rule) return { code: rule, message: `${field}: ${issue.message}` };
    if (valueAt(body, issue.path) === undefined)
      return { code: 'v2_field_is_empty', message: `Field ${field} is empty` };
    if (issue.code === 'invalid_type') return { code: 'v2_invalid_value_type', message: `${field}: ${issue.message}` };
    return { code: 'v2_invalid_format', message: `${field}: ${issue.message}` };
  });
}

function malform(body: unknown, field: string, m: Malformation): void {
  const keys = field.split('.');
  const parent = valueAt(
    body,
    keys.slice(0, -1).map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
  );
  if (!parent || typeof parent !== 'object') return;
  const last = keys.at(-1)!;
  if ('value' in m) (parent as Record<string, unknown>)[last] = m.value;
  else delete (parent as Record<string, unknown>)[last];
}

export function createCdekSimulator(options: CdekSimulatorOptions = {}): CdekSimulator {
  const state = options.state ?? new CdekState(options);
  for (const c of options.clients ?? []) state.addClient(c.clientId, c.clientSecret);
  const refuse = (c: Context, status: number, errors: CdekProblem[]) =>
    c.json(refusal(requestTypeOf(c), errors, state.now()), status as 400);
  const sim = createSimulator({
    name: 'cdek',
    rateLimits: options.rateLimit ? [{ ...options.rateLimit, scope: bearerOf }] : [],
    tooManyRequests: (c, retryAfter) =>
      c.json(
        refusal(requestTypeOf(c), [{ code: 'v2_too_many_requests', message: 'Too many requests' }], state.now()),
        429,
        { 'retry-after': String(retryAfter) },
      ),
    serverError: (c, status) =>
      status === 502
        ? c.html(GATEWAY_PAGE, 502)
        : c.json(
            refusal(requestTypeOf(c), [{ code: 'v2_internal_error', message: 'Internal server error' }], state.now()),
            status,
          ),
  });
  const { app } = sim;
  const malformations: Malformation[] = [];

  app.use('/v2/*', async (c, next) => {
    await next();
    const i = malformations.findIndex((m) => c.req.path.startsWith(m.path) && (!m.method || m.method === c.req.method));
    if (i < 0) return;
    const body = await c.res
      .clone()
      .json()
      .catch(() => undefined);
    if (body === undefined) return;
    const [m] = malformations.splice(i, 1);
    malform(body, m.field, m);
    c.res = new Response(JSON.stringify(body), {
      status: c.res.status,
      headers: { 'content-type': 'application/json' },
    });
  });

  // §1: every call but the token's carries a live bearer token.
  app.use('/v2/*', async (c, next) => {
    if (c.req.path === '/v2/oauth/token') return next();
    if (!state.clientOfToken(bearerOf(c)))
      return refuse(c, 401, [{ code: 'v2_token_expired', message: 'The access token is missing, unknown or expired' }]);
    return next();
  });
  const clientOf = (c: Context) => state.clientOfToken(bearerOf(c))!;
  const jsonBody = (c: Context) => c.req.json().catch(() => undefined) as Promise<unknown>;

  app.post('/v2/oauth/token', async (c) => {
    // §1: form-encoded; the doc shows the parameters in the query string too.
    const form = await c.req.parseBody().catch(() => ({}));
    const params = { ...c.req.query(), ...form } as Record<string, unknown>;
    if (params.grant_type !== 'client_credentials')
      return refuse(c, 400, [{ code: 'v2_bad_request', message: 'grant_type must be client_credentials' }]);
    const issued = state.issueToken(String(params.client_id ?? ''), String(params.client_secret ?? ''));
    if (!issued) return refuse(c, 401, [{ code: 'v2_unauthorized', message: 'Bad client credentials' }]);
    return c.json({
      access_token: issued.token,
      token_type: 'bearer',
      expires_in: issued.expiresIn,
      scope: 'order:all payment:all',
      jti: issued.jti,
    });
  });

  app.post('/v2/orders', async (c) => {
    const body = await jsonBody(c);
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return refuse(c, 400, [{ code: 'v2_invalid_format', message: 'The body is not a JSON object' }]);
    const parsed = orderRequest.safeParse(body);
    if (!parsed.success) return refuse(c, 400, problemsOf(parsed.error, body));
    const order = state.createOrder(clientOf(c), parsed.data);
    return c.json(envelope({ uuid: order.uuid }, [order.request]), 202);
  });

  const orderAnswer = (c: Context, order: CdekOrder | undefined) => {
    if (!order) return refuse(c, 404, [{ code: 'v2_entity_not_found', message: 'Order not found' }]);
    // §8: an order of another client is forbidden, not hidden.
    if (order.clientId !== clientOf(c))
      return refuse(c, 403, [{ code: 'v2_entity_forbidden', message: 'The order belongs to another client' }]);
    return c.json(envelope(orderEntity(order), [order.request]));
  };
  app.get('/v2/orders/:uuid', (c) => orderAnswer(c, state.order(c.req.param('uuid'))));
  app.get('/v2/orders', (c) => {
    const imNumber = c.req.query('im_number');
    const cdekNumber = c.req.query('cdek_number');
    if (!imNumber && !cdekNumber)
      return refuse(c, 400, [{ code: 'v2_parameters_empty', message: 'Give im_number or cdek_number' }]);
    const order = imNumber
      ? state.orderByNumber(imNumber, clientOf(c))
      : state.orderByCdekNumber(cdekNumber!, clientOf(c));
    return orderAnswer(c, order);
  });

  app.post('/v2/print/orders', async (c) => {
    const body = await jsonBody(c);
    const parsed = printRequest.safeParse(body);
    if (!parsed.success) return refuse(c, 400, problemsOf(parsed.error, body));
    const job = state.createPrint(clientOf(c), parsed.data, new URL(c.req.url).origin);
    return c.json(envelope({ uuid: job.uuid }, [job.request]), 202);
  });
  app.get('/v2/print/orders/:id', (c) => {
    const id = c.req.param('id');
    const job = state.prints.get(id.replace(/\.pdf$/, ''));
    if (!job) return refuse(c, 404, [{ code: 'v2_entity_not_found', message: 'Print form not found' }]);
    if (job.clientId !== clientOf(c))
      return refuse(c, 403, [{ code: 'v2_entity_forbidden', message: 'The print form belongs to another client' }]);
    if (!id.endsWith('.pdf')) return c.json(envelope(printEntity(job), [job.request]));
    if (job.request.state !== 'SUCCESSFUL')
      return refuse(c, 404, [{ code: 'v2_entity_not_found', message: 'The print form is not formed' }]);
    const lines = state
      .printOrders(job)
      .orders.map(
        (o) =>
          `CDEK ${o.cdekNumber}  order ${o.body.number ?? o.uuid}  to ${o.body.to_location?.city ?? o.body.delivery_point ?? ''}`,
      );
    return c.body(new Uint8Array(receiptPdf(['CDEK receipt', ...lines])), 200, { 'content-type': 'application/pdf' });
  });

  app.post('/v2/webhooks', async (c) => {
    const body = await jsonBody(c);
    const parsed = webhookRequest.safeParse(body);
    if (!parsed.success) return refuse(c, 400, problemsOf(parsed.error, body));
    const subscription = state.subscribe(clientOf(c), parsed.data.type, parsed.data.url);
    return c.json(envelope({ uuid: subscription.uuid }, [doneRequest('CREATE', state.now())]));
  });
  app.get('/v2/webhooks', (c) =>
    c.json(
      state.subscriptions.filter((s) => s.clientId === clientOf(c)).map(({ uuid, type, url }) => ({ uuid, type, url })),
    ),
  );
  app.delete('/v2/webhooks/:uuid', (c) => {
    const uuid = c.req.param('uuid');
    if (!state.unsubscribe(clientOf(c), uuid))
      return refuse(c, 404, [{ code: 'v2_entity_not_found', message: 'Webhook not found' }]);
    return c.json(envelope({ uuid }, [doneRequest('DELETE', state.now())]));
  });

  app.all('/v2/*', (c) =>
    refuse(c, 404, [{ code: 'v2_entity_not_found', message: `No method ${c.req.method} ${c.req.path}` }]),
  );

  controls(sim, state, malformations);
  return Object.assign(sim, { state, malformNext: (m: Malformation) => void malformations.push(m) });
}

/** Test controls for other processes: clients, settling, expiring tokens, moving a parcel, the refused cities, webhooks, a broken answer. */
function controls(sim: Simulator, state: CdekState, malformations: Malformation[]): void {
  const { app } = sim;
  const body = async (c: Context) => ((await c.req.json().catch(() => null)) ?? {}) as Record<string, unknown>;
  app.post('/__sim/cdek/clients', async (c) => {
    const input = await body(c);
    if (typeof input.clientId !== 'string' || typeof input.clientSecret !== 'string')
      return c.json({ error: 'clientId and clientSecret are needed' }, 400);
    state.addClient(input.clientId, input.clientSecret);
    return c.json({ ok: true });
  });
  app.post('/__sim/cdek/process', (c) => {
    state.process();
    return c.json({ ok: true });
  });
  app.post('/__sim/cdek/expire-tokens', (c) => {
    state.expireTokens();
    return c.json({ ok: true });
  });
  app.get('/__sim/cdek/orders', (c) =>
    c.json({ orders: state.orders().map((o) => ({ request: o.request, order: orderEntity(o) })) }),
  );
  app.post('/__sim/cdek/orders/:uuid/status', async (c) => {
    const input = await body(c);
    try {
      const order = state.advance(c.req.param('uuid'), String(input.code ?? ''), {
        city: input.city as string | undefined,
        reasonCode: input.reasonCode as string | undefined,
      });
      return c.json({ order: orderEntity(order) });
    } catch (error) {
      return c.json({ error: (error as Error).message }, 400);
    }
  });
  app.put('/__sim/cdek/unsupported-cities', async (c) => {
    const cities = (await body(c)).cities;
    if (!Array.isArray(cities)) return c.json({ error: 'cities is a list' }, 400);
    state.unsupportedCities = cities.map(String);
    return c.json({ cities: state.unsupportedCities });
  });
  app.get('/__sim/cdek/webhooks', (c) => c.json({ subscriptions: state.subscriptions, deliveries: state.deliveries }));
  app.post('/__sim/cdek/malform', async (c) => {
    const input = await body(c);
    if (typeof input.path !== 'string' || typeof input.field !== 'string')
      return c.json({ error: 'path and field are needed' }, 400);
    malformations.push(input as unknown as Malformation);
    return c.json({ ok: true });
  });
}
