import crypto from 'node:crypto';

/**
 * What the Allegro simulator knows: OAuth clients and their tokens, a seller's offers, the
 * checkout forms (orders) buyers made and the order event journal. Tests and benchmarks fill
 * it with `seedAllegro` and change it with the helpers below (a purchase, a cancellation, a
 * malformed event), the way buyers and Allegro itself would.
 */

export interface AllegroOffer {
  id: string;
  name: string;
  /** external.id: the seller's own code, Sklad's SKU. */
  externalId: string | null;
  /** The EAN (GTIN) product parameter, id 225693 on Allegro. */
  ean: string | null;
  status: 'INACTIVE' | 'ACTIVATING' | 'ACTIVE' | 'ENDED';
  available: number;
  /** PLN as Allegro writes amounts: "123.45". */
  price: string;
  /** The promotion (campaign) the offer takes part in: its price cannot be changed meanwhile. */
  campaign?: string;
  updatedAt: string;
}

export interface CheckoutLine {
  id: string;
  offerId: string;
  quantity: number;
  price: string;
  boughtAt: string;
}

export interface CheckoutForm {
  id: string;
  status: 'BOUGHT' | 'FILLED_IN' | 'READY_FOR_PROCESSING' | 'CANCELLED';
  buyerId: string;
  lines: CheckoutLine[];
  revision: string;
  updatedAt: string;
  /** The seller's status (PUT …/fulfillment); NEW until the seller sets one. */
  fulfillment?: string;
  /** Parcel tracking numbers the seller added (POST …/shipments). */
  shipments?: { id: string; carrierId: string; carrierName?: string; waybill: string }[];
  /** A deliberately broken answer for GET /order/checkout-forms/{id} (fault tests). */
  rawOverride?: unknown;
}

/** An event as the journal holds it; `raw` replaces the built body for malformed-event tests. */
export interface JournalEvent {
  id: string;
  type: string;
  formId: string;
  occurredAt: string;
  /** The lines as they were at the time of the event. */
  lines: CheckoutLine[];
  raw?: unknown;
}

export interface QuantityCommand {
  id: string;
  createdAt: string;
  completedAt: string;
  tasks: { offerId: string; status: 'SUCCESS' | 'FAIL'; message: string }[];
}

export interface OAuthClient {
  id: string;
  secret: string;
}

export const EAN_PARAMETER_ID = '225693';
export const SELLER_ID = '437848322';

export class AllegroState {
  readonly clients = new Map<string, OAuthClient>();
  /** refresh token → client id; a revoked token is deleted. */
  readonly refreshTokens = new Map<string, string>();
  /** access token → its client and expiry (ms since epoch). */
  readonly accessTokens = new Map<string, { clientId: string; expiresAt: number; refused?: boolean }>();
  /** How long an access token lives (Allegro: 12 h; tests make it short). */
  accessTokenTtlMs = 12 * 3600_000;
  /** How many of the next access tokens a refresh issues are refused on first sight (fault tests). */
  refuseRefreshedTokens = 0;

  readonly offers = new Map<string, AllegroOffer>();
  readonly forms = new Map<string, CheckoutForm>();
  readonly events: JournalEvent[] = [];
  readonly commands = new Map<string, QuantityCommand>();
  private nextOfferId = 10_000_000_000;
  /** Event ids are increasing numeric strings, as Allegro's are. */
  private nextEventId = 1_532_603_898_317_000;

  addClient(
    id = `client-${crypto.randomBytes(4).toString('hex')}`,
    secret = crypto.randomBytes(12).toString('hex'),
  ): OAuthClient {
    const client = { id, secret };
    this.clients.set(id, client);
    return client;
  }

  /** A refresh token as the seller would get it from the authorization-code flow. */
  issueRefreshToken(clientId: string): string {
    const token = `rt-${crypto.randomBytes(16).toString('hex')}`;
    this.refreshTokens.set(token, clientId);
    return token;
  }

  revokeRefreshToken(token: string) {
    this.refreshTokens.delete(token);
  }

  /** The seller withdrew the application's access: every refresh token of the client stops working. */
  revokeClientGrants(clientId: string) {
    for (const [token, owner] of this.refreshTokens) if (owner === clientId) this.refreshTokens.delete(token);
    this.expireAccessTokens();
  }

  issueAccessToken(clientId: string): { token: string; expiresIn: number } {
    const token = `at-${crypto.randomBytes(16).toString('hex')}`;
    this.accessTokens.set(token, { clientId, expiresAt: Date.now() + this.accessTokenTtlMs });
    return { token, expiresIn: Math.ceil(this.accessTokenTtlMs / 1000) };
  }

  /**
   * The next `count` access tokens issued for a refresh token are refused (401 invalid_token)
   * as if Allegro had revoked them at once: the "second 401 right after a refresh" case.
   */
  refuseNextRefreshedTokens(count = 1) {
    this.refuseRefreshedTokens = count;
  }

  /** An access token issued for a refresh token: refused from the start while `refuseRefreshedTokens` lasts. */
  issueRefreshedAccessToken(clientId: string): { token: string; expiresIn: number } {
    const access = this.issueAccessToken(clientId);
    if (this.refuseRefreshedTokens > 0) {
      this.refuseRefreshedTokens--;
      this.accessTokens.get(access.token)!.refused = true;
    }
    return access;
  }

  isRefusedAccessToken(token: string): boolean {
    return this.accessTokens.get(token)?.refused === true;
  }

  /** Ends every access token now: the next call gets a 401, as after Allegro's 12 hours. */
  expireAccessTokens() {
    for (const entry of this.accessTokens.values()) entry.expiresAt = 0;
  }

  isValidAccessToken(token: string): boolean {
    const entry = this.accessTokens.get(token);
    return entry !== undefined && !entry.refused && entry.expiresAt > Date.now();
  }

  /** The client an access token was issued to (Allegro's rate limit counts per client id). */
  clientOfAccessToken(token: string): string | undefined {
    return this.accessTokens.get(token)?.clientId;
  }

  addOffer(input: Partial<AllegroOffer> & { name: string }): AllegroOffer {
    const offer: AllegroOffer = {
      id: String(this.nextOfferId++),
      externalId: null,
      ean: null,
      status: 'ACTIVE',
      available: 0,
      price: '49.99',
      updatedAt: new Date().toISOString(),
      ...input,
    };
    this.offers.set(offer.id, offer);
    return offer;
  }

  private addEvent(type: string, form: CheckoutForm, raw?: unknown): JournalEvent {
    const event: JournalEvent = {
      id: String(this.nextEventId++),
      type,
      formId: form.id,
      occurredAt: new Date().toISOString(),
      lines: form.lines.map((l) => ({ ...l })),
      raw,
    };
    this.events.push(event);
    return event;
  }

  /**
   * A buyer buys: a checkout form in BOUGHT, a BOUGHT event and, as Allegro does, the
   * offers' stock goes down by what was bought. `paid` adds READY_FOR_PROCESSING.
   */
  placeOrder(input: {
    lines: { offerId: string; quantity: number }[];
    buyerId?: string;
    paid?: boolean;
    at?: Date | number;
  }): CheckoutForm {
    const now = new Date(input.at ?? Date.now()).toISOString();
    const lines: CheckoutLine[] = input.lines.map((l) => {
      const offer = this.offers.get(l.offerId);
      if (!offer) throw new Error(`No offer ${l.offerId}`);
      offer.available = Math.max(0, offer.available - l.quantity);
      offer.updatedAt = now;
      return { id: crypto.randomUUID(), offerId: l.offerId, quantity: l.quantity, price: offer.price, boughtAt: now };
    });
    const form: CheckoutForm = {
      id: crypto.randomUUID(),
      status: 'BOUGHT',
      buyerId: input.buyerId ?? String(20_000_000 + this.forms.size),
      lines,
      revision: crypto.randomBytes(4).toString('hex'),
      updatedAt: now,
    };
    this.forms.set(form.id, form);
    this.addEvent('BOUGHT', form);
    if (input.paid) {
      form.status = 'READY_FOR_PROCESSING';
      form.revision = crypto.randomBytes(4).toString('hex');
      this.addEvent('READY_FOR_PROCESSING', form);
    }
    return form;
  }

  /** The buyer (or Allegro, `auto`) cancels: the form becomes CANCELLED and an event says so. */
  cancelOrder(formId: string, auto = false): CheckoutForm {
    const form = this.forms.get(formId);
    if (!form) throw new Error(`No checkout form ${formId}`);
    form.status = 'CANCELLED';
    form.revision = crypto.randomBytes(4).toString('hex');
    form.updatedAt = new Date().toISOString();
    this.addEvent(auto ? 'AUTO_CANCELLED' : 'BUYER_CANCELLED', form);
    return form;
  }

  /**
   * An event whose body is what the caller gives (nulls, missing fields): the shape the
   * seed's `'NoneType' object has no attribute 'get'` came from. Its id still orders it.
   */
  injectRawEvent(build: (id: string) => unknown): JournalEvent {
    const id = String(this.nextEventId++);
    const event: JournalEvent = {
      id,
      type: 'BOUGHT',
      formId: '',
      occurredAt: new Date().toISOString(),
      lines: [],
      raw: build(id),
    };
    this.events.push(event);
    return event;
  }

  /**
   * GET /order/checkout-forms: the forms whose latest line was bought, or that changed, in the
   * bounds given (inclusive), in `sort`'s order (default the latest purchase first), id breaking ties.
   */
  listForms(filter: {
    status?: string;
    boughtFrom?: number;
    boughtTo?: number;
    updatedFrom?: number;
    updatedTo?: number;
    buyerLogin?: string;
    sort?: 'lineItems.boughtAt' | '-lineItems.boughtAt' | 'updatedAt' | '-updatedAt';
  }): CheckoutForm[] {
    const boughtAt = (f: CheckoutForm) => Math.max(...f.lines.map((l) => Date.parse(l.boughtAt)));
    const within = (t: number, from?: number, to?: number) =>
      (from === undefined || t >= from) && (to === undefined || t <= to);
    const sort = filter.sort ?? '-lineItems.boughtAt';
    const key = sort.endsWith('updatedAt') ? (f: CheckoutForm) => Date.parse(f.updatedAt) : boughtAt;
    const direction = sort.startsWith('-') ? -1 : 1;
    return [...this.forms.values()]
      .filter(
        (f) =>
          (filter.status === undefined || f.status === filter.status) &&
          (filter.buyerLogin === undefined || `Buyer_${f.buyerId}` === filter.buyerLogin) &&
          within(boughtAt(f), filter.boughtFrom, filter.boughtTo) &&
          within(Date.parse(f.updatedAt), filter.updatedFrom, filter.updatedTo),
      )
      .sort((a, b) => direction * (key(a) - key(b)) || a.id.localeCompare(b.id));
  }

  /** Events after `from` (exclusive), oldest first. */
  eventsAfter(from: string | undefined, types: string[], limit: number): JournalEvent[] {
    let start = 0;
    if (from) {
      const index = this.events.findIndex((e) => e.id === from);
      start = index >= 0 ? index + 1 : this.events.findIndex((e) => BigInt(e.id) > BigInt(from));
      if (start < 0) return [];
    }
    const out: JournalEvent[] = [];
    for (let i = start; i < this.events.length && out.length < limit; i++) {
      const e = this.events[i];
      if (types.length === 0 || types.includes(e.type) || e.raw !== undefined) out.push(e);
    }
    return out;
  }

  runQuantityCommand(
    id: string,
    change: { changeType: 'FIXED' | 'GAIN'; value: number },
    offerIds: string[],
  ): QuantityCommand {
    const now = new Date().toISOString();
    const tasks = offerIds.map((offerId) => {
      const offer = this.offers.get(offerId);
      if (!offer) return { offerId, status: 'FAIL' as const, message: 'Offer not found' };
      const next = change.changeType === 'FIXED' ? change.value : offer.available + change.value;
      if (next < 0) return { offerId, status: 'FAIL' as const, message: 'Quantity cannot be negative' };
      offer.available = next;
      offer.updatedAt = now;
      return { offerId, status: 'SUCCESS' as const, message: '' };
    });
    const command = { id, createdAt: now, completedAt: now, tasks };
    this.commands.set(id, command);
    return command;
  }
}

/** Many offers at once for tests and benchmarks: SKU `${skuPrefix}${i}`, EAN only where asked. */
export function seedAllegro(
  state: AllegroState,
  options: {
    offers: number;
    skuPrefix?: string;
    available?: number;
    eanOnlyEvery?: number;
    eanFor?: (i: number) => string;
  },
): AllegroOffer[] {
  const prefix = options.skuPrefix ?? 'SKU-';
  const made: AllegroOffer[] = [];
  for (let i = 1; i <= options.offers; i++) {
    // Every `eanOnlyEvery`-th offer has no external.id: only its EAN can match it.
    const eanOnly = options.eanOnlyEvery !== undefined && i % options.eanOnlyEvery === 0;
    made.push(
      state.addOffer({
        name: `Test offer number ${i}`,
        externalId: eanOnly ? null : `${prefix}${i}`,
        ean: options.eanFor?.(i) ?? null,
        available: options.available ?? 10,
      }),
    );
  }
  return made;
}
