import crypto from 'node:crypto';
import type { OrderRequest } from './contract.ts';

/**
 * What the CDEK simulator knows: integration clients (Account + Secure password) and the
 * tokens they were given (§1), delivery orders with their CREATE request and status history
 * (§2–§5), print jobs (§6), webhook subscriptions and what was posted to them (§7).
 *
 * Creating is asynchronous as in CDEK (§2): an order or print job is ACCEPTED, and
 * `processingMs` later (or when a test calls `process()`, with `processingMs: null`) it is
 * checked in full and becomes SUCCESSFUL or INVALID. Tests play "the parcel moved" with `advance`.
 */

export interface CdekProblem {
  code: string;
  message: string;
}

export type RequestState = 'ACCEPTED' | 'WAITING' | 'SUCCESSFUL' | 'INVALID';

/** §2: one request on an entity, as `requests[]` shows it. */
export interface CdekRequest {
  request_uuid: string;
  type: 'CREATE' | 'DELETE';
  state: RequestState;
  date_time: string;
  errors?: CdekProblem[];
}

/** §5's codes, with the names CDEK's cabinet shows (the sample gives Принят and Создан; the rest are ours). */
export const ORDER_STATUSES: Record<string, string> = {
  ACCEPTED: 'Принят',
  CREATED: 'Создан',
  REMOVED: 'Удален',
  RECEIVED_AT_SENDER_WAREHOUSE: 'Принят на склад отправителя',
  READY_FOR_SHIPMENT_IN_SENDER_CITY: 'Выдан на отправку в г. отправителе',
  RETURNED_TO_SENDER_CITY_WAREHOUSE: 'Возвращен на склад отправителя',
  TAKEN_BY_TRANSPORTER_FROM_SENDER_CITY: 'Сдан перевозчику в г. отправителе',
  SENT_TO_TRANSIT_CITY: 'Отправлен в г. транзит',
  ACCEPTED_IN_TRANSIT_CITY: 'Встречен в г. транзите',
  ACCEPTED_AT_TRANSIT_WAREHOUSE: 'Принят на склад транзита',
  RETURNED_TO_TRANSIT_WAREHOUSE: 'Возвращен на склад транзита',
  READY_FOR_SHIPMENT_IN_TRANSIT_CITY: 'Выдан на отправку в г. транзите',
  TAKEN_BY_TRANSPORTER_FROM_TRANSIT_CITY: 'Сдан перевозчику в г. транзите',
  SENT_TO_RECIPIENT_CITY: 'Отправлен в г. получатель',
  ARRIVED_AT_RECIPIENT_CITY: 'Встречен в г. получателе',
  ACCEPTED_AT_RECIPIENT_CITY_WAREHOUSE: 'Принят на склад доставки',
  ACCEPTED_AT_PICK_UP_POINT: 'Принят на склад до востребования',
  TAKEN_BY_COURIER: 'Выдан на доставку',
  RETURNED_TO_RECIPIENT_CITY_WAREHOUSE: 'Возвращен на склад доставки',
  DELIVERED: 'Вручен',
  NOT_DELIVERED: 'Не вручен',
};

export const PRINT_STATUSES = {
  ACCEPTED: 'Принят',
  PROCESSING: 'Формируется',
  READY: 'Сформирован',
  INVALID: 'Некорректный запрос',
} as const;

export interface CdekStatusEntry {
  code: string;
  name: string;
  at: number;
  city: string;
  cityCode: number;
  reasonCode?: string;
}

export interface CdekOrder {
  uuid: string;
  clientId: string;
  /** The request as validated (§3), unknown fields dropped. */
  body: OrderRequest;
  createdAt: number;
  request: CdekRequest;
  /** §4: assigned when the order is registered. */
  cdekNumber: string | null;
  /** Oldest first (answers show them newest first, as the sample does). */
  statuses: CdekStatusEntry[];
  packageIds: string[];
  barcodes: string[];
  /**
   * Refused because another order holds its number: it never got the number, so a lookup by
   * `im_number` finds the holder, not it (what makes a retried create safe to look up).
   */
  refusedAsDuplicate: boolean;
}

export type PrintRef = { order_uuid: string } | { cdek_number: string };

export interface CdekPrintJob {
  uuid: string;
  clientId: string;
  orders: PrintRef[];
  copyCount: number;
  type: string;
  createdAt: number;
  request: CdekRequest;
  statuses: { code: keyof typeof PRINT_STATUSES; at: number }[];
  /** Where the simulator was reached: the PDF's URL is on the same origin. */
  origin: string;
}

export interface CdekSubscription {
  uuid: string;
  clientId: string;
  type: string;
  url: string;
}

/** One POST of a webhook (§7: no retry), with what the receiver answered. */
export interface WebhookDelivery {
  url: string;
  body: unknown;
  status: number | null;
  error?: string;
}

export interface CdekStateOptions {
  /** §1: the token lifetime; default 3600 s (answered as `expires_in` one second less, like the sample's 3599). */
  tokenTtlSeconds?: number;
  /** How long the background check of an order or print job takes; null: only `process()` settles them. Default 150 ms. */
  processingMs?: number | null;
  /** Cities and regions CDEK refuses to serve (case-insensitive); default DEFAULT_UNSUPPORTED_CITIES. */
  unsupportedCities?: string[];
  /** The clock, ms since epoch. */
  now?: () => number;
}

/** A simulator's fiction: remote Chukotka towns stand for "CDEK does not deliver there". */
const DEFAULT_UNSUPPORTED_CITIES = ['Певек', 'Билибино'];

/** The CDEK city codes of the sample (Moscow 44, Novosibirsk 270) and St Petersburg's; other cities get a stable made-up code. */
const CITY_CODES: Record<string, number> = { москва: 44, 'санкт-петербург': 137, новосибирск: 270 };

export function cityCode(city: string): number {
  const key = city.trim().toLowerCase();
  return CITY_CODES[key] ?? 1000 + (crypto.createHash('sha256').update(key).digest().readUInt32BE(0) % 9000);
}

/** CDEK's date-time: seconds and an offset, `2026-03-05T21:47:22+00:00`. */
export const cdekDate = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** Refused as a duplicate number: the business code the digest gives (§8). */
const DUPLICATE_NUMBER = 'error_validate_im_dep_number_has_already_had_integration';

/** A street and a house: a word and a number somewhere in the line ("ул. Ленина, 5"). */
const hasStreetAndHouse = (address: string) => /\p{L}{2,}/u.test(address) && /\d/.test(address);

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export class CdekState {
  readonly clients = new Map<string, string>();
  readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  readonly ordersByUuid = new Map<string, CdekOrder>();
  readonly prints = new Map<string, CdekPrintJob>();
  readonly subscriptions: CdekSubscription[] = [];
  readonly deliveries: WebhookDelivery[] = [];
  unsupportedCities: string[];
  tokenTtlSeconds: number;
  processingMs: number | null;
  readonly now: () => number;
  private nextCdekNumber = 1107009111;
  private readonly posting = new Set<Promise<void>>();

  constructor(options: CdekStateOptions = {}) {
    this.unsupportedCities = options.unsupportedCities ?? DEFAULT_UNSUPPORTED_CITIES;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
    this.processingMs = options.processingMs === undefined ? 150 : options.processingMs;
    this.now = options.now ?? Date.now;
  }

  addClient(clientId: string, clientSecret: string): void {
    this.clients.set(clientId, clientSecret);
  }

  // --- §1 tokens --------------------------------------------------------------------------

  /** A JWT-shaped token for a known client with the right secret; null otherwise. */
  issueToken(clientId: string, clientSecret: string): { token: string; expiresIn: number; jti: string } | null {
    if (this.clients.get(clientId) !== clientSecret) return null;
    const jti = crypto.randomUUID();
    const expiresAt = this.now() + this.tokenTtlSeconds * 1000;
    const token = [
      base64url({ alg: 'RS256', typ: 'JWT' }),
      base64url({ client_id: clientId, exp: Math.floor(expiresAt / 1000), jti }),
      crypto.randomBytes(16).toString('base64url'),
    ].join('.');
    this.tokens.set(token, { clientId, expiresAt });
    return { token, expiresIn: Math.max(0, this.tokenTtlSeconds - 1), jti };
  }

  /** The client a live token belongs to; null for an unknown or expired one. */
  clientOfToken(token: string): string | null {
    const found = this.tokens.get(token);
    return found && this.now() < found.expiresAt ? found.clientId : null;
  }

  /** Every token given so far expires now (a test's "an hour passed"). */
  expireTokens(): void {
    this.tokens.clear();
  }

  // --- §3–§5 orders -----------------------------------------------------------------------

  /** Every order, in the order they were made. */
  orders(): CdekOrder[] {
    return [...this.ordersByUuid.values()];
  }

  order(uuid: string): CdekOrder | undefined {
    return this.ordersByUuid.get(uuid);
  }

  /** §4: the order a lookup by our number finds: the latest holding it. */
  orderByNumber(number: string, clientId?: string): CdekOrder | undefined {
    return this.orders()
      .filter(
        (o) =>
          (clientId === undefined || o.clientId === clientId) &&
          (o.body.number ?? o.uuid) === number &&
          !o.refusedAsDuplicate,
      )
      .at(-1);
  }

  orderByCdekNumber(cdekNumber: string, clientId?: string): CdekOrder | undefined {
    return this.orders().find(
      (o) => o.cdekNumber === cdekNumber && (clientId === undefined || o.clientId === clientId),
    );
  }

  /** An order passed the static check (§2): ACCEPTED now, checked in full a moment later. */
  createOrder(clientId: string, body: OrderRequest): CdekOrder {
    const now = this.now();
    const order: CdekOrder = {
      uuid: crypto.randomUUID(),
      clientId,
      body,
      createdAt: now,
      request: { request_uuid: crypto.randomUUID(), type: 'CREATE', state: 'ACCEPTED', date_time: cdekDate(now) },
      cdekNumber: null,
      statuses: [this.statusEntry(body, 'ACCEPTED', now)],
      packageIds: body.packages.map(() => crypto.randomUUID()),
      barcodes: body.packages.map((_, i) => String((this.ordersByUuid.size + 1) * 100 + i + 1).padStart(12, '0')),
      refusedAsDuplicate: false,
    };
    this.ordersByUuid.set(order.uuid, order);
    this.later(() => this.settleOrder(order));
    return order;
  }

  /** The background check (§2): the route, the address, our number's uniqueness. */
  private settleOrder(order: CdekOrder): void {
    if (order.request.state !== 'ACCEPTED') return;
    const problems = this.problemsOf(order);
    if (problems.length) {
      order.request = { ...order.request, state: 'INVALID', errors: problems };
      order.refusedAsDuplicate = problems.some((p) => p.code === DUPLICATE_NUMBER);
      return;
    }
    order.request = { ...order.request, state: 'SUCCESSFUL' };
    order.cdekNumber = String(this.nextCdekNumber++);
    this.addStatus(order, 'CREATED');
  }

  private problemsOf(order: CdekOrder): CdekProblem[] {
    const problems: CdekProblem[] = [];
    const { number } = order.body;
    if (number !== undefined) {
      const holder = this.orders().find(
        (o) =>
          o !== order &&
          o.clientId === order.clientId &&
          o.body.number === number &&
          o.request.state !== 'INVALID' &&
          o.createdAt <= order.createdAt,
      );
      // §8 names this code for a number that is not unique.
      if (holder)
        problems.push({
          code: DUPLICATE_NUMBER,
          message: `Номер заказа ИМ «${number}» не уникальный: он уже есть у заказа ${holder.uuid}`,
        });
    }
    const ends = [
      ['from_location', 'отправителя'],
      ['to_location', 'получателя'],
    ] as const;
    for (const [place, whose] of ends) {
      const at = order.body[place];
      if (!at) continue;
      // The digest names no code for these; v2_entity_invalid is the one of §8 that fits.
      const refused = [at.city, at.region].find((name) => name !== undefined && this.isUnsupported(name));
      if (refused)
        problems.push({
          code: 'v2_entity_invalid',
          message: `СДЭК не доставляет в населённый пункт «${refused}» (${place})`,
        });
      if (!hasStreetAndHouse(at.address))
        problems.push({
          code: 'v2_entity_invalid',
          message: `Адрес ${whose} неполный: укажите улицу и дом (${place}.address)`,
        });
    }
    return problems;
  }

  private isUnsupported(name: string): boolean {
    const key = name.trim().toLowerCase();
    return this.unsupportedCities.some((c) => c.trim().toLowerCase() === key);
  }

  /** "The parcel moved": a new status on a registered order, posted to the ORDER_STATUS webhook. */
  advance(uuid: string, code: string, options: { city?: string; reasonCode?: string } = {}): CdekOrder {
    const order = this.ordersByUuid.get(uuid);
    if (!order?.cdekNumber) throw new Error(`No registered CDEK order ${uuid}`);
    if (!(code in ORDER_STATUSES)) throw new Error(`Not a CDEK order status: ${code}`);
    this.addStatus(order, code, options);
    return order;
  }

  private statusEntry(
    body: OrderRequest,
    code: string,
    at: number,
    options: { city?: string; reasonCode?: string } = {},
  ): CdekStatusEntry {
    const city = options.city ?? body.from_location?.city ?? 'Офис СДЭК';
    return {
      code,
      name: ORDER_STATUSES[code],
      at,
      city,
      cityCode: cityCode(city),
      ...(options.reasonCode ? { reasonCode: options.reasonCode } : {}),
    };
  }

  private addStatus(order: CdekOrder, code: string, options: { city?: string; reasonCode?: string } = {}): void {
    const status = this.statusEntry(order.body, code, this.now(), options);
    order.statuses.push(status);
    this.postStatus(order, status);
  }

  // --- §6 print jobs ----------------------------------------------------------------------

  createPrint(
    clientId: string,
    input: { orders: PrintRef[]; copy_count?: number; type?: string },
    origin: string,
  ): CdekPrintJob {
    const now = this.now();
    const job: CdekPrintJob = {
      uuid: crypto.randomUUID(),
      clientId,
      orders: input.orders,
      copyCount: input.copy_count ?? 2,
      type: input.type ?? 'tpl_russia',
      createdAt: now,
      request: { request_uuid: crypto.randomUUID(), type: 'CREATE', state: 'ACCEPTED', date_time: cdekDate(now) },
      statuses: [{ code: 'ACCEPTED', at: now }],
      origin,
    };
    this.prints.set(job.uuid, job);
    this.later(() => this.settlePrint(job));
    return job;
  }

  /** The orders a print job names, or why it cannot be formed. */
  printOrders(job: CdekPrintJob): { orders: CdekOrder[]; problems: CdekProblem[] } {
    const orders: CdekOrder[] = [];
    const problems: CdekProblem[] = [];
    for (const ref of job.orders) {
      const order =
        'order_uuid' in ref
          ? this.ordersByUuid.get(ref.order_uuid)
          : this.orderByCdekNumber(ref.cdek_number, job.clientId);
      const name = 'order_uuid' in ref ? ref.order_uuid : ref.cdek_number;
      if (!order || order.clientId !== job.clientId || !order.cdekNumber)
        problems.push({ code: 'v2_order_not_found', message: `Заказ ${name} не найден или ещё не зарегистрирован` });
      else orders.push(order);
    }
    return { orders, problems };
  }

  private settlePrint(job: CdekPrintJob): void {
    if (job.request.state !== 'ACCEPTED') return;
    const { problems } = this.printOrders(job);
    const now = this.now();
    if (problems.length) {
      job.request = { ...job.request, state: 'INVALID', errors: problems };
      job.statuses.push({ code: 'INVALID', at: now });
      return;
    }
    job.request = { ...job.request, state: 'SUCCESSFUL' };
    job.statuses.push({ code: 'PROCESSING', at: now }, { code: 'READY', at: now });
  }

  /** Settles every order and print job still being checked, orders first (a test's "a moment later"). */
  process(): void {
    for (const order of this.orders()) this.settleOrder(order);
    for (const job of this.prints.values()) this.settlePrint(job);
  }

  private later(settle: () => void): void {
    if (this.processingMs === null) return;
    setTimeout(settle, this.processingMs).unref();
  }

  // --- §7 webhooks ------------------------------------------------------------------------

  /** §7: one URL per type; subscribing again replaces it. */
  subscribe(clientId: string, type: string, url: string): CdekSubscription {
    const existing = this.subscriptions.findIndex((s) => s.clientId === clientId && s.type === type);
    if (existing >= 0) this.subscriptions.splice(existing, 1);
    const subscription = { uuid: crypto.randomUUID(), clientId, type, url };
    this.subscriptions.push(subscription);
    return subscription;
  }

  unsubscribe(clientId: string, uuid: string): boolean {
    const i = this.subscriptions.findIndex((s) => s.clientId === clientId && s.uuid === uuid);
    if (i >= 0) this.subscriptions.splice(i, 1);
    return i >= 0;
  }

  /** §7: `{type, date_time, uuid, attributes}` to the client's ORDER_STATUS URL, once (no retry). */
  private postStatus(order: CdekOrder, status: CdekStatusEntry): void {
    const body = {
      type: 'ORDER_STATUS',
      date_time: cdekDate(this.now()),
      uuid: order.uuid,
      attributes: {
        is_return: false,
        cdek_number: order.cdekNumber,
        number: order.body.number ?? order.uuid,
        status_code: status.code,
        ...(status.reasonCode ? { status_reason_code: status.reasonCode } : {}),
        status_date_time: cdekDate(status.at),
        city_name: status.city,
        city_code: String(status.cityCode),
      },
    };
    for (const subscription of this.subscriptions.filter(
      (s) => s.clientId === order.clientId && s.type === 'ORDER_STATUS',
    )) {
      const delivery: WebhookDelivery = { url: subscription.url, body, status: null };
      this.deliveries.push(delivery);
      const post = fetch(subscription.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      })
        .then(async (res) => {
          await res.arrayBuffer();
          delivery.status = res.status;
        })
        .catch((error: Error) => {
          delivery.error = error.message;
        })
        .finally(() => this.posting.delete(post));
      this.posting.add(post);
    }
  }

  /** Resolves once every webhook posted so far has been answered (or failed). */
  async webhooksSent(): Promise<void> {
    while (this.posting.size) await Promise.all([...this.posting]);
  }
}
