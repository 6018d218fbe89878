import crypto from 'node:crypto';

/**
 * What a SellerCenter instance knows (../shared/specs/sellercenter-lamoda-namshi/CONTRACT.md):
 * sellers (a UserID and its API key), each with products, orders of order items and the
 * feeds its writes were queued as. Tests and the demo fill it through the seller's methods
 * (`addProduct`, `addOrder`, `cancelOrder` …), the way buyers and the marketplace would.
 * Feeds are processed lazily against the state's clock: a feed is Queued, then Processing,
 * then Finished (its records applied, its errors and warnings kept) once `feedTiming` has
 * passed, so a test with a clock of its own sees each step (§5).
 */

/** §4: order-item statuses the SDK lists (the GetOrders `Status` filter). */
export const ITEM_STATUSES = [
  'pending',
  'canceled',
  'ready_to_ship',
  'delivered',
  'returned',
  'shipped',
  'failed',
] as const;
/**
 * An item's status: the SDK's list, and `packed`, where SetStatusToPackedByMarketplace leaves an
 * item (the digest names no status for it; other SellerCenter instances call it `packed`).
 */
export type ItemStatus = (typeof ITEM_STATUSES)[number] | 'packed';

/** GetFailureReasons' reasons (Order/FailureReasonsSuccessResponse.xml: a `Type` and a `Name`). */
export interface FailureReason {
  type: string;
  name: string;
}

/** §5: feed statuses. */
export type FeedStatus = 'Queued' | 'Processing' | 'Canceled' | 'Finished' | 'Error';

export interface SellerCenterProduct {
  sellerSku: string;
  shopSku: string;
  name: string;
  brand: string;
  primaryCategory: string;
  description: string;
  variation: string;
  /** The product identifier (GTIN) the seller gave; '' when none. */
  productId: string;
  quantity: number;
  /** A decimal string, as the API writes amounts: "590.00". */
  price: string;
  /** The sale price a feed or the seller center set ('' when none). */
  salePrice: string;
  status: 'active' | 'inactive' | 'deleted';
  createdAt: number;
  updatedAt: number;
}

export interface SellerCenterOrderItem {
  id: number;
  sku: string;
  shopSku: string;
  name: string;
  variation: string;
  itemPrice: string;
  paidPrice: string;
  currency: string;
  shippingAmount: string;
  /** 'Dropshipping': the seller ships; 'Own Warehouse': the marketplace ships from its own stock. */
  shippingType: 'Dropshipping' | 'Own Warehouse';
  status: ItemStatus;
  shipmentProvider: string;
  trackingCode: string;
  packageId: string;
  reason: string;
  reasonDetail: string;
  createdAt: number;
  updatedAt: number;
}

export interface Address {
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  address1: string;
  city: string;
  region: string;
  postCode: string;
  country: string;
}

export interface SellerCenterOrder {
  id: number;
  number: string;
  customer: { firstName: string; lastName: string };
  address: Address;
  paymentMethod: string;
  /** The order's total as the API writes it: the items' paid prices and the shipping. */
  price: string;
  createdAt: number;
  updatedAt: number;
  items: SellerCenterOrderItem[];
}

/** One record of a feed's body (`<Product>…</Product>`), its elements as text or nested records. */
export type FeedRecord = Record<string, unknown>;

export interface SellerCenterFeed {
  id: string;
  action: 'ProductCreate' | 'ProductUpdate';
  records: FeedRecord[];
  createdAt: number;
  /** When it turns Processing and Finished (state clock, ms). */
  processingAt: number;
  finishedAt: number;
  applied: boolean;
  errors: { code: string; message: string; sellerSku: string }[];
  warnings: { message: string; sellerSku: string }[];
}

export interface ProductInput {
  sellerSku: string;
  name?: string;
  brand?: string;
  primaryCategory?: string;
  description?: string;
  variation?: string;
  productId?: string;
  quantity?: number;
  price?: string;
  status?: SellerCenterProduct['status'];
}

export interface OrderInput {
  /** Units by seller SKU: each unit is one order item, as SellerCenter counts them. */
  lines: { sku: string; quantity?: number; price?: string }[];
  at?: Date;
  customer?: { firstName: string; lastName: string; email?: string; phone?: string };
  shippingType?: SellerCenterOrderItem['shippingType'];
  shippingAmount?: string;
  status?: ItemStatus;
}

/** Required elements of a ProductCreate record (the simulator's choice: the digest names none). */
const CREATE_REQUIRED = ['SellerSku', 'Name', 'Brand', 'PrimaryCategory', 'Price'];
/** Elements a ProductUpdate record may carry; others are ignored with a warning. */
const UPDATE_FIELDS = new Set([
  'SellerSku',
  'Quantity',
  'Price',
  'SalePrice',
  'SaleStartDate',
  'SaleEndDate',
  'Name',
  'Description',
  'Status',
  'Brand',
  'ProductData',
]);

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const isDecimal = (v: string) => /^\d+(\.\d{1,2})?$/.test(v);
/** What a feed says of an amount element: nothing when it is absent or a decimal of at most two places. */
function amountError(field: string, value: string | undefined): string | null {
  if (value === undefined || isDecimal(value)) return null;
  return /^-\d+(\.\d+)?$/.test(value) ? 'Negative value is not allowed' : `Invalid value '${value}' for ${field}`;
}

export class SellerCenterSeller {
  readonly products = new Map<string, SellerCenterProduct>();
  readonly orders = new Map<number, SellerCenterOrder>();
  readonly feeds = new Map<string, SellerCenterFeed>();
  /** Injected per-SKU feed outcomes: an error (the record fails) or a warning (it is applied). */
  readonly feedErrors = new Map<string, string>();
  readonly feedWarnings = new Map<string, string>();

  constructor(
    private readonly state: SellerCenterState,
    readonly userId: string,
    readonly apiKey: string,
    readonly currency: string,
    /** Where its buyers live: the address new orders are shipped to. */
    readonly home: Pick<Address, 'city' | 'region' | 'postCode' | 'country'> & { phone: string },
  ) {}

  /** The instance's cancellation reasons (GetFailureReasons). */
  get failureReasons(): FailureReason[] {
    return this.state.failureReasons;
  }

  addProduct(input: ProductInput): SellerCenterProduct {
    const now = this.state.now();
    const product: SellerCenterProduct = {
      sellerSku: input.sellerSku,
      shopSku: `${input.sellerSku
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 12)
        .toUpperCase()}-${this.state.nextId('shopSku')}`,
      name: input.name ?? input.sellerSku,
      brand: input.brand ?? 'Sklad Demo',
      primaryCategory: input.primaryCategory ?? 'Accessories',
      description: input.description ?? '',
      variation: input.variation ?? '',
      productId: input.productId ?? '',
      quantity: input.quantity ?? 0,
      price: input.price ?? '0.00',
      salePrice: '',
      status: input.status ?? 'active',
      createdAt: now,
      updatedAt: now,
    };
    this.products.set(product.sellerSku, product);
    return product;
  }

  /** The product as the API shows it now: feeds due by the clock are applied first. */
  product(sellerSku: string): SellerCenterProduct | undefined {
    this.settle();
    return this.products.get(sellerSku);
  }

  addOrder(input: OrderInput): SellerCenterOrder {
    const at = input.at?.getTime() ?? this.state.now();
    const customer = input.customer ?? { firstName: 'Anna', lastName: 'Buyer' };
    const items: SellerCenterOrderItem[] = input.lines.flatMap((line) => {
      const product = this.products.get(line.sku);
      return Array.from(
        { length: line.quantity ?? 1 },
        (): SellerCenterOrderItem => ({
          id: this.state.nextId('orderItem'),
          sku: line.sku,
          shopSku: product?.shopSku ?? line.sku,
          name: product?.name ?? line.sku,
          variation: product?.variation ?? '',
          itemPrice: line.price ?? product?.price ?? '0.00',
          paidPrice: line.price ?? product?.price ?? '0.00',
          currency: this.currency,
          shippingAmount: '0.00',
          shippingType: input.shippingType ?? 'Dropshipping',
          status: input.status ?? 'pending',
          shipmentProvider: '',
          trackingCode: '',
          packageId: '',
          reason: '',
          reasonDetail: '',
          createdAt: at,
          updatedAt: at,
        }),
      );
    });
    if (!items.length) throw new Error('An order needs at least one unit');
    const shipping = input.shippingAmount ?? '0.00';
    const id = this.state.nextId('order');
    const order: SellerCenterOrder = {
      id,
      number: String(300_000_000 + id * 7919),
      customer,
      address: {
        firstName: customer.firstName,
        lastName: customer.lastName,
        phone: customer.phone ?? this.home.phone,
        email: customer.email ?? '',
        address1: 'Demo street 1',
        city: this.home.city,
        region: this.home.region,
        postCode: this.home.postCode,
        country: this.home.country,
      },
      paymentMethod: 'CashOnDelivery_Payment',
      price: addDecimals([...items.map((i) => i.paidPrice), shipping]),
      createdAt: at,
      updatedAt: at,
      items,
    };
    this.orders.set(order.id, order);
    return order;
  }

  /** An order by its OrderId or OrderNumber. */
  order(ref: number | string): SellerCenterOrder {
    const found = this.orders.get(Number(ref)) ?? [...this.orders.values()].find((o) => o.number === String(ref));
    if (!found) throw new Error(`No order ${ref} for seller ${this.userId}`);
    return found;
  }

  /** Sets the status of an order's items (all, or those given), as the marketplace or the seller would. */
  setItemStatus(
    ref: number | string,
    status: ItemStatus,
    options: { itemIds?: number[]; reason?: string; at?: number } = {},
  ): SellerCenterOrder {
    const order = this.order(ref);
    const at = options.at ?? this.state.now();
    for (const item of order.items) {
      if (options.itemIds && !options.itemIds.includes(item.id)) continue;
      item.status = status;
      item.updatedAt = at;
      if (options.reason !== undefined) item.reason = options.reason;
    }
    order.updatedAt = at;
    return order;
  }

  /** The buyer or the marketplace cancels every item of the order. */
  cancelOrder(ref: number | string, reason = 'Customer request'): SellerCenterOrder {
    return this.setItemStatus(ref, 'canceled', { reason });
  }

  /** Queues a feed (§5): its id is what the POST answers as Head/RequestId. */
  queueFeed(action: SellerCenterFeed['action'], records: FeedRecord[]): SellerCenterFeed {
    const createdAt = this.state.now();
    const { queuedMs, processingMs } = this.state.feedTiming;
    const feed: SellerCenterFeed = {
      id: crypto.randomUUID(),
      action,
      records,
      createdAt,
      processingAt: createdAt + queuedMs,
      finishedAt: createdAt + queuedMs + processingMs,
      applied: false,
      errors: [],
      warnings: [],
    };
    this.feeds.set(feed.id, feed);
    return feed;
  }

  feedStatus(feed: SellerCenterFeed): FeedStatus {
    this.settle();
    if (feed.applied) return 'Finished';
    return this.state.now() < feed.processingAt ? 'Queued' : 'Processing';
  }

  /** Applies every feed whose time has come, in the order they were queued. */
  settle(): void {
    const now = this.state.now();
    for (const feed of this.feeds.values()) {
      if (feed.applied || now < feed.finishedAt) continue;
      for (const record of feed.records) this.applyRecord(feed, record, feed.finishedAt);
      feed.applied = true;
    }
  }

  private applyRecord(feed: SellerCenterFeed, record: FeedRecord, at: number) {
    const sku = text(record.SellerSku);
    // The recorded samples: create errors carry code 0, update errors code 1 (Feed/FeedProductCreate.xml, FeedProductUpdate.xml).
    const code = feed.action === 'ProductCreate' ? '0' : '1';
    const fail = (message: string) => void feed.errors.push({ code, message, sellerSku: sku });
    if (!sku) return fail('SellerSku cannot be empty');
    const injected = this.feedErrors.get(sku);
    if (injected) return fail(injected);
    const warning = this.feedWarnings.get(sku);
    if (warning) feed.warnings.push({ message: warning, sellerSku: sku });

    const quantity = record.Quantity === undefined ? undefined : text(record.Quantity);
    if (quantity !== undefined && !/^-?\d+$/.test(quantity)) return fail(`Invalid value '${quantity}' for Quantity`);
    if (quantity !== undefined && Number(quantity) < 0) return fail('Negative value is not allowed');
    // Price and SalePrice are decimals ("22000.00", Product/ProductsResponse.xml); a negative one is the recorded sample's error (Feed/FeedProductUpdate.xml).
    const price = record.Price === undefined ? undefined : text(record.Price);
    const priceError = amountError('Price', price);
    if (priceError) return fail(priceError);
    const salePrice = record.SalePrice === undefined ? undefined : text(record.SalePrice);
    const saleError = salePrice === '' ? null : amountError('SalePrice', salePrice);
    if (saleError) return fail(saleError);

    if (feed.action === 'ProductCreate') {
      const missing = CREATE_REQUIRED.find((field) => !text(record[field]));
      if (missing) return fail(`${missing} cannot be empty`);
      if (this.products.has(sku)) return fail(`Seller SKU '${sku}' already exists`);
      const made = this.addProduct({
        sellerSku: sku,
        name: text(record.Name),
        brand: text(record.Brand),
        primaryCategory: text(record.PrimaryCategory),
        description: text(record.Description),
        variation: text(record.Variation),
        productId: text(record.ProductId),
        quantity: quantity === undefined ? 0 : Number(quantity),
        price,
      });
      made.createdAt = made.updatedAt = at;
      return;
    }
    const product = this.products.get(sku);
    if (!product) return fail(`Seller SKU '${sku}' not found`);
    for (const field of Object.keys(record)) {
      if (!UPDATE_FIELDS.has(field))
        feed.warnings.push({ message: `Field '${field}' is not supported and was ignored`, sellerSku: sku });
    }
    if (quantity !== undefined) product.quantity = Number(quantity);
    if (price !== undefined) product.price = price;
    if (salePrice !== undefined) product.salePrice = salePrice;
    if (record.Name !== undefined) product.name = text(record.Name);
    product.updatedAt = at;
  }
}

export class SellerCenterState {
  readonly sellers = new Map<string, SellerCenterSeller>();
  /** How long a new feed stays Queued, then Processing (the real ones take a minute or two, §5). */
  feedTiming = { queuedMs: 100, processingMs: 100 };
  /** What GetFailureReasons answers, and the Reason SetStatusToCanceled takes: the recorded sample's two. */
  failureReasons: FailureReason[] = [
    { type: 'canceled', name: "Sourcing team couldn't find items" },
    { type: 'canceled', name: 'Wrong address' },
  ];
  private readonly ids = new Map<string, number>();

  constructor(
    /** The marketplace's clock (ms since epoch); tests may drive it by hand. */
    readonly now: () => number = Date.now,
  ) {}

  addSeller(input: {
    userId: string;
    apiKey: string;
    currency: string;
    home?: SellerCenterSeller['home'];
  }): SellerCenterSeller {
    if (this.sellers.has(input.userId)) throw new Error(`Seller ${input.userId} exists`);
    const home = input.home ?? {
      city: 'Berlin',
      region: '',
      postCode: '10117',
      country: 'Germany',
      phone: '+490000000000',
    };
    const seller = new SellerCenterSeller(this, input.userId, input.apiKey, input.currency, home);
    this.sellers.set(input.userId, seller);
    return seller;
  }

  seller(userId: string): SellerCenterSeller {
    const found = this.sellers.get(userId);
    if (!found) throw new Error(`No seller ${userId}`);
    return found;
  }

  /** Ids that only grow, per kind (orders, items, shop SKUs), like the platform's database ids. */
  nextId(kind: string): number {
    const next = (this.ids.get(kind) ?? (kind === 'order' ? 4_687_500 : kind === 'orderItem' ? 6_653_100 : 0)) + 1;
    this.ids.set(kind, next);
    return next;
  }
}

/** Sums decimal strings exactly (in hundredths), written back as "123.45". */
export function addDecimals(values: string[]): string {
  const cents = values.reduce((sum, v) => {
    const [whole, fraction = ''] = v.split('.');
    return sum + Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  }, 0);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
