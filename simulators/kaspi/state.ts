import crypto from 'node:crypto';
import type { PriceList } from './price-list.ts';

/**
 * What the Kaspi simulator knows, per shop (one merchant of «Магазин на Kaspi.kz»): its API
 * token (CONTRACT.md §1: each token is one merchant's), its pickup points, its orders with their
 * entries, and the last price list Kaspi downloaded from the seller (§6). Tests make shops with
 * `addShop`, play buyers and Kaspi with `addOrder`, `cancelOrder`, `setStatus`, and read what
 * Kaspi would show from `priceList`.
 */

/** §2: the logistics bucket of an order. */
export const ORDER_STATES = ['NEW', 'SIGN_REQUIRED', 'PICKUP', 'DELIVERY', 'KASPI_DELIVERY', 'ARCHIVE'] as const;
export type KaspiOrderState = (typeof ORDER_STATES)[number];

/** §2: the business status of an order. */
export const ORDER_STATUSES = [
  'APPROVED_BY_BANK',
  'ACCEPTED_BY_MERCHANT',
  'COMPLETED',
  'CANCELLED',
  'CANCELLING',
  'KASPI_DELIVERY_RETURN_REQUESTED',
  'RETURNED',
] as const;
export type KaspiOrderStatus = (typeof ORDER_STATUSES)[number];

/** §5: the reasons a merchant may cancel with. */
export const CANCELLATION_REASONS = [
  'BUYER_CANCELLATION_BY_MERCHANT',
  'BUYER_NOT_REACHABLE',
  'MERCHANT_OUT_OF_STOCK',
] as const;

/** How the buyer gets it; each is a §2 deliveryMode and isKaspiDelivery pair, and the state an accepted order moves to. */
export type KaspiDelivery = 'kaspi' | 'postomat' | 'pickup' | 'local';

const DELIVERY: Record<KaspiDelivery, { mode: string; kaspi: boolean; accepted: KaspiOrderState }> = {
  kaspi: { mode: 'DELIVERY_REGIONAL_TODOOR', kaspi: true, accepted: 'KASPI_DELIVERY' },
  postomat: { mode: 'DELIVERY_PICKUP', kaspi: true, accepted: 'KASPI_DELIVERY' },
  pickup: { mode: 'DELIVERY_PICKUP', kaspi: false, accepted: 'PICKUP' },
  local: { mode: 'DELIVERY_LOCAL', kaspi: false, accepted: 'DELIVERY' },
};

export interface KaspiEntry {
  id: string;
  entryNumber: number;
  /** The seller's code of the offer (the price list's sku, §4 `offer.code`). */
  offerCode: string;
  offerName: string;
  /** The Kaspi catalogue product it is (§4 relationship `product` → masterproducts). */
  productId: string;
  quantity: number;
  /** Tenge; the unit price (§4 `basePrice`). */
  basePrice: number;
  unitType: 'PIECES' | 'MEASURABLE' | 'MEASURABLE_PIECES';
  category: { code: string; title: string };
  deliveryCost: number;
  /** The pickup point (store) it ships from (§4 relationship `deliveryPointOfService`). */
  pointOfService: string;
}

export interface KaspiCustomer {
  id: string;
  firstName: string;
  lastName: string;
  cellPhone: string;
}

export interface KaspiOrder {
  id: string;
  code: string;
  state: KaspiOrderState;
  status: KaspiOrderStatus;
  creationDate: number;
  approvedByBankDate: number;
  plannedDeliveryDate: number;
  reservationDate: number;
  delivery: KaspiDelivery;
  paymentMode: 'PAY_WITH_CREDIT' | 'PREPAID';
  deliveryCost: number;
  deliveryCostForSeller: number;
  customer: KaspiCustomer;
  town: string;
  address: string;
  entries: KaspiEntry[];
  cancellationReason?: string;
  cancellationComment?: string;
  assembled?: { numberOfSpace: number; waybill: string; waybillNumber: string };
  courierTransmissionDate?: number;
  /** The code Kaspi texted the buyer for the hand-over (§5 [3P]: COMPLETED takes it as X-Security-Code). */
  securityCode?: string;
  /** What a test puts over the rendered order's attributes and entries (a malformed answer on purpose). */
  override?: { attributes?: Record<string, unknown>; entries?: (entry: Record<string, unknown>) => unknown };
}

export interface OrderInput {
  entries: { sku: string; name?: string; quantity?: number; price: number; store?: string }[];
  delivery?: KaspiDelivery;
  /** When the buyer ordered (ms or a Date); now when left out. */
  at?: number | Date;
  customer?: Partial<KaspiCustomer>;
  paymentMode?: KaspiOrder['paymentMode'];
  deliveryCost?: number;
}

/** §2: Kaspi's order id is opaque and base64-like; the code is the number people see. */
const opaqueId = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '');

export class KaspiShop {
  readonly orders = new Map<string, KaspiOrder>();
  /** The last price list Kaspi took from the seller (§6); null until one was downloaded. */
  priceList: PriceList | null = null;
  private readonly productIds = new Map<string, string>();

  constructor(
    readonly merchantId: string,
    readonly name: string,
    readonly token: string,
    /** The shop's pickup points (stores) as the cabinet names them: PP1, PP2 … (§6, §7). */
    readonly stores: string[],
    private readonly nextCode: () => string,
  ) {}

  /** A buyer's order, paid or approved by the bank: it waits for the merchant (APPROVED_BY_BANK, state NEW). */
  addOrder(input: OrderInput): KaspiOrder {
    if (!input.entries.length) throw new Error('A Kaspi order has at least one entry');
    const code = this.nextCode();
    const at = input.at === undefined ? Date.now() : typeof input.at === 'number' ? input.at : input.at.getTime();
    const n = Number(code);
    const customer: KaspiCustomer = {
      id: opaqueId(`customer:${n % 97}`),
      firstName: 'Айгерим',
      lastName: 'Сапарова',
      cellPhone: `7701${String(n % 10_000_000).padStart(7, '0')}`,
      ...input.customer,
    };
    const order: KaspiOrder = {
      id: opaqueId(code),
      code,
      state: 'NEW',
      status: 'APPROVED_BY_BANK',
      creationDate: at,
      approvedByBankDate: at + 60_000,
      plannedDeliveryDate: at + 3 * 86_400_000,
      reservationDate: at + 86_400_000,
      delivery: input.delivery ?? 'kaspi',
      paymentMode: input.paymentMode ?? 'PREPAID',
      deliveryCost: input.deliveryCost ?? 0,
      deliveryCostForSeller: 0,
      customer,
      town: 'Алматы',
      address: 'Алматы, проспект Абая, 150',
      entries: input.entries.map((e, i) => {
        const store = e.store ?? this.stores[0];
        if (!this.stores.includes(store)) throw new Error(`Shop ${this.merchantId} has no store ${store}`);
        return {
          id: opaqueId(`${code}:${i}`),
          entryNumber: i,
          offerCode: e.sku,
          offerName: e.name ?? e.sku,
          productId: this.productId(e.sku),
          quantity: e.quantity ?? 1,
          basePrice: e.price,
          unitType: 'PIECES',
          category: { code: 'Master - Household goods', title: 'Household goods' },
          deliveryCost: 0,
          pointOfService: store,
        };
      }),
    };
    this.orders.set(code, order);
    return order;
  }

  order(code: string): KaspiOrder {
    const order = this.orders.get(code);
    if (!order) throw new Error(`Shop ${this.merchantId} has no order ${code}`);
    return order;
  }

  orderById(id: string): KaspiOrder | undefined {
    for (const order of this.orders.values()) if (order.id === id) return order;
    return undefined;
  }

  /** §5 ACCEPTED_BY_MERCHANT: the order moves to its delivery's state. */
  acceptOrder(code: string): KaspiOrder {
    const order = this.order(code);
    return Object.assign(order, { status: 'ACCEPTED_BY_MERCHANT', state: DELIVERY[order.delivery].accepted });
  }

  /** §5 CANCELLED (by the merchant, or Kaspi's own cancellation of an order nobody accepted): archived. */
  cancelOrder(code: string, reason: string = 'BUYER_CANCELLATION_BY_MERCHANT', comment?: string): KaspiOrder {
    return Object.assign(this.order(code), {
      status: 'CANCELLED',
      state: 'ARCHIVE',
      cancellationReason: reason,
      cancellationComment: comment,
    });
  }

  /** Any status (and state) as Kaspi would set it: RETURNED, CANCELLING, COMPLETED … */
  setStatus(code: string, status: KaspiOrderStatus, state?: KaspiOrderState): KaspiOrder {
    const order = this.order(code);
    const final = status === 'COMPLETED' || status === 'CANCELLED' || status === 'RETURNED';
    return Object.assign(order, { status, state: state ?? (final ? 'ARCHIVE' : order.state) });
  }

  /** Kaspi's courier took the parcel (§2 `courierTransmissionDate`). */
  handToCourier(code: string, at = Date.now()): KaspiOrder {
    return Object.assign(this.order(code), { courierTransmissionDate: at });
  }

  deliveryOf(order: KaspiOrder) {
    return DELIVERY[order.delivery];
  }

  /** The order's total: its entries at their unit prices (§2 `totalPrice`, tenge). */
  totalOf(order: KaspiOrder): number {
    return order.entries.reduce((sum, e) => sum + e.basePrice * e.quantity, 0);
  }

  /** Kaspi's own catalogue id of what the seller sells under this code: one per code, stable. */
  private productId(sku: string): string {
    let id = this.productIds.get(sku);
    if (!id) {
      id = String(100_000_000 + this.productIds.size * 7 + 3);
      this.productIds.set(sku, id);
    }
    return id;
  }
}

export interface ShopInput {
  merchantId?: string;
  name?: string;
  token?: string;
  stores?: string[];
}

export class KaspiState {
  readonly shops = new Map<string, KaspiShop>();
  /** Order codes are unique across Kaspi, as the cabinet's nine-digit numbers are. */
  private code = 501_000_000;

  addShop(input: ShopInput = {}): KaspiShop {
    const merchantId = input.merchantId ?? String(30_000_000 + this.shops.size + 1);
    if (this.shops.has(merchantId)) throw new Error(`Shop ${merchantId} exists already`);
    const token = input.token ?? crypto.randomBytes(24).toString('base64');
    const shop = new KaspiShop(merchantId, input.name ?? `Shop ${merchantId}`, token, input.stores ?? ['PP1'], () =>
      String(++this.code),
    );
    this.shops.set(merchantId, shop);
    return shop;
  }

  shop(merchantId: string): KaspiShop {
    const shop = this.shops.get(merchantId);
    if (!shop) throw new Error(`No Kaspi shop ${merchantId}`);
    return shop;
  }

  shopByToken(token: string | undefined): KaspiShop | undefined {
    if (!token) return undefined;
    for (const shop of this.shops.values()) if (shop.token === token) return shop;
    return undefined;
  }
}
