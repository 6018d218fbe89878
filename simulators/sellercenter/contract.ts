import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { LoggedRequest } from '../toolkit/index.ts';
import { expectedSignature } from './signature.ts';
import { section, ticks } from '../toolkit/contract-doc.ts';

/**
 * The SellerCenter contract as the tests hold the simulator and the connectors to it: what
 * ../shared/specs/sellercenter-lamoda-namshi/CONTRACT.md says (read at run time: the actions
 * it documents, the mandatory parameters, the error codes and the item statuses) and zod
 * schemas of the answers written from the recorded XML samples beside it, over the XML as
 * fast-xml-parser reads it (every value text, an empty element ''). The schemas are strict:
 * an element no sample shows is a problem, so the simulator invents none.
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPEC_DIR = path.resolve(projectRoot, '../shared/specs/sellercenter-lamoda-namshi');

export interface SellerCenterContract {
  /** §4, §5: every action the digest names. */
  actions: Set<string>;
  /** §1: the query parameters every call carries. */
  mandatory: string[];
  /** §2, §4, §5: documented error codes and their messages ("E007" → "Login failed"). */
  errors: Map<string, string>;
  /** §4: order-item statuses. */
  itemStatuses: string[];
  /** §4: the parameters of each status change (`SetStatusTo…`), required and optional, as its bullet names them. */
  statusChanges: Map<string, { required: string[]; optional: string[] }>;
}

/** `- \`SetStatusToX\`: \`A\` (JSON array), \`B\`, optional \`C\`/\`D\` …` of §4: its parameters, up to the first `;` or `[`. */
function statusChangeParams(s4: string): SellerCenterContract['statusChanges'] {
  const found = new Map<string, { required: string[]; optional: string[] }>();
  for (const m of s4.matchAll(/^\s*- `(SetStatusTo[A-Za-z]+)`: ([^\n]*)$/gm)) {
    const [own, rest = ''] = m[2].split(/[;[]/)[0].split(/\boptional\b/);
    const names = (t: string) =>
      ticks(t)
        .flatMap((x) => x.split('/'))
        .filter((x) => /^[A-Z][A-Za-z]+$/.test(x));
    found.set(m[1], { required: names(own), optional: names(rest) });
  }
  return found;
}

let cached: SellerCenterContract | undefined;

export function loadSellerCenterContract(): SellerCenterContract {
  if (cached) return cached;
  const doc = fs.readFileSync(path.join(SPEC_DIR, 'CONTRACT.md'), 'utf8');
  const s1 = section(doc, 1);
  const mandatory = /Mandatory query params:([^;]*);/.exec(s1);
  const statuses = /`Status` \(order-item statuses:([^)]*)\)/.exec(section(doc, 4));
  if (!mandatory || !statuses)
    throw new Error('CONTRACT.md no longer names the mandatory parameters or the item statuses');
  const actionText = section(doc, 4) + section(doc, 5);
  cached = {
    // Action names, not the feed's elements the same sections name (`FeedID`, `FeedErrors`, `FeedWarnings`).
    actions: new Set(
      ticks(actionText)
        .flatMap((t) => t.split('/'))
        .filter((t) => /^(Get|Set|Feed|Product)[A-Z][A-Za-z]+$/.test(t) && !/(ID|Errors|Warnings)$/.test(t)),
    ),
    mandatory: ticks(mandatory[1]).map((t) => t.split('=')[0]),
    errors: new Map([...doc.matchAll(/`?(E\d{3}):? ([A-Za-z <>]+?)`?(?=[,;.)`]|$)/gm)].map((m) => [m[1], m[2].trim()])),
    itemStatuses: ticks(statuses[1]),
    statusChanges: statusChangeParams(section(doc, 4)),
  };
  if (!cached.statusChanges.size) throw new Error('CONTRACT.md §4 no longer names the status changes’ parameters');
  return cached;
}

// --- XML as the schemas see it ----------------------------------------------------------------

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
});

/** Parses and checks well-formedness; throws with the parser's words. */
export const parseXml = (text: string): Record<string, unknown> => parser.parse(text, true);

/** A container of repeated `tag` elements: '' when empty, one object, or several. */
const listOf = <T extends z.ZodType>(tag: string, item: T) =>
  z.preprocess(
    (v) => (v === '' ? { [tag]: [] } : v),
    z.object({ [tag]: z.preprocess((x) => (x === undefined || Array.isArray(x) ? x : [x]), z.array(item)) }).strict(),
  );

const text = z.string();
const empty = z.literal('');
const digits = z.string().regex(/^\d+$/);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/);
const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
const headTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/);
const flag = z.enum(['0', '1']);

const address = z
  .object({
    FirstName: text,
    LastName: text,
    Phone: text,
    Phone2: text,
    Address1: text,
    Address2: text,
    Address3: text,
    Address4: text,
    Address5: text,
    CustomerEmail: text,
    City: text,
    Ward: text,
    Region: text,
    PostCode: text,
    Country: text,
  })
  .strict();

/** Order/OrderResponse.xml, OrdersResponse.xml, Orders.xml. */
const order = z
  .object({
    OrderId: digits,
    CustomerFirstName: text,
    CustomerLastName: text,
    OrderNumber: digits,
    PaymentMethod: text,
    Remarks: text,
    DeliveryInfo: text,
    Price: decimal,
    GiftOption: flag,
    GiftMessage: text,
    VoucherCode: text,
    CreatedAt: localDate,
    UpdatedAt: localDate,
    AddressUpdatedAt: localDate,
    AddressBilling: address,
    AddressShipping: address,
    NationalRegistrationNumber: text,
    ItemsCount: digits,
    PromisedShippingTime: localDate.or(empty),
    ExtraAttributes: text,
    Statuses: listOf('Status', text),
    InvoiceRequired: z.enum(['true', 'false']),
    ShippingType: text.optional(),
    OperatorCode: text.optional(),
  })
  .strict();

/** Order/OrderItemsResponse.xml, OrdersItemsResponse.xml. */
const orderItem = z
  .object({
    OrderItemId: digits,
    ShopId: digits,
    OrderId: digits,
    Name: text,
    Sku: text,
    Variation: text,
    ShopSku: text,
    ShippingType: text,
    ItemPrice: decimal,
    PaidPrice: decimal,
    Currency: z.string().regex(/^[A-Z]{3}$/),
    WalletCredits: decimal,
    TaxAmount: decimal,
    CodCollectableAmount: decimal.or(empty),
    ShippingAmount: decimal,
    ShippingServiceCost: decimal,
    VoucherAmount: decimal,
    VoucherCode: text,
    Status: text,
    IsProcessable: flag,
    ShipmentProvider: text,
    IsDigital: flag,
    DigitalDeliveryInfo: text,
    TrackingCode: text,
    TrackingCodePre: text,
    Reason: text,
    ReasonDetail: text,
    PurchaseOrderId: digits,
    PurchaseOrderNumber: text,
    PackageId: text,
    PromisedShippingTime: localDate.or(empty),
    ExtraAttributes: text,
    ShippingProviderType: text,
    CreatedAt: localDate,
    UpdatedAt: localDate,
    ReturnStatus: text,
    Imei: text.optional(),
  })
  .strict();

/** Product/ProductsResponse.xml (ErrorProductsResponse.xml is the same list with a Name missing). */
const product = z
  .object({
    SellerSku: text.min(1),
    ShopSku: text,
    ProductSin: text,
    Name: text,
    Variation: text,
    ParentSku: text,
    Quantity: digits,
    Available: digits,
    Price: decimal,
    SalePrice: decimal.or(empty),
    SaleStartDate: localDate.or(empty),
    SaleEndDate: localDate.or(empty),
    Status: text,
    ProductId: text,
    Url: text,
    MainImage: text,
    Images: listOf('Image', text),
    Description: text,
    TaxClass: text,
    Brand: text,
    PrimaryCategory: text,
    Categories: text,
    ProductData: empty.or(z.record(z.string(), z.unknown())),
  })
  .strict();

const feedStatus = z.enum(['Queued', 'Processing', 'Canceled', 'Finished', 'Error']);

/** Feed/FeedProductUpdate.xml, FeedProductCreate.xml (FeedDetail); FeedListSuccessResponse.xml (Feed). */
const feed = z
  .object({
    Feed: z.string().uuid().or(text.min(1)),
    Status: feedStatus,
    Action: text,
    CreationDate: localDate,
    UpdatedDate: localDate.or(empty),
    Source: text,
    TotalRecords: digits,
    ProcessedRecords: digits,
    FailedRecords: digits,
    FeedErrors: listOf('Error', z.object({ Code: digits, Message: text, SellerSku: text }).strict()).optional(),
    // The warnings' shape per the digest (§5: DOC/SDK test, no fixture).
    FeedWarnings: listOf('Warning', z.object({ Message: text, SellerSku: text }).strict()).optional(),
    FailureReports: empty.or(z.object({ MimeType: text, File: text }).strict()).optional(),
  })
  .strict();

const head = (extra: z.ZodRawShape = {}) =>
  z
    .object({ RequestId: text, RequestAction: text.min(1), ResponseType: text, Timestamp: headTimestamp, ...extra })
    .strict();

const success = (body: z.ZodType, extra: z.ZodRawShape = {}) =>
  z.object({ SuccessResponse: z.object({ Head: head(extra), Body: body }).strict() }).strict();

/** §3, Response/ErrorResponse.xml: the code and the number in the message agree. */
const errorResponse = z
  .object({
    ErrorResponse: z
      .object({
        Head: z
          .object({
            RequestAction: text,
            ErrorType: z.enum(['Sender', 'Platform']),
            ErrorCode: digits,
            ErrorMessage: z.string().regex(/^E\d+: .+/),
          })
          .strict(),
        Body: empty.or(
          listOf(
            'ErrorDetail',
            z.object({ Field: text, Message: text, Value: text, SellerSku: text }).partial().strict(),
          ),
        ),
      })
      .strict(),
  })
  .strict()
  .refine(
    (e) => Number(/^E(\d+)/.exec(e.ErrorResponse.Head.ErrorMessage)![1]) === Number(e.ErrorResponse.Head.ErrorCode),
    'ErrorCode and the E-number of ErrorMessage differ',
  );

const ordersBody = z.object({ Orders: listOf('Order', order) }).strict();
const statusChange = z
  .object({
    OrderItems: listOf(
      'OrderItem',
      z.object({ OrderItemId: digits, PurchaseOrderId: digits, PurchaseOrderNumber: text, PackageId: text }).strict(),
    ),
  })
  .strict();

export const sellerCenterSchemas = {
  error: errorResponse,
  ordersBody,
  /** The answers by action. */
  actions: {
    GetOrders: success(ordersBody, { TotalCount: digits.optional() }),
    GetOrder: success(ordersBody),
    GetOrderItems: success(z.object({ OrderItems: listOf('OrderItem', orderItem) }).strict()),
    GetMultipleOrderItems: success(
      z
        .object({
          Orders: listOf(
            'Order',
            z.object({ OrderId: digits, OrderNumber: digits, OrderItems: listOf('OrderItem', orderItem) }).strict(),
          ),
        })
        .strict(),
    ),
    // The SDK's own test answers SetStatusToCanceled with the same sample.
    SetStatusToCanceled: success(statusChange),
    SetStatusToPackedByMarketplace: success(statusChange),
    SetStatusToReadyToShip: success(statusChange),
    // Order/FailureReasonsSuccessResponse.xml.
    GetFailureReasons: success(
      z.object({ Reasons: listOf('Reason', z.object({ Type: text.min(1), Name: text.min(1) }).strict()) }).strict(),
    ),
    GetProducts: success(z.object({ Products: listOf('Product', product) }).strict()),
    // Feed/ProductActionFeedResponse.xml, Product/ProductCreate.xml: the FeedID is Head/RequestId.
    ProductCreate: success(empty).refine(
      (a) => z.string().uuid().safeParse(a.SuccessResponse.Head.RequestId).success,
      'RequestId is no FeedID',
    ),
    ProductUpdate: success(empty).refine(
      (a) => z.string().uuid().safeParse(a.SuccessResponse.Head.RequestId).success,
      'RequestId is no FeedID',
    ),
    FeedStatus: success(z.object({ FeedDetail: feed }).strict(), {
      RequestParameters: z.object({ FeedID: text }).strict().optional(),
    }),
    FeedList: success(listOf('Feed', feed)),
  } as Record<string, z.ZodType>,
};

const issues = (schema: z.ZodType, value: unknown, where: string) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${where}: ${i.path.join('/') || '(root)'}: ${i.message}`);
};

/** Problems of one answer (XML text) to `action`; empty = it fits. */
export function checkAnswer(action: string, xml: string, where = action): string[] {
  let tree: Record<string, unknown>;
  try {
    tree = parseXml(xml);
  } catch (error) {
    return [`${where}: not well-formed XML: ${(error as Error).message.split('\n')[0]}`];
  }
  if ('ErrorResponse' in tree) return issues(errorResponse, tree, where);
  const schema = sellerCenterSchemas.actions[action];
  if (!schema) return [`${where}: no schema for ${action}`];
  const problems = issues(schema, tree, where);
  const answered = (tree.SuccessResponse as { Head?: { RequestAction?: unknown } } | undefined)?.Head?.RequestAction;
  if (answered !== action) problems.push(`${where}: Head/RequestAction is ${String(answered)}`);
  return problems;
}

/**
 * Problems of one logged exchange: the request carries the mandatory parameters, names a
 * documented action, is signed right with its seller's key (`keys`: UserID → API key) and
 * sends a write's records as `<Request><Product>` XML; the answer fits its schema. Faults
 * injected on purpose (429, 5xx, timeouts, the toolkit's malformed body) are left out.
 */
export function checkExchange(
  entry: LoggedRequest,
  keys: Map<string, string>,
  contract = loadSellerCenterContract(),
): string[] {
  const params = Object.fromEntries(Object.entries(entry.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const action = params.Action ?? '';
  const where = `${entry.method} ${action || '(no Action)'} → ${entry.status}`;
  const problems: string[] = [];
  for (const name of contract.mandatory) if (!params[name]) problems.push(`${where}: no ${name}`);
  if (!contract.actions.has(action)) problems.push(`${where}: ${action} is not an action CONTRACT.md documents`);
  const key = keys.get(params.UserID ?? '');
  if (key === undefined) problems.push(`${where}: UserID ${params.UserID} is no known seller`);
  else if (params.Signature !== expectedSignature(params, key))
    problems.push(`${where}: the signature is not the one §2 makes`);
  if (params.Timestamp && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/.test(params.Timestamp))
    problems.push(`${where}: Timestamp ${params.Timestamp} is not ISO-8601 with an offset`);
  problems.push(...checkParams(action, params, contract, where));
  if (FEEDS.has(action)) {
    if (entry.method !== 'POST') problems.push(`${where}: a feed is sent by POST (§1)`);
    else problems.push(...checkRequestBody(entry.body, where));
  } else if (contract.statusChanges.has(action)) {
    // A write (§1: POST), its parameters in the signed query string and no body (the SDK's OrderManager).
    if (entry.method !== 'POST') problems.push(`${where}: a status change is a write, sent by POST (§1)`);
    if (typeof entry.body === 'string' && entry.body.trim()) problems.push(`${where}: a status change has no body`);
  }
  if (entry.fault && entry.fault !== 'slow') return problems;
  if (typeof entry.responseBody !== 'string') return [...problems, `${where}: the answer is not XML`];
  return [...problems, ...checkAnswer(action, entry.responseBody, where)];
}

/** The writes whose records go in the body (§1, §5). */
const FEEDS = new Set(['ProductCreate', 'ProductUpdate']);
/** The SDK's delivery types (docs/Managers/OrderManager.md): the simulator's, too. */
const DELIVERY_TYPES = ['dropship', 'pickup', 'send_to_warehouse'];
/** Parameters every call may carry (§1). */
const COMMON = new Set(['Action', 'UserID', 'Version', 'Timestamp', 'Signature', 'Format']);

/** The parameters of a status change as §4 names them, and of the reads the order actions make (GetOrderItems, GetFailureReasons). */
function checkParams(
  action: string,
  params: Record<string, string | undefined>,
  contract: SellerCenterContract,
  where: string,
): string[] {
  const known =
    contract.statusChanges.get(action) ??
    (action === 'GetOrderItems' || action === 'GetOrder'
      ? { required: ['OrderId'], optional: [] }
      : action === 'GetFailureReasons'
        ? { required: [], optional: [] }
        : null);
  if (!known) return [];
  const problems: string[] = [];
  for (const name of known.required) if (!params[name]) problems.push(`${where}: no ${name}`);
  for (const name of Object.keys(params))
    if (!COMMON.has(name) && !known.required.includes(name) && !known.optional.includes(name))
      problems.push(`${where}: ${name} is no parameter §4 names for ${action}`);
  const digitsOnly = (name: string) => {
    const value = params[name];
    if (value !== undefined && !/^\d+$/.test(value)) problems.push(`${where}: ${name} ${value} is not an id`);
  };
  digitsOnly('OrderId');
  digitsOnly('OrderItemId');
  if (params.OrderItemIds !== undefined) {
    let ids: unknown;
    try {
      ids = JSON.parse(params.OrderItemIds);
    } catch {
      ids = null;
    }
    if (!Array.isArray(ids) || !ids.length || ids.some((id) => !Number.isSafeInteger(id)))
      problems.push(`${where}: OrderItemIds ${params.OrderItemIds} is not a JSON array of item ids`);
  }
  if (params.DeliveryType !== undefined && !DELIVERY_TYPES.includes(params.DeliveryType))
    problems.push(`${where}: DeliveryType ${params.DeliveryType} is none of ${DELIVERY_TYPES.join(', ')}`);
  return problems;
}

let productElements: Set<string> | undefined;

/**
 * The elements a write's `<Product>` record may carry: those of the recorded product samples
 * (Product/Product.xml, the write's shape, and Product/ProductsResponse.xml, which adds
 * `Quantity`), read at run time.
 */
function knownProductElements(): Set<string> {
  if (productElements) return productElements;
  const read = (file: string) => parseXml(fs.readFileSync(path.join(SPEC_DIR, 'Product', file), 'utf8'));
  const sample = read('Product.xml').Product as Record<string, unknown>;
  const listed = (read('ProductsResponse.xml').SuccessResponse as { Body: { Products: { Product: unknown } } }).Body
    .Products.Product;
  const first = (Array.isArray(listed) ? listed[0] : listed) as Record<string, unknown>;
  productElements = new Set([...Object.keys(sample), ...Object.keys(first)]);
  return productElements;
}

/** Amounts as the samples write them ("22000.00"), never negative ("Negative value is not allowed", Feed/FeedProductUpdate.xml). */
const amount = z.string().regex(/^\d+\.\d{2}$/, 'an amount like "22000.00"');

const requestRecord = z
  .object({
    SellerSku: text.min(1),
    Quantity: digits.optional(),
    Price: amount.optional(),
    SalePrice: amount.or(empty).optional(),
  })
  .catchall(z.unknown())
  .superRefine((record, ctx) => {
    const known = knownProductElements();
    for (const key of Object.keys(record))
      if (!known.has(key))
        ctx.addIssue({ code: 'custom', message: `<${key}> is no element of the product samples`, path: [key] });
  });

const requestBody = z
  .object({
    Request: z.object({ Product: z.preprocess((x) => (Array.isArray(x) ? x : [x]), z.array(requestRecord)) }).strict(),
  })
  .strict();

function checkRequestBody(body: unknown, where: string): string[] {
  if (typeof body !== 'string') return [`${where}: a write's body is not XML`];
  try {
    return issues(requestBody, parseXml(body), `${where} (request body)`);
  } catch (error) {
    return [`${where}: the request body is not well-formed XML: ${(error as Error).message.split('\n')[0]}`];
  }
}
