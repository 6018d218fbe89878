import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * Kaspi's side of the price list (CONTRACT.md §6): stock and prices never go through the REST
 * API; Kaspi downloads the seller's XML from a URL set in the cabinet and shows what it says.
 * The format is the one third-party feeds use consistently ([3P]; Kaspi's XSD was not found):
 * `<kaspi_catalog xmlns="kaspiShopping">` with `company`, `merchantid` and `offers` of
 * `<offer sku>` with `model`, `brand`, `availabilities` per store and `price` or `cityprices`.
 *
 * A list that is not such a document is refused whole and the shop keeps its last one; an offer
 * that breaks a rule is left out and named in `problems`, as the cabinet lists rejected rows.
 */

export interface PriceListAvailability {
  available: boolean;
  /** Units Kaspi shows in this store; null when the offer does not say. */
  stockCount: number | null;
  /** Days until a pre-ordered offer ships (§6: at most 30). */
  preOrder: number | null;
}

export interface PriceListOffer {
  sku: string;
  model: string;
  brand: string | null;
  /** Whole tenge, VAT included (§6); null when the offer has prices per city instead. */
  price: number | null;
  cityPrices: Map<string, number>;
  /** By store id (PP1 …). */
  availabilities: Map<string, PriceListAvailability>;
}

export interface PriceList {
  url: string;
  downloadedAt: Date;
  date: string;
  company: string;
  merchantId: string;
  offers: Map<string, PriceListOffer>;
  problems: string[];
}

/** §6 [3P]: a sku of at most 20 characters. */
const MAX_SKU = 20;
/**
 * §6 [3P] says latin letters and digits. Sklad's SKUs (and the demo's) carry hyphens, and a rule
 * we cannot check against Kaspi would refuse every one of them; so the simulator refuses what is
 * surely wrong — spaces, letters outside latin, other punctuation — and lets `-` and `_` pass.
 */
const SKU_PATTERN = /^[A-Za-z0-9_-]+$/;
const MAX_PRE_ORDER_DAYS = 30;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'offer' || name === 'availability' || name === 'cityprice',
});

type Node = Record<string, unknown>;

const text = (value: unknown): string | null => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Node)['#text'] === 'string')
    return (value as Node)['#text'] as string;
  return null;
};
const wholeNumber = (value: string | null | undefined): number | null =>
  value && /^\d+$/.test(value) ? Number(value) : null;

/** Parses a downloaded price list; throws when the document is refused whole. `stores` are the shop's pickup points. */
export function parsePriceList(xml: string, url: string, stores: (merchantId: string) => string[] | null): PriceList {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new Error(`The price list is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const root = (parser.parse(xml) as Node).kaspi_catalog as Node | undefined;
  if (!root || typeof root !== 'object') throw new Error('The price list has no <kaspi_catalog> root');
  if (root['@xmlns'] !== 'kaspiShopping') throw new Error('<kaspi_catalog> is not in the kaspiShopping namespace');
  const merchantId = text(root.merchantid)?.trim() ?? '';
  const known = merchantId ? stores(merchantId) : null;
  if (!known)
    throw new Error(
      merchantId ? `No Kaspi shop has merchant id ${merchantId}` : 'The price list names no <merchantid>',
    );
  const offers = new Map<string, PriceListOffer>();
  const problems: string[] = [];
  const list = ((root.offers as Node | undefined)?.offer as Node[] | undefined) ?? [];
  for (const [i, node] of list.entries()) {
    const result = readOffer(node, known);
    if (typeof result === 'string')
      problems.push(`offer ${i + 1}${typeof node['@sku'] === 'string' ? ` (sku ${node['@sku']})` : ''}: ${result}`);
    else if (offers.has(result.sku))
      problems.push(`offer ${i + 1}: sku ${result.sku} is listed twice; the first one is kept`);
    else offers.set(result.sku, result);
  }
  return {
    url,
    downloadedAt: new Date(),
    date: String(root['@date'] ?? ''),
    company: text(root.company) ?? '',
    merchantId,
    offers,
    problems,
  };
}

/** One offer, or what is wrong with it. */
function readOffer(node: Node, stores: string[]): PriceListOffer | string {
  const sku = typeof node['@sku'] === 'string' ? node['@sku'] : '';
  if (!sku) return 'no sku';
  if (sku.length > MAX_SKU) return `sku is longer than ${MAX_SKU} characters`;
  if (!SKU_PATTERN.test(sku)) return 'sku has characters other than latin letters, digits, - and _';
  const model = text(node.model)?.trim();
  if (!model) return 'no <model>';
  const availabilities = new Map<string, PriceListAvailability>();
  for (const a of ((node.availabilities as Node | undefined)?.availability as Node[] | undefined) ?? []) {
    const storeId = String(a['@storeId'] ?? '');
    if (!stores.includes(storeId))
      return `availability names store "${storeId}", which the shop does not have (${stores.join(', ')})`;
    const available = a['@available'];
    if (available !== 'yes' && available !== 'no')
      return `availability of ${storeId}: available is "${String(available)}", not yes or no`;
    const stockCount = a['@stockCount'] === undefined ? null : wholeNumber(String(a['@stockCount']));
    if (a['@stockCount'] !== undefined && stockCount === null)
      return `availability of ${storeId}: stockCount "${String(a['@stockCount'])}" is not a whole number`;
    const preOrder = a['@preOrder'] === undefined ? null : wholeNumber(String(a['@preOrder']));
    if (a['@preOrder'] !== undefined && (preOrder === null || preOrder < 1 || preOrder > MAX_PRE_ORDER_DAYS)) {
      return `availability of ${storeId}: preOrder must be 1…${MAX_PRE_ORDER_DAYS} days`;
    }
    availabilities.set(storeId, { available: available === 'yes', stockCount, preOrder });
  }
  if (!availabilities.size) return 'no <availabilities>';
  const cityPrices = new Map<string, number>();
  for (const c of ((node.cityprices as Node | undefined)?.cityprice as Node[] | undefined) ?? []) {
    const value = wholeNumber(text(c)?.trim());
    if (!value) return `cityprice of city ${String(c['@cityId'])} is not a whole number of tenge`;
    cityPrices.set(String(c['@cityId'] ?? ''), value);
  }
  const priceText = text(node.price)?.trim();
  const price = priceText === undefined ? null : wholeNumber(priceText);
  if (priceText !== undefined && !price) return `price "${priceText}" is not a whole number of tenge`;
  if (price === null && !cityPrices.size) return 'no <price> and no <cityprices>';
  if (price !== null && cityPrices.size) return 'both <price> and <cityprices>';
  return { sku, model, brand: text(node.brand)?.trim() || null, price, cityPrices, availabilities };
}
