/**
 * What the Ozon simulator knows: a seller's products, Ozon's warehouses (FBO) and the
 * seller's own (FBS, rFBS), stock per product and warehouse, and FBS postings. Tests and
 * benchmarks fill it with `seedOzon` and change it with the helpers below.
 */

export type OzonWarehouseType = 'fbo' | 'fbs' | 'rfbs';

export interface OzonProduct {
  productId: number;
  offerId: string;
  sku: number;
  name: string;
  /** Rubles as Ozon writes them: "1290.0000". */
  price: string;
  /** The product's minimum price (rubles): a price below it is refused. */
  minPrice?: string;
  /** In Ozon's automatic promotions without a minimum price: a price change is refused (action_price_enabled_min_price_missing). */
  autoActionWithoutMinPrice?: boolean;
  /** The currency of the prices set through the API (the cabinet's). */
  currency?: string;
  barcode: string;
  archived: boolean;
}

export interface OzonWarehouse {
  id: number;
  name: string;
  type: OzonWarehouseType;
}

export interface StockCell {
  present: number;
  reserved: number;
  /** Units in confirmed future supplies (FBO only). */
  promised: number;
}

export interface OzonPostingLine {
  sku: number;
  offerId: string;
  name: string;
  quantity: number;
  price: string;
}

/** How a posting is delivered (`delivery_method`, `tpl_integration_type`): Ozon's own logistics, or a service such as CDEK. */
export interface OzonDeliveryMethod {
  id: number;
  name: string;
  tplProvider: string;
  tplProviderId: number;
  /** `ozon`, `3pl_tracking`, `non_integrated`, `aggregator`, `hybryd`. */
  integration: string;
}

/** The buyer and the address (`customer`), which Ozon gives for postings the seller delivers (rFBS). */
export interface OzonCustomer {
  id: number;
  name: string;
  address: {
    country: string;
    region: string;
    city: string;
    addressTail: string;
    zipCode: string;
    comment?: string;
    providerPvzCode?: string;
    pvzCode?: number;
  };
}

/** Ozon's own delivery, the default of a posting. */
export const ozonLogistics: OzonDeliveryMethod = {
  id: 1,
  name: 'Ozon Логистика',
  tplProvider: 'Ozon Логистика',
  tplProviderId: 24,
  integration: 'ozon',
};

export interface OzonPosting {
  postingNumber: string;
  orderId: number;
  orderNumber: string;
  status: string;
  substatus: string;
  inProcessAt: string;
  shipmentDate: string;
  warehouseId: number;
  deliveryMethod: OzonDeliveryMethod;
  customer?: OzonCustomer;
  lines: OzonPostingLine[];
  cancelReason?: string;
  /** The seller's tracking number (`/v2/fbs/posting/tracking-number/set`). */
  trackingNumber?: string;
  /** When the status last changed (the list's `last_changed_status_date` filter). */
  statusChangedAt: string;
}

export class OzonState {
  products: OzonProduct[] = [];
  readonly byProductId = new Map<number, OzonProduct>();
  readonly byOfferId = new Map<string, OzonProduct>();
  readonly bySku = new Map<number, OzonProduct>();
  warehouses: OzonWarehouse[] = [];
  /** productId → warehouseId → levels. */
  readonly stocks = new Map<number, Map<number, StockCell>>();
  readonly postings = new Map<string, OzonPosting>();
  /** `${productId}:${warehouseId}` → when its stock was last set through the API. */
  readonly lastStockUpdate = new Map<string, number>();
  /** productId → when its price was set through the API (Ozon: at most 10 times an hour per product). */
  readonly priceUpdates = new Map<number, number[]>();
  private nextOrderId = 100_000_000;

  addProduct(p: OzonProduct): OzonProduct {
    this.products.push(p);
    this.byProductId.set(p.productId, p);
    this.byOfferId.set(p.offerId, p);
    this.bySku.set(p.sku, p);
    return p;
  }

  addWarehouse(w: OzonWarehouse): OzonWarehouse {
    this.warehouses.push(w);
    return w;
  }

  warehouse(id: number): OzonWarehouse | undefined {
    return this.warehouses.find((w) => w.id === id);
  }

  setStock(productId: number, warehouseId: number, cell: Partial<StockCell>) {
    let byWarehouse = this.stocks.get(productId);
    if (!byWarehouse) this.stocks.set(productId, (byWarehouse = new Map()));
    const current = byWarehouse.get(warehouseId) ?? { present: 0, reserved: 0, promised: 0 };
    byWarehouse.set(warehouseId, { ...current, ...cell });
  }

  stock(productId: number, warehouseId: number): StockCell | undefined {
    return this.stocks.get(productId)?.get(warehouseId);
  }

  /** A new FBS posting (status awaiting_packaging) for the given offers; reserves the stock. Ozon delivers it unless a method is given. */
  addPosting(input: {
    warehouseId: number;
    lines: { offerId: string; quantity: number }[];
    at?: Date;
    deliveryMethod?: OzonDeliveryMethod;
    customer?: OzonCustomer;
  }): OzonPosting {
    const at = input.at ?? new Date();
    const orderId = this.nextOrderId++;
    const orderNumber = `${orderId % 100_000_000}-${String(orderId).slice(-4)}`;
    const posting: OzonPosting = {
      postingNumber: `${orderNumber}-1`,
      orderId,
      orderNumber,
      status: 'awaiting_packaging',
      substatus: 'posting_created',
      inProcessAt: at.toISOString(),
      shipmentDate: new Date(at.getTime() + 2 * 86_400_000).toISOString(),
      warehouseId: input.warehouseId,
      deliveryMethod: input.deliveryMethod ?? ozonLogistics,
      customer: input.customer,
      lines: input.lines.map((l) => {
        const p = this.byOfferId.get(l.offerId);
        if (!p) throw new Error(`No Ozon product with offer_id ${l.offerId}`);
        const cell = this.stock(p.productId, input.warehouseId);
        if (cell) cell.reserved += l.quantity;
        return { sku: p.sku, offerId: p.offerId, name: p.name, quantity: l.quantity, price: p.price };
      }),
      statusChangedAt: at.toISOString(),
    };
    this.postings.set(posting.postingNumber, posting);
    return posting;
  }

  setPostingStatus(postingNumber: string, status: string, options: { cancelReason?: string; at?: Date } = {}) {
    const posting = this.postings.get(postingNumber);
    if (!posting) throw new Error(`No posting ${postingNumber}`);
    posting.status = status;
    posting.substatus = `posting_${status}`;
    posting.statusChangedAt = (options.at ?? new Date()).toISOString();
    if (options.cancelReason) posting.cancelReason = options.cancelReason;
  }
}

/** Ozon FBO warehouse names as the analytics reports write them (the seed saw 27 of these). */
const fboNames = [
  'СПБ_БУГРЫ_РФЦ',
  'СПБ_КОЛПИНО_РФЦ',
  'Санкт_Петербург_РФЦ',
  'ДОМОДЕДОВО_РФЦ',
  'НОГИНСК_РФЦ',
  'ПУШКИНО_1_РФЦ',
  'ПУШКИНО_2_РФЦ',
  'ХОРУГВИНО_РФЦ',
  'ГРИВНО_РФЦ',
  'ПЕТРОВСКОЕ_РФЦ',
  'ЕКАТЕРИНБУРГ_РФЦ_НОВЫЙ',
  'КАЗАНЬ_РФЦ_НОВЫЙ',
  'НОВОСИБИРСК_РФЦ_НОВЫЙ',
  'САМАРА_РФЦ',
  'ТЮМЕНЬ_РФЦ',
  'УФА_РФЦ',
  'РОСТОВ_НА_ДОНУ_РФЦ',
  'АДЫГЕЙСК_РФЦ',
  'НЕВИННОМЫССК_РФЦ',
  'ВОРОНЕЖ_2_РФЦ',
  'ЧЕЛЯБИНСК_РФЦ',
  'КРАСНОЯРСК_МРФЦ',
  'ОМСК_РФЦ',
  'ХАБАРОВСК_2_РФЦ',
  'ВОЛГОГРАД_МРФЦ',
  'МИНСК_МПСЦ',
  'ЕРЕВАН_МРФЦ',
  'АЛМАТЫ_МРФЦ',
  'ТВЕРЬ_РФЦ',
  'ЯРОСЛАВЛЬ_РФЦ',
];

/** A small deterministic PRNG (mulberry32): the same seed gives the same data on every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface OzonSeedOptions {
  products?: number;
  /** Ozon's own warehouses (FBO), up to 30. */
  fboWarehouses?: number;
  fbsWarehouses?: number;
  rfbsWarehouses?: number;
  /** FBS postings spread over the last `postingDays` days. */
  postings?: number;
  postingDays?: number;
  /** offer_id of product i (1-based); default `OZ-000001`. */
  offerId?: (i: number) => string;
  seed?: number;
}

/** Fills the state: every product is stocked in every warehouse (10,000 × 30 for the benchmark). */
export function seedOzon(state: OzonState, options: OzonSeedOptions = {}): OzonState {
  const random = prng(options.seed ?? 1);
  const offerId = options.offerId ?? ((i: number) => `OZ-${String(i).padStart(6, '0')}`);
  const fbo = Math.min(options.fboWarehouses ?? 27, fboNames.length);
  for (let i = 0; i < fbo; i++) state.addWarehouse({ id: 1_000 + i, name: fboNames[i], type: 'fbo' });
  for (let i = 0; i < (options.fbsWarehouses ?? 2); i++) {
    state.addWarehouse({ id: 22_142_605_386_000 + i, name: `Склад продавца ${i + 1}`, type: 'fbs' });
  }
  for (let i = 0; i < (options.rfbsWarehouses ?? 1); i++) {
    state.addWarehouse({ id: 23_500_000_000_000 + i, name: `rFBS склад ${i + 1}`, type: 'rfbs' });
  }
  const start = state.products.length;
  for (let i = start + 1; i <= start + (options.products ?? 100); i++) {
    const p = state.addProduct({
      productId: 300_000_000 + i,
      offerId: offerId(i),
      sku: 1_600_000_000 + i,
      name: `Товар ${i}`,
      price: `${(100 + Math.floor(random() * 5000)).toFixed(4)}`,
      barcode: `OZN${String(i).padStart(10, '0')}`,
      archived: false,
    });
    for (const w of state.warehouses) {
      const present = Math.floor(random() * 50);
      state.setStock(p.productId, w.id, {
        present,
        reserved: Math.min(present, Math.floor(random() * 3)),
        promised: w.type === 'fbo' ? Math.floor(random() * 5) : 0,
      });
    }
  }
  const own = state.warehouses.filter((w) => w.type !== 'fbo');
  const days = options.postingDays ?? 20;
  for (let i = 0; i < (options.postings ?? 0) && own.length && state.products.length; i++) {
    const product = state.products[Math.floor(random() * state.products.length)];
    const at = new Date(Date.now() - random() * days * 86_400_000);
    state.addPosting({
      warehouseId: own[i % own.length].id,
      lines: [{ offerId: product.offerId, quantity: 1 + Math.floor(random() * 2) }],
      at,
    });
  }
  return state;
}
