import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { z } from 'zod';

/**
 * What Sklad reads of SellerCenter's answers (CONTRACT.md §3–§5 and the recorded XML beside
 * it), as zod schemas over the XML the way fast-xml-parser reads it: every value text, an
 * empty element '', a repeated element an array (one alone is not: `listOf` makes it one).
 * Records keep only what Sklad uses and let other elements be (instances add fields, §0);
 * each Body is strict, so an answer whose Body holds an element it should not is an error
 * naming it.
 */

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  processEntities: true,
});
const builder = new XMLBuilder({ ignoreAttributes: true, suppressEmptyNode: true });

/** Parses an answer, checking it is well-formed; throws with the parser's words (line and column). */
export const parseXml = (text: string): Record<string, unknown> => parser.parse(text, true);

/** §1: a write's body, `<Request><Product>…</Product>…</Request>`. */
export const requestXml = (records: Record<string, unknown>[]) =>
  `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ Request: { Product: records } })}`;

/** A container of repeated `tag` elements ('' when empty, one object, or several) as an array. */
export const listOf = <T extends z.ZodType>(tag: string, item: T) =>
  z
    .preprocess(
      (v) => (v === '' ? { [tag]: [] } : v),
      z.object({ [tag]: z.preprocess((x) => (x === undefined || Array.isArray(x) ? x : [x]), z.array(item)) }).strict(),
    )
    .transform((v) => v[tag] as z.output<T>[]);

const text = z.string();
const id = z.string().regex(/^\d+$/, 'expected a number');
/** Amounts are decimal strings ("61800.00"): kept as text, turned into minor units without a float. */
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal amount');
const optionalDecimal = decimal.or(z.literal('')).optional();
/** Dates in bodies carry no zone (Order/*.xml): the instance's local time, whose offset Head/Timestamp gives. */
const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/, 'expected a date like 2018-08-27 08:48:20');

const address = z
  .object({
    FirstName: text,
    LastName: text,
    Phone: text,
    CustomerEmail: text,
    Address1: text,
    Address2: text,
    City: text,
    Region: text,
    PostCode: text,
    Country: text,
  })
  .partial()
  .or(z.literal(''));

export const orderSchema = z.object({
  OrderId: id,
  OrderNumber: text.min(1),
  CustomerFirstName: text.default(''),
  CustomerLastName: text.default(''),
  PaymentMethod: text.optional(),
  Price: decimal,
  CreatedAt: localDate,
  UpdatedAt: localDate,
  AddressShipping: address.optional(),
  AddressBilling: address.optional(),
  Statuses: listOf('Status', text),
});
export type SellerCenterOrder = z.output<typeof orderSchema>;

export const orderItemSchema = z.object({
  OrderItemId: id,
  OrderId: id,
  Name: text,
  /** The seller's SKU. */
  Sku: text.min(1),
  ShopSku: text.optional(),
  ItemPrice: decimal,
  PaidPrice: decimal,
  Currency: text.default(''),
  Status: text.min(1),
  ShippingType: text.optional(),
  ShipmentProvider: text.optional(),
  TrackingCode: text.optional(),
  ShippingAmount: optionalDecimal,
  Reason: text.optional(),
});
export type SellerCenterOrderItem = z.output<typeof orderItemSchema>;

export const productSchema = z.object({
  SellerSku: text.min(1),
  ShopSku: text.optional(),
  Name: text.default(''),
  Quantity: id.transform(Number).optional(),
  Status: text.optional(),
  /** The product identifier the seller gave: a GTIN on most instances. */
  ProductId: text.optional(),
});
export type SellerCenterProduct = z.output<typeof productSchema>;

export const feedDetailSchema = z.object({
  Feed: text.min(1),
  Status: z.enum(['Queued', 'Processing', 'Canceled', 'Finished', 'Error']),
  Action: text,
  TotalRecords: id.transform(Number),
  ProcessedRecords: id.transform(Number),
  FailedRecords: id.transform(Number),
  FeedErrors: listOf('Error', z.object({ Code: text, Message: text, SellerSku: text.default('') })).optional(),
  FeedWarnings: listOf('Warning', z.object({ Message: text, SellerSku: text.default('') })).optional(),
});
export type FeedDetail = z.output<typeof feedDetailSchema>;

/** The Body of each action's answer. */
export const bodies = {
  orders: z.object({ Orders: listOf('Order', orderSchema) }).strict(),
  orderItems: z.object({ OrderItems: listOf('OrderItem', orderItemSchema) }).strict(),
  multipleOrderItems: z
    .object({ Orders: listOf('Order', z.object({ OrderId: id, OrderItems: listOf('OrderItem', orderItemSchema) })) })
    .strict(),
  products: z.object({ Products: listOf('Product', productSchema) }).strict(),
  feedDetail: z.object({ FeedDetail: feedDetailSchema }).strict(),
  /** A status change answers the items it changed (Order/SetOrderStatusSuccessResponse.xml); an instance may answer none. */
  statusChange: z
    .object({ OrderItems: listOf('OrderItem', z.object({ OrderItemId: id }).passthrough()) })
    .strict()
    .or(z.literal('')),
  /** Order/FailureReasonsSuccessResponse.xml. */
  failureReasons: z.object({ Reasons: listOf('Reason', z.object({ Type: text, Name: text.min(1) })) }).strict(),
  /** A write answers an empty Body; its FeedID is Head/RequestId (Feed/ProductActionFeedResponse.xml). */
  none: z.literal(''),
};

export const headSchema = z.object({
  RequestId: text.default(''),
  RequestAction: text.min(1),
  ResponseType: text.optional(),
  /** The instance's clock with its offset: "2019-01-18T06:54:50-0500". */
  Timestamp: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})$/, 'expected an ISO-8601 time with an offset'),
  TotalCount: id.transform(Number).optional(),
});
export type Head = z.output<typeof headSchema>;

/** §3: Response/ErrorResponse.xml. */
export const errorHeadSchema = z.object({
  RequestAction: text.default(''),
  ErrorType: text.default(''),
  ErrorCode: text.default(''),
  ErrorMessage: text.default(''),
});
export type ErrorHead = z.output<typeof errorHeadSchema>;

/** "SuccessResponse/Body/Orders/Order[1]/CreatedAt" from a zod path. */
export function elementPath(root: string, path: PropertyKey[]): string {
  let out = root;
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : `/${String(step)}`;
  return out;
}

/** Head/Timestamp's offset in minutes east of UTC (0 when it names none). */
export function offsetMinutes(timestamp: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(timestamp);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** A body date in the instance's local time as UTC ISO-8601. */
export function utcOf(local: string, offset: number): string {
  return new Date(Date.parse(`${local.replace(' ', 'T')}Z`) - offset * 60_000).toISOString();
}
