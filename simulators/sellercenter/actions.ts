import { XMLParser } from 'fast-xml-parser';
import {
  ITEM_STATUSES,
  type Address,
  type FeedRecord,
  type ItemStatus,
  type SellerCenterFeed,
  type SellerCenterOrder,
  type SellerCenterOrderItem,
  type SellerCenterProduct,
  type SellerCenterSeller,
} from './state.ts';

/**
 * The actions of the SellerCenter API the simulator answers (CONTRACT.md §4, §5), each a plain
 * function from the seller and the request's parameters to the answer's Head extras and Body,
 * shaped like the recorded samples (Order/*.xml, Product/ProductsResponse.xml, Feed/*.xml).
 * Every value is text, as in the XML; the server renders the tree.
 */

/** A SellerCenter error: `E<nnn>: <message>` in an ErrorResponse (§3). */
export class SellerCenterFault extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
    readonly type: 'Sender' | 'Platform' = 'Sender',
  ) {
    super(`E${String(code).padStart(3, '0')}: ${text}`);
  }
}

/**
 * Codes the digest gives (§2, §4, §5) and, for cases it gives none, the simulator's own
 * (`own`: not documented; a real instance may answer otherwise).
 */
export const faults = {
  mandatory: (name: string) => new SellerCenterFault(1, `Parameter ${name} is mandatory`),
  expired: () => new SellerCenterFault(3, 'Timestamp has expired'),
  loginFailed: () => new SellerCenterFault(7, 'Login failed'),
  invalidAction: () => new SellerCenterFault(8, 'Invalid Action'),
  invalidFeed: () => new SellerCenterFault(12, 'Invalid Feed ID'),
  invalidOffset: () => new SellerCenterFault(14, 'Invalid Offset'),
  invalidDate: () => new SellerCenterFault(17, 'Invalid Date Format'),
  invalidLimit: () => new SellerCenterFault(19, 'Invalid Limit'),
  invalidStatus: () => new SellerCenterFault(36, 'Invalid status filter'),
  invalidSortDirection: () => new SellerCenterFault(74, 'Invalid sort direction'),
  invalidSortBy: () => new SellerCenterFault(75, 'Invalid sort filter'),
  own: {
    emptyRequest: () => new SellerCenterFault(30, 'Empty Request'),
    malformedBody: (why: string) => new SellerCenterFault(31, `Malformed XML in request body: ${why}`),
    invalidOrderItem: (id: string) => new SellerCenterFault(20, `Invalid OrderItemId ${id}`),
    notCancelable: (id: number, status: string) =>
      new SellerCenterFault(21, `Order item ${id} cannot be canceled in status ${status}`),
    wrongStatus: (id: number, status: string, from: string[]) =>
      new SellerCenterFault(22, `Order item ${id} is ${status}: it must be ${from.join(' or ')}`),
    invalidReason: (reason: string) => new SellerCenterFault(23, `Invalid Reason ${reason}`),
    invalidDeliveryType: (value: string) => new SellerCenterFault(24, `Invalid DeliveryType ${value}`),
    invalidFilter: () => new SellerCenterFault(40, 'Invalid product filter'),
  },
} as const;

export interface ActionInput {
  seller: SellerCenterSeller;
  params: Record<string, string>;
  /** The POST body, as text. */
  body: string;
  now: number;
  /** The instance's local time offset (minutes east of UTC): dates without a zone are written in it. */
  utcOffsetMinutes: number;
}

export interface ActionAnswer {
  /** Head/RequestId (a feed's id), Head/ResponseType, extra Head elements (TotalCount, RequestParameters). */
  requestId?: string;
  responseType: string;
  head?: Record<string, unknown>;
  body: Record<string, unknown> | '';
}

type Action = (input: ActionInput) => ActionAnswer;

/** "2018-08-27 08:48:20": the instance's local time, as the samples write dates. */
export const localDate = (ms: number, offsetMinutes: number) =>
  new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19).replace('T', ' ');

/** ISO-8601 with or without an offset (none: the instance's local time); null when unreadable. */
export function parseDate(value: string, offsetMinutes: number): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return null;
  const base = Date.parse(`${m[1]}T${m[2]}Z`);
  if (Number.isNaN(base)) return null;
  if (!m[3]) return base - offsetMinutes * 60_000;
  if (m[3] === 'Z') return base;
  const [, sign, hh, mm] = /^([+-])(\d{2}):?(\d{2})$/.exec(m[3])!;
  return base - (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm)) * 60_000;
}

const dateParam = (params: Record<string, string>, name: string, offset: number): number | null => {
  if (params[name] === undefined) return null;
  const at = parseDate(params[name], offset);
  if (at === null) throw faults.invalidDate();
  return at;
};

const intParam = (
  value: string | undefined,
  fallback: number,
  fault: () => SellerCenterFault,
  max = Number.MAX_SAFE_INTEGER,
): number => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) > max) throw fault();
  return Number(value);
};

const required = (params: Record<string, string>, name: string) => {
  const value = params[name];
  if (value === undefined || value === '') throw faults.mandatory(name);
  return value;
};

/** A JSON array parameter (`OrderIdList=[1,2]`, `SkuSellerList=["a"]`). */
function listParam(params: Record<string, string>, name: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(required(params, name));
  } catch {
    throw faults.mandatory(name);
  }
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== 'string' && typeof v !== 'number'))
    throw faults.mandatory(name);
  return parsed.map(String);
}

// --- orders (§4) ---------------------------------------------------------------------------

const addressOf = (a: Address) => ({
  FirstName: a.firstName,
  LastName: a.lastName,
  Phone: a.phone,
  Phone2: '',
  Address1: a.address1,
  Address2: '',
  Address3: '',
  Address4: '',
  Address5: '',
  CustomerEmail: a.email,
  City: a.city,
  Ward: '',
  Region: a.region,
  PostCode: a.postCode,
  Country: a.country,
});

const updatedAt = (o: SellerCenterOrder) => Math.max(o.updatedAt, ...o.items.map((i) => i.updatedAt));

function orderRecord(o: SellerCenterOrder, offset: number) {
  return {
    OrderId: String(o.id),
    CustomerFirstName: o.customer.firstName,
    CustomerLastName: o.customer.lastName,
    OrderNumber: o.number,
    PaymentMethod: o.paymentMethod,
    Remarks: '',
    DeliveryInfo: '',
    Price: o.price,
    GiftOption: '0',
    GiftMessage: '',
    VoucherCode: '',
    CreatedAt: localDate(o.createdAt, offset),
    UpdatedAt: localDate(updatedAt(o), offset),
    AddressUpdatedAt: localDate(o.createdAt, offset),
    AddressBilling: addressOf(o.address),
    AddressShipping: addressOf(o.address),
    NationalRegistrationNumber: '',
    ItemsCount: String(o.items.length),
    PromisedShippingTime: localDate(o.createdAt + 2 * 86_400_000, offset),
    ExtraAttributes: '',
    Statuses: { Status: [...new Set(o.items.map((i) => i.status))] },
    InvoiceRequired: 'false',
  };
}

function itemRecord(i: SellerCenterOrderItem, order: SellerCenterOrder, offset: number) {
  return {
    OrderItemId: String(i.id),
    ShopId: String(i.id + 400_000),
    OrderId: String(order.id),
    Name: i.name,
    Sku: i.sku,
    Variation: i.variation,
    ShopSku: i.shopSku,
    ShippingType: i.shippingType,
    ItemPrice: i.itemPrice,
    PaidPrice: i.paidPrice,
    Currency: i.currency,
    WalletCredits: '0.00',
    TaxAmount: '0.00',
    CodCollectableAmount: '',
    ShippingAmount: i.shippingAmount,
    ShippingServiceCost: '0.00',
    VoucherAmount: '0',
    VoucherCode: '',
    Status: i.status,
    IsProcessable: i.status === 'pending' ? '1' : '0',
    ShipmentProvider: i.shipmentProvider,
    IsDigital: '0',
    DigitalDeliveryInfo: '',
    TrackingCode: i.trackingCode,
    TrackingCodePre: '',
    Reason: i.reason,
    ReasonDetail: i.reasonDetail,
    PurchaseOrderId: '0',
    PurchaseOrderNumber: '',
    PackageId: i.packageId,
    PromisedShippingTime: localDate(i.createdAt + 2 * 86_400_000, offset),
    ExtraAttributes: '',
    ShippingProviderType: 'standard',
    CreatedAt: localDate(i.createdAt, offset),
    UpdatedAt: localDate(i.updatedAt, offset),
    ReturnStatus: '',
  };
}

const getOrders: Action = ({ seller, params, utcOffsetMinutes: offset }) => {
  const bounds = {
    createdAfter: dateParam(params, 'CreatedAfter', offset),
    createdBefore: dateParam(params, 'CreatedBefore', offset),
    updatedAfter: dateParam(params, 'UpdatedAfter', offset),
    updatedBefore: dateParam(params, 'UpdatedBefore', offset),
  };
  const status = params.Status;
  if (status !== undefined && !(ITEM_STATUSES as readonly string[]).includes(status)) throw faults.invalidStatus();
  const sortBy = params.SortBy ?? 'created_at';
  if (sortBy !== 'created_at' && sortBy !== 'updated_at') throw faults.invalidSortBy();
  const direction = params.SortDirection ?? 'DESC';
  if (direction !== 'ASC' && direction !== 'DESC') throw faults.invalidSortDirection();
  // Falabella's page is 100 orders when Limit is not given (§4); the simulator allows up to 5000.
  const limit = intParam(params.Limit, 100, faults.invalidLimit, 5000);
  if (limit === 0) throw faults.invalidLimit();
  const offsetRows = intParam(params.Offset, 0, faults.invalidOffset);

  // The platform keeps dates to the second: compared so, as a client reading them back would.
  const second = (ms: number) => Math.floor(ms / 1000) * 1000;
  const found = [...seller.orders.values()].filter((o) => {
    const created = second(o.createdAt);
    const updated = second(updatedAt(o));
    if (bounds.createdAfter !== null && created <= bounds.createdAfter) return false;
    if (bounds.createdBefore !== null && created >= bounds.createdBefore) return false;
    if (bounds.updatedAfter !== null && updated <= bounds.updatedAfter) return false;
    if (bounds.updatedBefore !== null && updated >= bounds.updatedBefore) return false;
    return status === undefined || o.items.some((i) => i.status === status);
  });
  const key = (o: SellerCenterOrder) => (sortBy === 'created_at' ? o.createdAt : updatedAt(o));
  found.sort((a, b) => (direction === 'ASC' ? 1 : -1) * (key(a) - key(b) || a.id - b.id));
  const page = found.slice(offsetRows, offsetRows + limit);
  return {
    responseType: 'Orders',
    head: { TotalCount: String(found.length) },
    body: { Orders: { Order: page.map((o) => orderRecord(o, offset)) } },
  };
};

const orderOf = (seller: SellerCenterSeller, id: string) => seller.orders.get(Number(id));

const getOrder: Action = ({ seller, params, utcOffsetMinutes }) => {
  const order = orderOf(seller, required(params, 'OrderId'));
  return { responseType: 'Order', body: { Orders: { Order: order ? [orderRecord(order, utcOffsetMinutes)] : [] } } };
};

const getOrderItems: Action = ({ seller, params, utcOffsetMinutes }) => {
  const order = orderOf(seller, required(params, 'OrderId'));
  return {
    responseType: 'OrderItems',
    body: { OrderItems: { OrderItem: order ? order.items.map((i) => itemRecord(i, order, utcOffsetMinutes)) : [] } },
  };
};

const getMultipleOrderItems: Action = ({ seller, params, utcOffsetMinutes }) => {
  const orders = listParam(params, 'OrderIdList').flatMap((id) => orderOf(seller, id) ?? []);
  return {
    responseType: 'OrderItems',
    body: {
      Orders: {
        Order: orders.map((o) => ({
          OrderId: String(o.id),
          OrderNumber: o.number,
          OrderItems: { OrderItem: o.items.map((i) => itemRecord(i, o, utcOffsetMinutes)) },
        })),
      },
    },
  };
};

function itemById(seller: SellerCenterSeller, id: string): { order: SellerCenterOrder; item: SellerCenterOrderItem } {
  if (!/^\d+$/.test(id)) throw faults.own.invalidOrderItem(id);
  for (const order of seller.orders.values()) {
    const item = order.items.find((i) => String(i.id) === id);
    if (item) return { order, item };
  }
  throw faults.own.invalidOrderItem(id);
}

/** The SDK's delivery types (docs/Managers/OrderManager.md: 'dropship', 'pickup', 'send_to_warehouse'). */
export const DELIVERY_TYPES = ['dropship', 'pickup', 'send_to_warehouse'];

/** Order/SetOrderStatusSuccessResponse.xml: each item changed, with its order and package. */
const changedItems = (touched: { order: SellerCenterOrder; item: SellerCenterOrderItem }[]) => ({
  OrderItems: {
    OrderItem: touched.map(({ order, item }) => ({
      OrderItemId: String(item.id),
      PurchaseOrderId: String(order.id),
      PurchaseOrderNumber: order.number,
      PackageId: item.packageId,
    })),
  },
});

/** The statuses an item may be cancelled from: not once it has left. */
const CANCELABLE: ItemStatus[] = ['pending', 'packed', 'ready_to_ship'];

/**
 * §4: SetStatusToCanceled takes one `OrderItemId`, a `Reason` of GetFailureReasons' (Type
 * `canceled`) and an optional `ReasonDetail`; it answers the status sample (the SDK's own test
 * answers it with Order/SetOrderStatusSuccessResponse.xml). An item already shipped, or
 * cancelled, is refused.
 */
const setStatusToCanceled: Action = ({ seller, params, now }) => {
  const { order, item } = itemById(seller, required(params, 'OrderItemId'));
  const reason = required(params, 'Reason');
  if (!seller.failureReasons.some((r) => r.type === 'canceled' && r.name === reason))
    throw faults.own.invalidReason(reason);
  if (!CANCELABLE.includes(item.status)) throw faults.own.notCancelable(item.id, item.status);
  seller.setItemStatus(order.id, 'canceled', { itemIds: [item.id], reason, at: now });
  item.reasonDetail = params.ReasonDetail ?? '';
  return { responseType: 'OrderItems', body: changedItems([{ order, item }]) };
};

/**
 * §4: PackedByMarketplace and ReadyToShip take `OrderItemIds` (a JSON array) and a
 * `DeliveryType`, optionally `ShippingProvider` and `TrackingNumber`, and answer
 * Order/SetOrderStatusSuccessResponse.xml. Every item must be in a status the change starts
 * from (pending → packed; pending or packed → ready_to_ship), or nothing changes.
 */
const statusChange =
  (status: ItemStatus, from: ItemStatus[]): Action =>
  ({ seller, params, now }) => {
    const ids = listParam(params, 'OrderItemIds');
    if (!ids.length) throw faults.mandatory('OrderItemIds');
    const deliveryType = required(params, 'DeliveryType');
    if (!DELIVERY_TYPES.includes(deliveryType)) throw faults.own.invalidDeliveryType(deliveryType);
    const touched = ids.map((id) => itemById(seller, id));
    const wrong = touched.find(({ item }) => !from.includes(item.status));
    if (wrong) throw faults.own.wrongStatus(wrong.item.id, wrong.item.status, from);
    for (const { order, item } of touched) {
      if (params.ShippingProvider) item.shipmentProvider = params.ShippingProvider;
      if (params.TrackingNumber) item.trackingCode = params.TrackingNumber;
      item.packageId ||= `MPDS-${order.number}-${item.id}`;
      seller.setItemStatus(order.id, status, { itemIds: [item.id], at: now });
    }
    return { responseType: 'OrderItems', body: changedItems(touched) };
  };

/** Order/FailureReasonsSuccessResponse.xml. */
const getFailureReasons: Action = ({ seller }) => ({
  responseType: 'Reasons',
  body: { Reasons: { Reason: seller.failureReasons.map((r) => ({ Type: r.type, Name: r.name })) } },
});

// --- products and feeds (§5) -----------------------------------------------------------------

const PRODUCT_FILTERS = ['all', 'live', 'inactive', 'deleted', 'image-missing', 'pending', 'rejected', 'sold-out'];

function productRecord(p: SellerCenterProduct) {
  return {
    SellerSku: p.sellerSku,
    ShopSku: p.shopSku,
    ProductSin: p.shopSku.replace(/-/g, ''),
    Name: p.name,
    Variation: p.variation,
    ParentSku: p.sellerSku,
    Quantity: String(p.quantity),
    Available: String(p.quantity),
    Price: p.price,
    SalePrice: p.salePrice,
    SaleStartDate: '',
    SaleEndDate: '',
    Status: p.status,
    ProductId: p.productId,
    Url: '',
    MainImage: '',
    Images: '',
    Description: p.description,
    TaxClass: 'default',
    Brand: p.brand,
    PrimaryCategory: p.primaryCategory,
    Categories: p.primaryCategory,
    ProductData: '',
  };
}

const getProducts: Action = ({ seller, params, utcOffsetMinutes: offset }) => {
  seller.settle();
  const filter = params.Filter ?? 'all';
  if (!PRODUCT_FILTERS.includes(filter)) throw faults.own.invalidFilter();
  const createdAfter = dateParam(params, 'CreatedAfter', offset);
  const createdBefore = dateParam(params, 'CreatedBefore', offset);
  const updatedAfter = dateParam(params, 'UpdatedAfter', offset);
  const updatedBefore = dateParam(params, 'UpdatedBefore', offset);
  const skus = params.SkuSellerList === undefined ? null : new Set(listParam(params, 'SkuSellerList'));
  const search = params.Search?.toLowerCase();
  const limit = intParam(params.Limit, 100, faults.invalidLimit, 5000);
  const from = intParam(params.Offset, 0, faults.invalidOffset);
  const matches = (p: SellerCenterProduct) =>
    (filter === 'all'
      ? p.status !== 'deleted'
      : filter === 'live'
        ? p.status === 'active' && p.quantity > 0
        : filter === 'inactive'
          ? p.status === 'inactive'
          : filter === 'deleted'
            ? p.status === 'deleted'
            : filter === 'sold-out'
              ? p.quantity === 0
              : filter === 'image-missing') &&
    (skus === null || skus.has(p.sellerSku)) &&
    (!search || p.sellerSku.toLowerCase().includes(search) || p.name.toLowerCase().includes(search)) &&
    (createdAfter === null || p.createdAt > createdAfter) &&
    (createdBefore === null || p.createdAt < createdBefore) &&
    (updatedAfter === null || p.updatedAt > updatedAfter) &&
    (updatedBefore === null || p.updatedAt < updatedBefore);
  const page = [...seller.products.values()].filter(matches).slice(from, from + limit);
  return { responseType: 'Products', body: { Products: { Product: page.map(productRecord) } } };
};

const bodyParser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name, path) => path === 'Request.Product' && name === 'Product',
});

/** §1: `<Request><Product>…</Product>…</Request>`. */
function feedRecords(body: string): FeedRecord[] {
  if (!body.trim()) throw faults.own.emptyRequest();
  let tree: { Request?: { Product?: FeedRecord[] } | '' };
  try {
    tree = bodyParser.parse(body, true);
  } catch (error) {
    throw faults.own.malformedBody((error as Error).message.split('\n')[0]);
  }
  const records = typeof tree.Request === 'object' ? (tree.Request.Product ?? []) : [];
  if (!records.length) throw faults.own.emptyRequest();
  return records.map((r) => (typeof r === 'object' && r !== null ? r : {}));
}

const productFeed =
  (action: SellerCenterFeed['action']): Action =>
  ({ seller, body }) => {
    const feed = seller.queueFeed(action, feedRecords(body));
    return { requestId: feed.id, responseType: '', body: '' };
  };

const feedStatus: Action = ({ seller, params, utcOffsetMinutes: offset }) => {
  const feed = seller.feeds.get(required(params, 'FeedID'));
  if (!feed) throw faults.invalidFeed();
  const status = seller.feedStatus(feed);
  const failed = new Set(feed.errors.map((e) => e.sellerSku)).size;
  const detail: Record<string, unknown> = {
    Feed: feed.id,
    Status: status,
    Action: feed.action,
    CreationDate: localDate(feed.createdAt, offset),
    UpdatedDate: localDate(
      status === 'Queued' ? feed.createdAt : status === 'Processing' ? feed.processingAt : feed.finishedAt,
      offset,
    ),
    Source: 'api',
    TotalRecords: String(feed.records.length),
    ProcessedRecords: String(status === 'Finished' ? feed.records.length : 0),
    FailedRecords: String(status === 'Finished' ? failed : 0),
  };
  if (status === 'Finished' && feed.errors.length) {
    detail.FeedErrors = {
      Error: feed.errors.map((e) => ({ Code: e.code, Message: e.message, SellerSku: e.sellerSku })),
    };
  }
  if (status === 'Finished' && feed.warnings.length) {
    detail.FeedWarnings = { Warning: feed.warnings.map((w) => ({ Message: w.message, SellerSku: w.sellerSku })) };
  }
  return { responseType: 'FeedDetail', head: { RequestParameters: { FeedID: feed.id } }, body: { FeedDetail: detail } };
};

/** The actions answered, by name; writes go by POST (§1). */
export const ACTIONS: Record<string, { run: Action; post?: boolean }> = {
  GetOrders: { run: getOrders },
  GetOrder: { run: getOrder },
  GetOrderItems: { run: getOrderItems },
  GetMultipleOrderItems: { run: getMultipleOrderItems },
  GetFailureReasons: { run: getFailureReasons },
  SetStatusToCanceled: { run: setStatusToCanceled, post: true },
  SetStatusToPackedByMarketplace: { run: statusChange('packed', ['pending']), post: true },
  SetStatusToReadyToShip: { run: statusChange('ready_to_ship', ['pending', 'packed']), post: true },
  GetProducts: { run: getProducts },
  ProductCreate: { run: productFeed('ProductCreate'), post: true },
  ProductUpdate: { run: productFeed('ProductUpdate'), post: true },
  FeedStatus: { run: feedStatus },
};
