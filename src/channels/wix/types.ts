import { z } from 'zod';

/**
 * The parts of Wix Stores answers Sklad reads (Catalog V1 Query Products, Inventory V2 Query
 * Inventory), from Wix's REST reference: there is no OpenAPI file for them in ../shared/specs.
 * Quantities are absent when a variant's quantity is not tracked.
 */

export const wixVariant = z.object({
  id: z.string(),
  choices: z.record(z.string(), z.string()).nullish(),
  variant: z.object({ sku: z.string().nullish() }).nullish(),
  stock: z
    .object({
      trackQuantity: z.boolean().nullish(),
      quantity: z.number().int().nullish(),
      inStock: z.boolean().nullish(),
    })
    .nullish(),
});

export const wixProduct = z.object({
  id: z.string(),
  name: z.string().nullish(),
  sku: z.string().nullish(),
  manageVariants: z.boolean().nullish(),
  stock: z.object({ trackInventory: z.boolean().nullish(), quantity: z.number().int().nullish() }).nullish(),
  variants: z.array(wixVariant).nullish(),
});
export type WixProduct = z.infer<typeof wixProduct>;

/** A page of products: each is parsed on its own (connector.ts), so one odd product does not hide the page. */
export const productsPage = z.object({
  products: z.array(z.unknown()),
  metadata: z.object({ items: z.number().int().nullish(), offset: z.number().int().nullish() }).nullish(),
  totalResults: z.number().int().nullish(),
});

export const inventoryItem = z.object({
  productId: z.string(),
  trackQuantity: z.boolean().nullish(),
  variants: z.array(
    z.object({ variantId: z.string(), quantity: z.number().int().nullish(), inStock: z.boolean().nullish() }),
  ),
});
export type InventoryItem = z.infer<typeof inventoryItem>;

export const inventoryPage = z.object({
  inventoryItems: z.array(inventoryItem),
  metadata: z.object({ items: z.number().int().nullish(), offset: z.number().int().nullish() }).nullish(),
  totalResults: z.number().int().nullish(),
});

/** Wix's error body: `{message, details: {applicationError: {code, description}}}`. */
export const wixErrorBody = z.object({
  message: z.string().nullish(),
  details: z
    .object({ applicationError: z.object({ code: z.string().nullish(), description: z.string().nullish() }).nullish() })
    .nullish(),
});

export function wixErrorText(body: unknown): string | null {
  const parsed = wixErrorBody.safeParse(body);
  if (!parsed.success) return null;
  const app = parsed.data.details?.applicationError;
  if (app?.code || app?.description) return `${app.code ?? 'ERROR'}: ${app.description ?? parsed.data.message ?? ''}`;
  return parsed.data.message ?? null;
}
