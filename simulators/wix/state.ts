import crypto from 'node:crypto';

/**
 * What the Wix Stores simulator knows: several sites (each with its API key, as the
 * `wix-site-id` header and `Authorization` select them), each with Catalog V1 products whose
 * variants carry the inventory. A product without options has the one default variant Wix
 * gives it, id 00000000-0000-0000-0000-000000000000.
 */

export const DEFAULT_VARIANT_ID = '00000000-0000-0000-0000-000000000000';

export interface WixVariant {
  id: string;
  sku: string;
  choices: Record<string, string>;
  quantity: number;
  trackQuantity: boolean;
  inStock: boolean;
}

export interface WixProduct {
  id: string;
  name: string;
  sku: string;
  /** True when the product has options, each combination a variant with its own SKU and stock. */
  manageVariants: boolean;
  variants: WixVariant[];
  price: number;
  lastUpdated: string;
  numericId: string;
}

export interface WixSite {
  id: string;
  apiKey: string;
  products: Map<string, WixProduct>;
}

export class WixState {
  readonly sites = new Map<string, WixSite>();
  private numeric = 1_598_904_314_932_000;

  addSite(id: string = crypto.randomUUID(), apiKey = `IST.${crypto.randomBytes(24).toString('base64url')}`): WixSite {
    const site = { id, apiKey, products: new Map<string, WixProduct>() };
    this.sites.set(id, site);
    return site;
  }

  site(id: string): WixSite {
    const site = this.sites.get(id);
    if (!site) throw new Error(`No Wix site ${id}`);
    return site;
  }

  /** A product; `options` makes one variant per value (SKU `${sku}-${value}`), else the default variant. */
  addProduct(
    siteId: string,
    input: { name: string; sku: string; quantity?: number; options?: string[]; trackQuantity?: boolean },
  ): WixProduct {
    const quantity = input.quantity ?? 0;
    const trackQuantity = input.trackQuantity ?? true;
    const variants: WixVariant[] = input.options?.length
      ? input.options.map((value) => ({
          id: crypto.randomUUID(),
          sku: `${input.sku}-${value}`,
          choices: { Size: value },
          quantity,
          trackQuantity,
          inStock: !trackQuantity || quantity > 0,
        }))
      : [
          {
            id: DEFAULT_VARIANT_ID,
            sku: input.sku,
            choices: {},
            quantity,
            trackQuantity,
            inStock: !trackQuantity || quantity > 0,
          },
        ];
    const product: WixProduct = {
      id: crypto.randomUUID(),
      name: input.name,
      sku: input.sku,
      manageVariants: Boolean(input.options?.length),
      variants,
      price: 99.9,
      lastUpdated: new Date().toISOString(),
      numericId: String(this.numeric++),
    };
    this.site(siteId).products.set(product.id, product);
    return product;
  }

  /** The quantity of the variant with this SKU on a site (tests read the outcome of a push here). */
  quantityOf(siteId: string, sku: string): number | undefined {
    for (const p of this.site(siteId).products.values()) {
      const v = p.variants.find((x) => x.sku === sku);
      if (v) return v.quantity;
    }
    return undefined;
  }
}

/** Many products for tests and benchmarks: SKU `${skuPrefix}${i}`; `withOptions` every n-th gets sizes S/M/L. */
export function seedWix(
  state: WixState,
  siteId: string,
  options: { products: number; skuPrefix?: string; quantity?: number; withOptionsEvery?: number },
): WixProduct[] {
  const made: WixProduct[] = [];
  for (let i = 1; i <= options.products; i++) {
    const sized = options.withOptionsEvery !== undefined && i % options.withOptionsEvery === 0;
    made.push(
      state.addProduct(siteId, {
        name: `Product ${i}`,
        sku: `${options.skuPrefix ?? 'SKU-'}${i}`,
        quantity: options.quantity ?? 0,
        options: sized ? ['S', 'M', 'L'] : undefined,
      }),
    );
  }
  return made;
}
