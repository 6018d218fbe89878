import { z } from '@hono/zod-openapi';
import { eanProblem } from './ean.ts';

/**
 * The shapes of a product on the way in and out. The API, the web panel's form and the
 * Telegram bot all parse with these, so a product is checked the same way wherever it comes from.
 */

export const Sku = z
  .string()
  .trim()
  .min(1, 'SKU is required')
  .max(100, 'SKU is at most 100 characters')
  .openapi({ description: 'Trimmed; unique without regard to case', example: 'MUG-RED-350' });

/** Empty string or null clears the EAN; anything else must carry a right check digit. */
export const Ean = z
  .string()
  .trim()
  .superRefine((value, ctx) => {
    const problem = value === '' ? null : eanProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .nullable()
  .transform((value) => value || null)
  .openapi({
    description: 'EAN-8, UPC-A (12 digits) or EAN-13 with its check digit; "" or null clears it',
    example: '5901234123457',
  });

export const ProductName = z.string().trim().min(1, 'name is required').max(300, 'name is at most 300 characters');

export const Description = z
  .string()
  .max(20_000, 'description is at most 20000 characters')
  .nullable()
  .transform((value) => value?.trim() || null);

/** Attributes are flat: a key maps to text, a number, true/false or null, never to an object. */
export const Attributes = z
  .record(z.string().min(1).max(100), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]))
  .refine((attributes) => Object.keys(attributes).length <= 200, 'at most 200 attributes')
  .openapi({
    description: 'A flat object: values are strings, numbers, booleans or null',
    example: { colour: 'red', volume_ml: 350 },
  });

/** A whole product: what POST creates and what PUT replaces with (left-out optional fields are cleared). */
export const ProductInput = z
  .strictObject({
    sku: Sku,
    ean: Ean.optional(),
    name: ProductName,
    description: Description.optional(),
    attributes: Attributes.optional(),
  })
  .openapi('ProductInput');
export type ProductInput = z.input<typeof ProductInput>;

/** Some fields of a product: what PATCH changes; `archived: false` restores an archived product. */
export const ProductPatch = z
  .strictObject({
    sku: Sku.optional(),
    ean: Ean.optional(),
    name: ProductName.optional(),
    description: Description.optional(),
    attributes: Attributes.optional(),
    archived: z.boolean().optional().openapi({ description: 'true archives the product, false restores it' }),
  })
  .openapi('ProductPatch');
export type ProductPatch = z.input<typeof ProductPatch>;

/** The columns a product list sorts by (GET /products `sort`). */
export const productSorts = ['sku', 'name', 'updated_at', 'created_at', 'stock'] as const;
export type ProductSort = (typeof productSorts)[number];

export const ProductSearch = z.object({
  q: z.string().trim().min(1).max(200).optional().openapi({ description: 'Part of the SKU, EAN or name' }),
  sku: z.string().trim().min(1).max(100).optional().openapi({ description: 'Exact SKU, any case' }),
  skus: z
    .string()
    .max(60_000)
    .transform((v) => [
      ...new Set(
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.string().max(100)).min(1).max(500))
    .optional()
    .openapi({
      description:
        'A list of exact SKUs, comma-separated (up to 500; POST /products/lookup takes more), paged as any list',
      example: 'SKU-1,SKU-2',
    }),
  ean: z.string().trim().min(1).max(14).optional().openapi({ description: 'Exact EAN' }),
  include_archived: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .openapi({ description: 'Archived products are left out unless this is true' }),
  archived: z
    .enum(['only'])
    .optional()
    .openapi({ description: '`only`: archived products alone (include_archived is then not needed)' }),
  channel: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .optional()
    .openapi({ description: 'Products listed on an account of this channel', example: 'ozon' }),
  account_id: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: 'Products listed on this channel account' }),
  sort: z
    .enum(productSorts)
    .optional()
    .openapi({
      description:
        'sku (the default), name, updated_at, created_at or stock (available, summed over warehouses); the id breaks ties. ' +
        'Without a sort, an exact SKU or EAN hit of `q` comes first.',
    }),
  direction: z.enum(['asc', 'desc']).default('asc'),
  cursor: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: '`next_cursor` of the previous page (keyset paging; `offset` is then not used)' }),
  before: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ description: '`prev_cursor` of a page: the page before it, in the same order' }),
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).openapi({ example: 0 }),
});
export type ProductSearch = z.input<typeof ProductSearch>;

/** Products by a list of SKUs (seed 000's bulk flows: Wix inventory by SKU list), paged. */
export const ProductLookup = z
  .strictObject({
    skus: z
      .array(z.string().trim().min(1).max(100))
      .min(1)
      .max(10_000)
      .openapi({ example: ['SKU-1', 'SKU-2'] }),
    include_archived: z.boolean().default(false),
    limit: z.number().int().min(1).max(500).default(100),
    offset: z.number().int().min(0).max(10_000).default(0),
  })
  .openapi('ProductLookup');

export const ProductImage = z
  .object({
    url: z.string(),
    thumbnail_url: z.string(),
    width: z.number().int(),
    height: z.number().int(),
    bytes: z.number().int(),
  })
  .openapi('ProductImage');

export const Product = z
  .object({
    id: z.number().int(),
    sku: z.string(),
    ean: z.string().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    archived: z.boolean(),
    archived_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
    version: z
      .number()
      .int()
      .openapi({ description: 'Grows with every change; send it back as If-Match to refuse a stale edit' }),
    image: ProductImage.nullable(),
  })
  .openapi('Product');
export type Product = z.infer<typeof Product>;
