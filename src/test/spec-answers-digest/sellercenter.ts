import { must, section } from '../../../simulators/toolkit/contract-doc.ts';
import { longest, specFile, type Answer } from './server.ts';

/**
 * SellerCenter's answers (Lamoda, Namshi) from the digest (../shared/specs/sellercenter-lamoda-namshi/
 * CONTRACT.md) and its recorded XML: a GetOrders and a GetMultipleOrderItems answer are the
 * recorded ones with their first record repeated as many times as asked, each with its own ids;
 * an error is the recorded ErrorResponse with a code of §2–§4 put in.
 */

const dir = 'sellercenter-lamoda-namshi';
const doc = specFile(dir, 'CONTRACT.md');
const ordersXml = specFile(dir, 'Order', 'OrdersResponse.xml');
const itemsXml = specFile(dir, 'Order', 'OrdersItemsResponse.xml');
const errorXml = specFile(dir, 'Response', 'ErrorResponse.xml');

/** §4: the default page of GetOrders. */
export const ordersPage = Number(must(/Default page = (\d+) orders/, section(doc, 4), 'the orders page')[1]);

/** §2 and §4's error codes, with the words the digest gives them: `E007: Login failed` … */
export const errorCodes = [
  ...`${section(doc, 1)}${section(doc, 2)}${section(doc, 4)}`.matchAll(/`(E0\d\d):? ([^`]+)`/g),
].map((m) => ({ code: m[1], words: m[2] }));

const first = (xml: string, tag: string) =>
  must(new RegExp(`<${tag}>[\\s\\S]*?</${tag}>`), xml, `a <${tag}> in the recorded XML`)[0];
const orderTemplate = first(ordersXml, 'Order');
const itemsOrderTemplate = first(itemsXml, 'Order');

const set = (xml: string, tag: string, value: string) =>
  xml.replace(new RegExp(`<${tag}>[^<]*</${tag}>|<${tag}/>`, 'g'), `<${tag}>${escapeXml(value)}</${tag}>`);
const drop = (xml: string, tag: string) =>
  xml.replace(new RegExp(`\\s*(<${tag}>[\\s\\S]*?</${tag}>|<${tag}/>)`, 'g'), '');
const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface OrderShape {
  bare?: boolean;
  extras?: boolean;
  hugePrice?: boolean;
  longest?: boolean;
  sku?: string;
}

export interface ScOrder {
  id: string;
  number: string;
  sku: string;
  shape: OrderShape;
}

export const order = (n: number, sku: string, shape: OrderShape = {}): ScOrder => ({
  id: String(5_000_000 + n),
  number: String(300_000_000 + n),
  sku,
  shape,
});

/** Optional elements of an order and of an item, left out by a `bare` shape. */
const OPTIONAL_ORDER = [
  'PaymentMethod',
  'AddressBilling',
  'AddressShipping',
  'Remarks',
  'DeliveryInfo',
  'GiftOption',
  'GiftMessage',
  'VoucherCode',
  'NationalRegistrationNumber',
  'PromisedShippingTime',
  'ExtraAttributes',
  'InvoiceRequired',
];
const OPTIONAL_ITEM = [
  'ShopSku',
  'ShippingType',
  'ShipmentProvider',
  'TrackingCode',
  'ShippingAmount',
  'Reason',
  'Variation',
  'WalletCredits',
  'PackageId',
  'ReturnStatus',
];

function orderXml(o: ScOrder, updated: string): string {
  let xml = orderTemplate;
  xml = set(xml, 'OrderId', o.id);
  xml = set(xml, 'OrderNumber', o.number);
  xml = set(xml, 'UpdatedAt', updated);
  xml = set(xml, 'CreatedAt', updated);
  if (o.shape.hugePrice) xml = set(xml, 'Price', '99999999999999999999.99');
  if (o.shape.longest) xml = set(xml, 'CustomerFirstName', longest(255));
  if (o.shape.bare) for (const tag of OPTIONAL_ORDER) xml = drop(xml, tag);
  if (o.shape.extras)
    xml = xml.replace(
      '</Order>',
      '<XSkladUnknown><Deep>1</Deep></XSkladUnknown><Marketplace>extra</Marketplace></Order>',
    );
  return xml;
}

function itemsXmlOf(o: ScOrder): string {
  let xml = itemsOrderTemplate;
  xml = set(xml, 'OrderId', o.id);
  xml = set(xml, 'OrderNumber', o.number);
  xml = set(xml, 'Sku', o.sku);
  xml = set(xml, 'OrderItemId', String(Number(o.id) * 10));
  xml = set(xml, 'Status', 'pending');
  xml = set(xml, 'ShippingType', 'Dropshipping');
  if (o.shape.longest) xml = set(xml, 'Name', longest(1000));
  if (o.shape.bare) for (const tag of OPTIONAL_ITEM) xml = drop(xml, tag);
  if (o.shape.extras) xml = xml.replace('</OrderItem>', '<XSkladUnknown>1</XSkladUnknown></OrderItem>');
  return xml;
}

const envelope = (source: string, action: string, body: string, total?: number) => {
  const head = must(/<Head>[\s\S]*?<\/Head>/, source, 'the Head')[0];
  const withAction = set(head, 'RequestAction', action).replace(
    '</Head>',
    total === undefined ? '</Head>' : `<TotalCount>${total}</TotalCount></Head>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SuccessResponse>${withAction}<Body>${body}</Body></SuccessResponse>`;
};

/** A GetOrders answer of these orders, with a TotalCount when given. */
export const ordersAnswer = (orders: ScOrder[], total?: number): Answer => ({
  body: envelope(
    ordersXml,
    'GetOrders',
    orders.length ? `<Orders>${orders.map((o) => orderXml(o, '2026-01-01 10:00:00')).join('')}</Orders>` : '<Orders/>',
    total,
  ),
});

/** GetMultipleOrderItems of these orders. */
export const itemsAnswer = (orders: ScOrder[]): Answer => ({
  body: envelope(
    itemsXml,
    'GetMultipleOrderItems',
    orders.length ? `<Orders>${orders.map(itemsXmlOf).join('')}</Orders>` : '<Orders/>',
  ),
});

/** The recorded ErrorResponse with this code and the digest's words, sent with `status` (§3: 200 on some instances). */
export function errorAnswer(action: string, code: string, words: string, status = 200, type = 'Sender'): Answer {
  let xml = set(errorXml, 'RequestAction', action);
  xml = set(xml, 'ErrorType', type);
  xml = set(xml, 'ErrorCode', String(Number(code.slice(1))));
  xml = set(xml, 'ErrorMessage', `${code}: ${words}`);
  return { status, body: xml };
}
