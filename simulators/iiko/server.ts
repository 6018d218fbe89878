import crypto from 'node:crypto';
import type { Context } from 'hono';
import { createSimulator, type Simulator } from '../toolkit/index.ts';
import { iikoDateTime, IikoState, type IikoOrganization, type IikoProduct } from './state.ts';

/**
 * iiko Cloud API (iikoTransport) as ../shared/specs/iiko/iikocloud.openapi.json describes it:
 * every call is a POST with a JSON body; `/api/1/access_token` trades an apiLogin for a token
 * that every other call carries as `Authorization: Bearer <token>` and that expires (401
 * then, as for an unknown one); errors are `{correlationId, errorDescription, error}`.
 * Test controls live under /__sim/iiko.
 */

export interface IikoSimulator extends Simulator {
  state: IikoState;
  /** Sends a StopListUpdate webhook for an organization to its registered URI (or `url`); answers the receiver's status. */
  sendStopListWebhook(organizationId: string, url?: string): Promise<number>;
}

export interface IikoSimulatorOptions {
  state?: IikoState;
}

const correlationId = () => crypto.randomUUID();

const iikoError = (
  c: Context,
  status: 400 | 401 | 404 | 500 | 502 | 503,
  description: string,
  error: string | null = null,
) => c.json({ correlationId: correlationId(), errorDescription: description, error }, status);

type Env = { Variables: { organizationIds: string[] } };

export function createIikoSimulator(options: IikoSimulatorOptions = {}): IikoSimulator {
  const state = options.state ?? new IikoState();
  const sim = createSimulator({
    name: 'iiko',
    // iiko publishes no rate limit; an overloaded transport answers 429 with its own error body.
    tooManyRequests: (c, retryAfter) =>
      c.json(
        { correlationId: correlationId(), errorDescription: 'Too many requests', error: 'TOO_MANY_REQUESTS' },
        429,
        { 'retry-after': String(retryAfter) },
      ),
    serverError: (c, status) => iikoError(c, status, 'Internal server error', 'INTERNAL_SERVER_ERROR'),
  });
  const app = sim.app as unknown as import('hono').Hono<Env>;

  const body = async (c: Context): Promise<Record<string, unknown>> => {
    const parsed = await c.req.json().catch(() => null);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  };

  app.post('/api/1/access_token', async (c) => {
    const { apiLogin } = await body(c);
    if (typeof apiLogin !== 'string' || !apiLogin) return iikoError(c, 400, 'apiLogin is required', 'BAD_REQUEST');
    const token = state.issueToken(apiLogin);
    if (!token) return iikoError(c, 401, `Login ${apiLogin.slice(0, 4)}… is not authorized`, 'UNAUTHORIZED');
    return c.json({ correlationId: correlationId(), token });
  });

  // Every other call: a live token, and only the organizations its login may read.
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/1/access_token') return next();
    const token = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const apiLogin = token ? state.tokenOwner(token) : null;
    if (!apiLogin) return iikoError(c, 401, 'Unauthorized: the token is missing, unknown or expired', 'UNAUTHORIZED');
    c.set('organizationIds', state.apiLogins.get(apiLogin) ?? []);
    await next();
  });

  /** The organizations named in the body, each one the login may read; a 400 otherwise. */
  const organizationsOf = (c: Context<Env>, ids: unknown): IikoOrganization[] | Response => {
    const list = Array.isArray(ids) ? ids : typeof ids === 'string' ? [ids] : null;
    if (!list?.length) return iikoError(c, 400, 'organizationIds is required', 'BAD_REQUEST');
    const allowed = c.get('organizationIds');
    const unknown = list.filter((id) => !allowed.includes(String(id)) || !state.organizations.has(String(id)));
    if (unknown.length) return iikoError(c, 400, `Unknown organizations: ${unknown.join(', ')}`, 'BAD_REQUEST');
    return list.map((id) => state.organization(String(id)));
  };

  app.post('/api/1/organizations', async (c) => {
    const { organizationIds } = await body(c);
    const allowed = c.get('organizationIds');
    const ids =
      Array.isArray(organizationIds) && organizationIds.length
        ? allowed.filter((id) => organizationIds.includes(id))
        : allowed;
    return c.json({
      correlationId: correlationId(),
      organizations: ids
        .map((id) => state.organization(id))
        .map((o) => ({ responseType: 'Simple', id: o.id, name: o.name, code: o.code })),
    });
  });

  app.post('/api/1/nomenclature', async (c) => {
    const input = await body(c);
    const orgs = organizationsOf(c, input.organizationId);
    if (orgs instanceof Response) return orgs;
    const org = orgs[0];
    const since = typeof input.startRevision === 'number' ? input.startRevision : null;
    // A full answer has what exists; a delta has everything changed since, deleted items flagged.
    const wanted = (item: { revision: number; isDeleted: boolean }) =>
      since === null ? !item.isDeleted : item.revision > since;
    return c.json({
      correlationId: correlationId(),
      groups: [...org.groups.values()].filter(wanted).map((g) => ({
        imageLinks: g.imageLinks,
        parentGroup: g.parentGroup,
        order: g.order,
        isIncludedInMenu: g.isIncludedInMenu,
        isGroupModifier: g.isGroupModifier,
        id: g.id,
        code: g.code,
        name: g.name,
        description: g.description,
        isDeleted: g.isDeleted,
        tags: [],
        seoTitle: null,
        seoDescription: null,
      })),
      productCategories: [],
      products: [...org.products.values()].filter(wanted).map(productJson),
      sizes: org.sizes,
      revision: org.revision,
    });
  });

  app.post('/api/1/stop_lists', async (c) => {
    const input = await body(c);
    const orgs = organizationsOf(c, input.organizationIds);
    if (orgs instanceof Response) return orgs;
    const onlyGroups = Array.isArray(input.terminalGroupsIds) ? (input.terminalGroupsIds as string[]) : null;
    return c.json({
      correlationId: correlationId(),
      terminalGroupStopLists: orgs.map((org) => ({
        organizationId: org.id,
        items: org.terminalGroups
          .filter((tg) => !onlyGroups || onlyGroups.includes(tg.id))
          .map((tg) => ({
            terminalGroupId: tg.id,
            items: [...(org.stopLists.get(tg.id)?.values() ?? [])].map((e) => ({
              balance: e.balance,
              productId: e.productId,
              sizeId: e.sizeId,
              sku: org.products.get(e.productId)?.code ?? null,
              dateAdd: e.dateAdd,
            })),
          }))
          .filter((tg) => tg.items.length),
      })),
    });
  });

  const terminalGroupJson = (org: IikoOrganization) => (tg: IikoOrganization['terminalGroups'][number]) => ({
    id: tg.id,
    organizationId: org.id,
    name: tg.name,
    address: tg.address,
    timeZone: 'Russian Standard Time',
  });

  app.post('/api/1/terminal_groups', async (c) => {
    const input = await body(c);
    const orgs = organizationsOf(c, input.organizationIds);
    if (orgs instanceof Response) return orgs;
    return c.json({
      correlationId: correlationId(),
      terminalGroups: orgs.map((org) => ({
        organizationId: org.id,
        items: org.terminalGroups.filter((t) => !t.inSleep).map(terminalGroupJson(org)),
      })),
      terminalGroupsInSleep: orgs.map((org) => ({
        organizationId: org.id,
        items: org.terminalGroups.filter((t) => t.inSleep).map(terminalGroupJson(org)),
      })),
    });
  });

  app.post('/api/1/payment_types', async (c) => {
    const input = await body(c);
    const orgs = organizationsOf(c, input.organizationIds);
    if (orgs instanceof Response) return orgs;
    return c.json({
      correlationId: correlationId(),
      paymentTypes: orgs.flatMap((org) =>
        org.paymentTypes.map((p) => ({
          id: p.id,
          code: p.code,
          name: p.name,
          comment: null,
          combinable: p.kind !== 'IikoCard',
          externalRevision: org.revision,
          applicableMarketingCampaigns: [],
          isDeleted: p.isDeleted,
          printCheque: p.kind !== 'External',
          paymentProcessingType: p.kind === 'External' ? 'External' : 'Both',
          paymentTypeKind: p.kind,
          terminalGroups: org.terminalGroups.map(terminalGroupJson(org)),
        })),
      ),
    });
  });

  app.post('/api/1/combo', async (c) => {
    const input = await body(c);
    const orgs = organizationsOf(c, input.organizationId);
    if (orgs instanceof Response) return orgs;
    const org = orgs[0];
    const categoryId = org.id; // one combo category per organization
    return c.json({
      comboSpecifications: org.combos
        .filter((k) => !k.isDeleted)
        .map((k, i) => ({
          sourceActionId: k.sourceActionId,
          categoryId,
          name: k.name,
          priceModificationType: 0,
          priceModification: k.priceModification,
          isActive: true,
          startDate: null,
          expirationDate: null,
          lackingGroupsToSuggest: 0,
          includeModifiers: false,
          sortOrder: i,
          groups: k.groups.map((g) => ({
            id: g.id,
            name: g.name,
            isMainGroup: g.isMainGroup,
            skipStep: false,
            products: g.productIds.map((productId, position) => ({
              productId,
              sizeName: '',
              sizeId: null,
              forbiddenModifiers: [],
              priceModificationAmount: 0,
              position,
            })),
          })),
        })),
      comboCategories: [{ id: categoryId, name: 'Комбо' }],
      Warnings: [],
    });
  });

  app.post('/api/2/menu', (c) =>
    c.json({
      correlationId: correlationId(),
      externalMenus: state.externalMenus,
      priceCategories: state.priceCategories,
    }),
  );

  app.post('/api/1/webhooks/update_settings', async (c) => {
    const input = await body(c);
    const orgs = organizationsOf(c, input.organizationId);
    if (orgs instanceof Response) return orgs;
    if (typeof input.webHooksUri !== 'string' || !/^https?:\/\//.test(input.webHooksUri))
      return iikoError(c, 400, 'webHooksUri must be an absolute http(s) URL', 'BAD_REQUEST');
    orgs[0].webhook = {
      webHooksUri: input.webHooksUri,
      authToken: typeof input.authToken === 'string' ? input.authToken : null,
      filter: input.webHooksFilter ?? null,
    };
    return c.json({ correlationId: correlationId() });
  });

  // --- test controls -------------------------------------------------------------------------

  const control = app as unknown as import('hono').Hono;
  const controlled = (fn: (input: Record<string, any>) => unknown | Promise<unknown>) => async (c: Context) => {
    try {
      return c.json({ ok: true, result: (await fn(await body(c))) ?? null });
    } catch (error) {
      return c.json({ ok: false, error: (error as Error).message }, 400);
    }
  };
  control.post(
    '/__sim/iiko/price',
    controlled((i) => state.setPrice(i.productId, Number(i.price), i.sizeId ?? null)),
  );
  control.post(
    '/__sim/iiko/delete',
    controlled((i) => (i.groupId ? state.deleteGroup(i.groupId) : state.deleteProduct(i.productId))),
  );
  control.post(
    '/__sim/iiko/stop',
    controlled((i) => state.stop(i.productId, { balance: i.balance, terminalGroupId: i.terminalGroupId })),
  );
  control.post(
    '/__sim/iiko/unstop',
    controlled((i) => state.unstop(i.productId)),
  );
  control.post(
    '/__sim/iiko/expire-tokens',
    controlled(() => state.expireAllTokens()),
  );
  control.post(
    '/__sim/iiko/send-webhook',
    controlled((i) => sendStopListWebhook(i.organizationId, i.url)),
  );

  /** What iiko posts when a stop list changes: an array of events, the auth token in Authorization. */
  async function sendStopListWebhook(organizationId: string, url?: string): Promise<number> {
    const org = state.organization(organizationId);
    const target = url ?? org.webhook?.webHooksUri;
    if (!target) throw new Error(`No webhook registered for organization ${organizationId}`);
    const events = [
      {
        eventType: 'StopListUpdate',
        eventTime: iikoDateTime(new Date()),
        organizationId,
        correlationId: correlationId(),
        eventInfo: { terminalGroupsStopListsUpdates: org.terminalGroups.map((tg) => ({ id: tg.id, isFull: true })) },
      },
    ];
    const res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(org.webhook?.authToken ? { authorization: org.webhook.authToken } : {}),
      },
      body: JSON.stringify(events),
    });
    await res.arrayBuffer();
    return res.status;
  }

  return { ...sim, state, sendStopListWebhook };
}

function productJson(p: IikoProduct) {
  const modifierJson = (m: {
    id: string;
    minAmount: number;
    maxAmount: number;
    defaultAmount?: number;
    required?: boolean;
  }) => ({
    id: m.id,
    defaultAmount: m.defaultAmount ?? 0,
    minAmount: m.minAmount,
    maxAmount: m.maxAmount,
    required: m.required ?? false,
    hideIfDefaultAmount: false,
    splittable: false,
    freeOfChargeAmount: 0,
  });
  return {
    fatAmount: p.nutrition.fat,
    proteinsAmount: p.nutrition.proteins,
    carbohydratesAmount: p.nutrition.carbohydrates,
    energyAmount: p.nutrition.energy,
    fatFullAmount: round(p.nutrition.fat * p.weight * 10),
    proteinsFullAmount: round(p.nutrition.proteins * p.weight * 10),
    carbohydratesFullAmount: round(p.nutrition.carbohydrates * p.weight * 10),
    energyFullAmount: round(p.nutrition.energy * p.weight * 10),
    weight: p.weight,
    groupId: p.groupId,
    productCategoryId: null,
    type: p.type,
    orderItemType: 'Product',
    modifierSchemaId: null,
    modifierSchemaName: null,
    splittable: false,
    measureUnit: p.measureUnit,
    sizePrices: p.sizePrices.map((sp) => ({
      sizeId: sp.sizeId,
      price: {
        currentPrice: sp.price,
        isIncludedInMenu: true,
        nextPrice: null,
        nextIncludedInMenu: false,
        nextDatePrice: null,
      },
    })),
    modifiers: p.modifiers.map(modifierJson),
    groupModifiers: p.groupModifiers.map((g) => ({
      id: g.id,
      minAmount: g.minAmount,
      maxAmount: g.maxAmount,
      required: g.required ?? false,
      childModifiersHaveMinMaxRestrictions: true,
      childModifiers: g.childModifiers.map(modifierJson),
      hideIfDefaultAmount: false,
      defaultAmount: 0,
      splittable: false,
      freeOfChargeAmount: 0,
    })),
    imageLinks: p.imageLinks,
    doNotPrintInCheque: false,
    parentGroup: p.groupId,
    order: p.order,
    fullNameEnglish: null,
    useBalanceForSell: false,
    canSetOpenPrice: false,
    paymentSubject: null,
    id: p.id,
    code: p.code,
    name: p.name,
    description: p.description,
    additionalInfo: null,
    tags: p.tags,
    isDeleted: p.isDeleted,
    seoDescription: null,
    seoText: null,
    seoKeywords: null,
    seoTitle: null,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
