import { must, section } from '../../../simulators/toolkit/contract-doc.ts';
import { extra, longest, specFile, type Answer, type Rng } from './server.ts';

/**
 * Wix Stores' answers as its digest (../shared/specs/wix/CONTRACT.md) describes them: Catalog V1
 * products with variants, inventory items (§2, one per product, stock per variant; a product
 * without options has the all-zero variant id), limit/offset paging (§3), and the error statuses
 * and bodies of §6 (applicationError for business rules, validationError for input).
 */

const doc = specFile('wix', 'CONTRACT.md');

/** §2: the variant id of a product without options. */
export const DEFAULT_VARIANT = must(/single\s+variant id `([0-9-]{36})`/, section(doc, 2), 'the default variant id')[1];
/** §3: the most a Stores query page holds. */
export const maxPage = Number(must(/cap at (\d+) items per query/, section(doc, 3), 'the page cap')[1]);
/** §6: every status the digest names, with what it means; 5xx stands for 500. */
export const errorStatuses = [...section(doc, 6).matchAll(/\b([45]\d\d|5xx)\b/g)].map((m) =>
  m[1] === '5xx' ? 500 : Number(m[1]),
);

export interface ProductShape {
  bare?: boolean;
  extras?: boolean;
  huge?: boolean;
  longest?: boolean;
  /** The quantity Wix has of each variant. */
  quantity?: number;
}

export interface WixProductDoc {
  id: string;
  sku: string;
  body: Record<string, unknown>;
  inventory: Record<string, unknown>;
}

const uuid = (n: number, salt: number) =>
  `${String(salt).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A product of `POST /stores/v1/products/query` with `includeVariants`, and its inventory item; SKU `${prefix}${n}`. */
export function product(rng: Rng, n: number, prefix: string, shape: ProductShape = {}): WixProductDoc {
  const id = uuid(n, 1);
  const sku = `${prefix}${n}`;
  const quantity = shape.huge ? 2 ** 53 + 2 : (shape.quantity ?? rng.int(0, 50));
  const variant = {
    id: DEFAULT_VARIANT,
    choices: {},
    variant: shape.bare ? undefined : { sku, priceData: { currency: 'USD', price: 10 }, weight: 0.5, visible: true },
    stock: shape.bare ? undefined : { trackQuantity: true, quantity, inStock: quantity > 0 },
    ...(shape.extras ? extra(rng) : {}),
  };
  const body = {
    id,
    name: shape.longest ? longest(80, n) : `Product ${n}`,
    sku: shape.bare ? undefined : sku,
    slug: `product-${n}`,
    productType: 'physical',
    manageVariants: false,
    stock: shape.bare ? undefined : { trackInventory: true, quantity, inventoryStatus: 'IN_STOCK' },
    description: shape.longest ? longest(8000, n) : '',
    variants: [variant],
    ...(shape.extras ? extra(rng) : {}),
  };
  const inventory = {
    id: uuid(n, 2),
    externalId: id,
    productId: id,
    trackQuantity: true,
    variants: [{ variantId: DEFAULT_VARIANT, inStock: quantity > 0, quantity }],
    lastUpdated: '2025-01-01T00:00:00.000Z',
    numericId: String(1_000_000 + n),
    ...(shape.extras ? extra(rng) : {}),
  };
  return { id, sku, body, inventory };
}

/** A page of products as §3 pages them. */
export const productsPage = (products: WixProductDoc[], offset: number, total: number): Answer => ({
  body: { products: products.map((p) => p.body), metadata: { items: products.length, offset }, totalResults: total },
});

export const inventoryPage = (products: WixProductDoc[], offset: number, total: number): Answer => ({
  body: {
    inventoryItems: products.map((p) => p.inventory),
    metadata: { items: products.length, offset },
    totalResults: total,
  },
});

/** §6: a business rejection (and the statuses that carry one), or an input one for 400. */
export function error(status: number): Answer {
  if (status === 400) {
    return {
      status,
      body: {
        message: 'invalid request',
        details: {
          validationError: {
            fieldViolations: [{ field: 'query.paging.limit', description: 'must be at most 100', violatedRule: 'MAX' }],
          },
        },
      },
    };
  }
  const code = status === 428 ? 'INSUFFICIENT_INVENTORY' : status === 409 ? 'ENTITY_ALREADY_EXISTS' : `HTTP_${status}`;
  return {
    status,
    body: {
      message: `Wix said ${status}`,
      details: { applicationError: { code, description: `Wix refused it (${status})`, data: {} } },
    },
  };
}
