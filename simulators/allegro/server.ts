import type { Context } from 'hono';
import { createSimulator, type RateLimit, type Simulator } from '../toolkit/index.ts';
import {
  AllegroState,
  EAN_PARAMETER_ID,
  SELLER_ID,
  type CheckoutForm,
  type CheckoutLine,
  type AllegroOffer,
  type JournalEvent,
} from './state.ts';

/**
 * Allegro REST API as ../shared/specs/allegro/swagger.yaml describes it, for the paths Sklad
 * uses: OAuth (the token endpoint is not in the spec: Allegro's docs), offers, order events,
 * checkout forms (one, and the list by date), offer edits and quantity-change commands. Answers are
 * `application/vnd.allegro.public.v1+json`; errors are the spec's ErrorsHolder, 401s its AuthError.
 */

export const VND = 'application/vnd.allegro.public.v1+json';

export interface AllegroSimulator extends Simulator {
  state: AllegroState;
}

export interface AllegroSimulatorOptions {
  /** Allegro allows ~9000 requests a minute per client; tests and benches may lower it. */
  rateLimit?: RateLimit | null;
  state?: AllegroState;
}

const reply = (c: Context, body: unknown, status = 200, headers: Record<string, string> = {}) =>
  body === null
    ? c.body(null, status as 200, headers)
    : c.body(JSON.stringify(body), status as 200, { 'content-type': VND, ...headers });

const errors = (c: Context, status: number, code: string, message: string, path: string | null = null) =>
  reply(c, { errors: [{ code, message, details: null, path, userMessage: message }] }, status);

const money = (amount: string) => ({ amount, currency: 'PLN' });

export function createAllegroSimulator(options: AllegroSimulatorOptions = {}): AllegroSimulator {
  const state = options.state ?? new AllegroState();
  // Allegro counts requests per client id (9,000 a minute): a bearer token's client, or the token endpoint's Basic one.
  const clientScope = (c: Context) => {
    const auth = c.req.header('authorization') ?? '';
    const bearer = /^Bearer (.+)$/i.exec(auth)?.[1];
    if (bearer) return state.clientOfAccessToken(bearer) ?? 'unknown-token';
    const basic = /^Basic (.+)$/i.exec(auth)?.[1];
    return basic ? Buffer.from(basic, 'base64').toString().split(':')[0] : '';
  };
  const rateLimit =
    options.rateLimit === null
      ? []
      : [{ scope: clientScope, ...(options.rateLimit ?? { requests: 9000, intervalMs: 60_000 }) }];
  const sim = createSimulator({
    name: 'allegro',
    rateLimits: rateLimit,
    tooManyRequests: (c, retryAfter) =>
      c.body(
        JSON.stringify({
          errors: [
            {
              code: 'TooManyRequestsException',
              message: 'Too many requests',
              details: null,
              path: null,
              userMessage: 'Too many requests',
            },
          ],
        }),
        429,
        {
          'content-type': VND,
          'retry-after': String(retryAfter),
        },
      ),
    serverError: (c, status) => errors(c, status, 'InternalServerErrorException', 'Internal server error'),
  });
  const { app } = sim;

  // --- OAuth (https://developer.allegro.pl/auth/) -------------------------------------------
  app.post('/auth/oauth/token', async (c) => {
    const form = new URLSearchParams(await c.req.text().catch(() => ''));
    const param = (name: string) => c.req.query(name) ?? form.get(name) ?? undefined;
    const basic = /^Basic (.+)$/i.exec(c.req.header('authorization') ?? '');
    const [clientId, clientSecret] = basic ? Buffer.from(basic[1], 'base64').toString().split(':') : [];
    const client = clientId ? state.clients.get(clientId) : undefined;
    if (!client || client.secret !== clientSecret) {
      return c.json({ error: 'invalid_client', error_description: 'Bad client credentials' }, 401);
    }
    const grant = param('grant_type');
    if (grant === 'client_credentials') {
      const access = state.issueAccessToken(client.id);
      return c.json({
        access_token: access.token,
        token_type: 'bearer',
        expires_in: access.expiresIn,
        scope: 'allegro:api:sale:offers:read',
        allegro_api: true,
      });
    }
    if (grant === 'refresh_token') {
      const refresh = param('refresh_token');
      if (!refresh || state.refreshTokens.get(refresh) !== client.id) {
        return c.json(
          {
            error: 'invalid_grant',
            error_description: `Invalid refresh token: ${refresh ? `${refresh.slice(0, 6)}…` : 'missing'}`,
          },
          400,
        );
      }
      const access = state.issueRefreshedAccessToken(client.id);
      return c.json({
        access_token: access.token,
        token_type: 'bearer',
        refresh_token: state.issueRefreshToken(client.id),
        expires_in: access.expiresIn,
        scope: 'allegro:api:sale:offers:read allegro:api:sale:offers:write allegro:api:orders:read',
        allegro_api: true,
      });
    }
    return c.json(
      { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${grant ?? 'missing'}` },
      400,
    );
  });

  // --- Every API path: a live bearer token and Allegro's media type ---------------------------
  app.use('/sale/*', guard);
  app.use('/order/*', guard);
  async function guard(c: Context, next: () => Promise<void>) {
    const token = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token || !state.isValidAccessToken(token)) {
      const description = !token
        ? 'Full authentication is required to access this resource'
        : state.isRefusedAccessToken(token)
          ? 'Invalid access token'
          : 'Access token expired';
      return reply(c, { error: 'invalid_token', error_description: description }, 401);
    }
    if (!(c.req.header('accept') ?? '').includes(VND)) {
      return errors(
        c,
        406,
        'NotAcceptableException',
        `Not acceptable representation requested. Please check 'Accept' request header`,
      );
    }
    if ((c.req.method === 'PATCH' || c.req.method === 'PUT') && !(c.req.header('content-type') ?? '').includes(VND)) {
      return errors(
        c,
        415,
        'UnsupportedMediaTypeException',
        `Content type '${c.req.header('content-type')}' not supported`,
      );
    }
    await next();
  }

  // --- Offers ----------------------------------------------------------------------------------
  app.get('/sale/offers', (c) => {
    const limit = Number(c.req.query('limit') ?? 20);
    const offset = Number(c.req.query('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return errors(c, 400, 'VALIDATION_ERROR', 'limit must be between 1 and 1000', 'limit');
    if (!Number.isInteger(offset) || offset < 0 || offset + limit > 10_000_000)
      return errors(c, 400, 'VALIDATION_ERROR', 'Invalid offset', 'offset');
    const ids = c.req.queries('offer.id') ?? [];
    const externalIds = c.req.queries('external.id') ?? [];
    if (externalIds.length > 100)
      return errors(c, 400, 'VALIDATION_ERROR', 'external.id: at most 100 values', 'external.id');
    const statuses = c.req.queries('publication.status') ?? [];
    const matching = [...state.offers.values()].filter(
      (o) =>
        (ids.length === 0 || ids.includes(o.id)) &&
        (externalIds.length === 0 || (o.externalId !== null && externalIds.includes(o.externalId))) &&
        (statuses.length === 0 || statuses.includes(o.status)),
    );
    const page = matching.slice(offset, offset + limit);
    return reply(c, { offers: page.map(listingOffer), count: page.length, totalCount: matching.length });
  });

  app.get('/sale/product-offers/:offerId', (c) => {
    const offer = state.offers.get(c.req.param('offerId'));
    if (!offer) return errors(c, 404, 'NOT_FOUND', `Offer ${c.req.param('offerId')} not found`);
    return reply(c, productOffer(offer));
  });

  app.patch('/sale/product-offers/:offerId', async (c) => {
    const offer = state.offers.get(c.req.param('offerId'));
    if (!offer) return errors(c, 404, 'NOT_FOUND', `Offer ${c.req.param('offerId')} not found`);
    const body = (await c.req.json().catch(() => null)) as {
      stock?: { available?: unknown };
      sellingMode?: { price?: { amount?: unknown; currency?: unknown } };
    } | null;
    if (!body || typeof body !== 'object')
      return errors(c, 400, 'VALIDATION_ERROR', 'The request body is not valid JSON');
    // The price (sellingMode.price, BuyNowPrice): checked before anything is changed, as one edit.
    const price = body.sellingMode?.price;
    if (price !== undefined) {
      if (typeof price?.amount !== 'string' || !/^\d+(\.\d{1,2})?$/.test(price.amount) || Number(price.amount) <= 0) {
        return errors(
          c,
          422,
          'VALIDATION_ERROR',
          'sellingMode.price.amount must be a positive decimal string such as "123.45"',
          'sellingMode.price.amount',
        );
      }
      if (price.currency !== 'PLN')
        return errors(
          c,
          422,
          'VALIDATION_ERROR',
          'The price must be in the marketplace currency PLN',
          'sellingMode.price.currency',
        );
      if (offer.campaign) {
        return errors(
          c,
          422,
          'OFFER_IN_CAMPAIGN',
          `The offer takes part in the promotion "${offer.campaign}": its price cannot be changed until the promotion ends`,
          'sellingMode.price',
        );
      }
    }
    if (body.stock !== undefined) {
      const available = body.stock?.available;
      if (!Number.isInteger(available) || (available as number) < 0) {
        return errors(c, 422, 'VALIDATION_ERROR', 'stock.available must be a non-negative integer', 'stock.available');
      }
      offer.available = available as number;
      offer.updatedAt = new Date().toISOString();
    }
    if (price !== undefined) {
      offer.price = Number(price.amount).toFixed(2);
      offer.updatedAt = new Date().toISOString();
    }
    return reply(c, productOffer(offer));
  });

  // --- Quantity-change commands ------------------------------------------------------------------
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  app.put('/sale/offer-quantity-change-commands/:commandId', async (c) => {
    const id = c.req.param('commandId');
    if (!uuid.test(id)) return errors(c, 422, 'VALIDATION_ERROR', 'commandId must be a UUID', 'commandId');
    if (state.commands.has(id)) return errors(c, 409, 'CONFLICT', `Command ${id} already exists`);
    const body = (await c.req.json().catch(() => null)) as {
      modification?: { changeType?: string; value?: number };
      offerCriteria?: { type?: string; offers?: { id?: string }[] }[];
    } | null;
    const change = body?.modification;
    if (!change || (change.changeType !== 'FIXED' && change.changeType !== 'GAIN') || !Number.isInteger(change.value)) {
      return errors(
        c,
        422,
        'VALIDATION_ERROR',
        'modification.changeType must be FIXED or GAIN with an integer value',
        'modification',
      );
    }
    if (change.changeType === 'FIXED' && (change.value as number) <= 0) {
      return errors(c, 422, 'VALIDATION_ERROR', 'For FIXED, value must be greater than 0', 'modification.value');
    }
    const offerIds = (body?.offerCriteria ?? []).flatMap((k) =>
      k.type === 'CONTAINS_OFFERS' ? (k.offers ?? []).map((o) => String(o.id)) : [],
    );
    if (offerIds.length === 0 || offerIds.length > 1000)
      return errors(c, 422, 'VALIDATION_ERROR', 'offerCriteria must name 1 to 1000 offers', 'offerCriteria');
    const command = state.runQuantityCommand(id, change as { changeType: 'FIXED' | 'GAIN'; value: number }, offerIds);
    return reply(c, generalReport(command), 201);
  });

  app.get('/sale/offer-quantity-change-commands/:commandId', (c) => {
    const command = state.commands.get(c.req.param('commandId'));
    if (!command) return errors(c, 404, 'NOT_FOUND', 'Command not found');
    return reply(c, generalReport(command));
  });

  app.get('/sale/offer-quantity-change-commands/:commandId/tasks', (c) => {
    const command = state.commands.get(c.req.param('commandId'));
    if (!command) return errors(c, 404, 'NOT_FOUND', 'Command not found');
    const limit = Number(c.req.query('limit') ?? 100);
    const offset = Number(c.req.query('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return errors(c, 422, 'VALIDATION_ERROR', 'limit must be between 1 and 1000', 'limit');
    if (!Number.isInteger(offset) || offset < 0 || offset > 999)
      return errors(c, 422, 'VALIDATION_ERROR', 'offset must be between 0 and 999', 'offset');
    const tasks = command.tasks.slice(offset, offset + limit).map((t) => ({
      offer: { id: t.offerId },
      field: 'stock.available',
      status: t.status,
      message: t.message,
      errors:
        t.status === 'FAIL'
          ? [{ code: 'OFFER_UPDATE_FAILED', message: t.message, details: null, path: null, userMessage: t.message }]
          : [],
    }));
    return reply(c, { tasks });
  });

  // --- Orders ------------------------------------------------------------------------------------
  app.get('/order/events', (c) => {
    const limit = Number(c.req.query('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return errors(c, 422, 'VALIDATION_ERROR', 'limit must be between 1 and 1000', 'limit');
    const from = c.req.query('from');
    if (from !== undefined && !/^\d+$/.test(from))
      return errors(c, 422, 'VALIDATION_ERROR', `Invalid event id: ${from}`, 'from');
    const types = c.req.queries('type') ?? [];
    const events = state.eventsAfter(from, types, limit).map((e) => e.raw ?? orderEvent(e));
    return reply(c, { events });
  });

  app.get('/order/event-stats', (c) => {
    const latest = state.events.at(-1);
    return reply(c, latest ? { latestEvent: { id: latest.id, occurredAt: latest.occurredAt } } : {});
  });

  const formStatuses = ['BOUGHT', 'FILLED_IN', 'READY_FOR_PROCESSING', 'CANCELLED'];
  const formSorts = ['lineItems.boughtAt', '-lineItems.boughtAt', 'updatedAt', '-updatedAt'] as const;
  app.get('/order/checkout-forms', (c) => {
    const limit = Number(c.req.query('limit') ?? 100);
    const offset = Number(c.req.query('offset') ?? 0);
    // The spec: 422 for a limit or offset out of range, 400 for other illegal values.
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return errors(c, 422, 'VALIDATION_ERROR', 'limit must be between 1 and 100', 'limit');
    if (!Number.isInteger(offset) || offset < 0)
      return errors(c, 422, 'VALIDATION_ERROR', 'offset must be 0 or more', 'offset');
    const status = c.req.query('status');
    if (status !== undefined && !formStatuses.includes(status))
      return errors(c, 400, 'VALIDATION_ERROR', `Invalid status: ${status}`, 'status');
    const sort = c.req.query('sort');
    if (sort !== undefined && !(formSorts as readonly string[]).includes(sort))
      return errors(c, 400, 'VALIDATION_ERROR', `Invalid sort: ${sort}`, 'sort');
    const bounds: Record<string, number | undefined> = {};
    for (const name of ['lineItems.boughtAt.gte', 'lineItems.boughtAt.lte', 'updatedAt.gte', 'updatedAt.lte']) {
      const value = c.req.query(name);
      if (value === undefined) continue;
      const t = Date.parse(value);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t))
        return errors(c, 400, 'VALIDATION_ERROR', `${name} must be a date-time: ${value}`, name);
      bounds[name] = t;
    }
    const matching = state.listForms({
      status,
      boughtFrom: bounds['lineItems.boughtAt.gte'],
      boughtTo: bounds['lineItems.boughtAt.lte'],
      updatedFrom: bounds['updatedAt.gte'],
      updatedTo: bounds['updatedAt.lte'],
      buyerLogin: c.req.query('buyer.login'),
      sort: sort as (typeof formSorts)[number] | undefined,
    });
    const page = matching.slice(offset, offset + limit);
    return reply(c, {
      checkoutForms: page.map((f) => f.rawOverride ?? checkoutForm(f)),
      count: page.length,
      totalCount: matching.length,
    });
  });

  app.get('/order/checkout-forms/:id', (c) => {
    const id = c.req.param('id');
    if (!uuid.test(id)) return errors(c, 422, 'VALIDATION_ERROR', `Invalid checkout form id: ${id}`, 'id');
    const form = state.forms.get(id);
    if (!form) return errors(c, 404, 'NOT_FOUND', `Checkout form ${id} not found`);
    return reply(c, form.rawOverride ?? checkoutForm(form));
  });

  // --- The seller's status and tracking numbers of an order (docs/decisions/192) ----------------
  const formOf = (c: Context) => {
    const id = c.req.param('id') ?? '';
    if (!uuid.test(id)) return errors(c, 422, 'VALIDATION_ERROR', `Invalid checkout form id: ${id}`, 'id');
    return state.forms.get(id) ?? errors(c, 404, 'NOT_FOUND', `Checkout form ${id} not found`);
  };
  const shipmentView = (s: NonNullable<CheckoutForm['shipments']>[number]) => ({
    id: s.id,
    waybill: s.waybill,
    carrierId: s.carrierId,
    ...(s.carrierName ? { carrierName: s.carrierName } : {}),
  });

  app.put('/order/checkout-forms/:id/fulfillment', async (c) => {
    const form = formOf(c);
    if (form instanceof Response) return form;
    const b = (await c.req.json().catch(() => null)) as { status?: unknown } | null;
    const settable = [
      'NEW',
      'PROCESSING',
      'READY_FOR_SHIPMENT',
      'READY_FOR_PICKUP',
      'SENT',
      'PICKED_UP',
      'CANCELLED',
      'SUSPENDED',
    ];
    if (typeof b?.status !== 'string' || !settable.includes(b.status))
      return errors(c, 422, 'VALIDATION_ERROR', `Status ${String(b?.status)} cannot be set`, 'status');
    const revision = c.req.query('checkoutForm.revision');
    if (revision !== undefined && revision !== form.revision)
      return errors(c, 409, 'CONFLICT', 'Provided revision is outdated');
    if (form.status === 'CANCELLED' && b.status !== 'CANCELLED')
      return errors(c, 422, 'ORDER_CANCELLED', 'The buyer cancelled this order', 'status');
    form.fulfillment = b.status;
    form.updatedAt = new Date().toISOString();
    return c.body(null, 204);
  });

  app.get('/order/checkout-forms/:id/shipments', (c) => {
    const form = formOf(c);
    if (form instanceof Response) return form;
    return reply(c, { shipments: (form.shipments ?? []).map(shipmentView) });
  });

  app.post('/order/checkout-forms/:id/shipments', async (c) => {
    const form = formOf(c);
    if (form instanceof Response) return form;
    const b = (await c.req.json().catch(() => null)) as {
      carrierId?: unknown;
      carrierName?: unknown;
      waybill?: unknown;
    } | null;
    if (typeof b?.carrierId !== 'string' || !b.carrierId)
      return errors(c, 400, 'VALIDATION_ERROR', 'carrierId is required', 'carrierId');
    if (typeof b.waybill !== 'string' || !b.waybill || b.waybill.length > 64)
      return errors(c, 400, 'VALIDATION_ERROR', 'waybill must be 1 to 64 characters', 'waybill');
    if (typeof b.carrierName === 'string' && b.carrierName.length > 30)
      return errors(c, 400, 'VALIDATION_ERROR', 'carrierName must be at most 30 characters', 'carrierName');
    if (form.status === 'CANCELLED') return errors(c, 422, 'ORDER_CANCELLED', 'The buyer cancelled this order');
    const made = {
      id: Buffer.from(`${form.id}:${b.waybill}`).toString('base64'),
      carrierId: b.carrierId,
      carrierName: b.carrierId === 'OTHER' && typeof b.carrierName === 'string' ? b.carrierName : undefined,
      waybill: b.waybill,
    };
    form.shipments = [...(form.shipments ?? []), made];
    return reply(c, shipmentView(made), 201);
  });

  // --- Test controls (not Allegro's): buyers and broken answers, for tests in other processes ----
  app.post('/__sim/allegro/orders', async (c) => {
    const body = (await c.req.json()) as { lines: { offerId: string; quantity: number }[]; paid?: boolean };
    return c.json(state.placeOrder(body), 201);
  });
  app.post('/__sim/allegro/orders/:id/cancel', (c) => c.json(state.cancelOrder(c.req.param('id'))));
  app.get('/__sim/allegro/offers', (c) => c.json({ offers: [...state.offers.values()] }));
  // The next `count` (default 1) access tokens issued by a refresh are refused with 401 on first use.
  app.post('/__sim/allegro/refuse-refreshed-tokens', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { count?: unknown };
    const count = body.count === undefined ? 1 : Number(body.count);
    if (!Number.isInteger(count) || count < 0) return c.json({ error: 'count must be a non-negative integer' }, 400);
    state.refuseNextRefreshedTokens(count);
    return c.json({ refuseRefreshedTokens: state.refuseRefreshedTokens });
  });

  function listingOffer(o: AllegroOffer) {
    return {
      id: o.id,
      name: o.name,
      category: { id: '257931' },
      sellingMode: { format: 'BUY_NOW', price: money(o.price) },
      stock: { available: o.available, sold: 0 },
      publication: { status: o.status },
      ...(o.externalId !== null ? { external: { id: o.externalId } } : {}),
    };
  }

  function productOffer(o: AllegroOffer) {
    return {
      id: o.id,
      name: o.name,
      category: { id: '257931' },
      productSet: [
        {
          quantity: { value: 1 },
          product: {
            id: null,
            parameters: o.ean
              ? [{ id: EAN_PARAMETER_ID, name: 'EAN (GTIN)', values: [o.ean], valuesIds: null, rangeValue: null }]
              : [],
          },
        },
      ],
      sellingMode: { format: 'BUY_NOW', price: money(o.price) },
      stock: { available: o.available, unit: 'UNIT' },
      publication: { status: o.status },
      ...(o.externalId !== null ? { external: { id: o.externalId } } : {}),
      updatedAt: o.updatedAt,
    };
  }

  function lineItem(l: CheckoutLine) {
    const offer = state.offers.get(l.offerId);
    return {
      id: l.id,
      offer: {
        id: l.offerId,
        name: offer?.name ?? 'Removed offer',
        ...(offer?.externalId ? { external: { id: offer.externalId } } : {}),
      },
      quantity: l.quantity,
      originalPrice: money(l.price),
      price: money(l.price),
      boughtAt: l.boughtAt,
    };
  }

  const buyer = (id: string) => ({ id, email: `buyer${id}@allegromail.pl`, login: `Buyer_${id}`, guest: false });

  function orderEvent(e: JournalEvent) {
    const form = state.forms.get(e.formId);
    return {
      id: e.id,
      type: e.type,
      occurredAt: e.occurredAt,
      order: {
        seller: { id: SELLER_ID },
        buyer: buyer(form?.buyerId ?? '0'),
        lineItems: e.lines.map(lineItem),
        checkoutForm: { id: e.formId, revision: form?.revision },
        marketplace: { id: 'allegro-pl' },
      },
    };
  }

  function checkoutForm(f: CheckoutForm) {
    const total = f.lines.reduce((sum, l) => sum + Math.round(Number(l.price) * 100) * l.quantity, 0);
    return {
      id: f.id,
      buyer: buyer(f.buyerId),
      status: f.status,
      lineItems: f.lines.map(lineItem),
      surcharges: [],
      summary: { totalToPay: money((total / 100).toFixed(2)) },
      marketplace: { id: 'allegro-pl' },
      updatedAt: f.updatedAt,
      revision: f.revision,
      fulfillment: {
        status: f.fulfillment ?? 'NEW',
        shipmentSummary: { lineItemsSent: f.shipments?.length ? 'ALL' : 'NONE' },
      },
    };
  }

  return Object.assign(sim, { state });
}

function generalReport(command: { id: string; createdAt: string; completedAt: string; tasks: { status: string }[] }) {
  const failed = command.tasks.filter((t) => t.status === 'FAIL').length;
  return {
    id: command.id,
    createdAt: command.createdAt,
    completedAt: command.completedAt,
    taskCount: { total: command.tasks.length, success: command.tasks.length - failed, failed },
  };
}
