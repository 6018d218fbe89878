import crypto from 'node:crypto';
import { createWixSimulator, WixState } from '../../../simulators/wix/index.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { apiKey: 'IST.demo-wix-api-key', siteId: 'd3e0d3e0-0000-4000-8000-000000000001' };

/** The shop sells in dollars: about a ninetieth of the ruble price, in cents. */
const centsOf = (priceRub: number) => Math.round((priceRub / 90) * 100);

/** The T-shirts are one Wix product with a Size option, as a shop would list them. */
const sizedProduct = { sku: 'DEMO-TEE', name: 'Demo T-shirt, white', sizes: ['S', 'M', 'L'] } as const;

/** A UUID made from a name, so a Wix product keeps its id from one start to the next. */
function stableUuid(name: string): string {
  const hex = crypto.createHash('sha256').update(`sklad-demo:${name}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The demo's Wix site: the T-shirts as one product with a Size option, every other demo product on its own. */
export const wixDemo: DemoSeed = {
  credentials,
  simulator() {
    const state = new WixState();
    const site = state.addSite(credentials.siteId, credentials.apiKey);
    const bySku = new Map(demoCatalogue.map((p) => [p.sku, p]));
    const sized = new Set(sizedProduct.sizes.map((s) => `${sizedProduct.sku}-${s}`));
    const add = (input: Parameters<WixState['addProduct']>[1]) => {
      const product = state.addProduct(site.id, input);
      // The simulator draws random ids; the demo's must survive a restart, so they are made from the SKU.
      site.products.delete(product.id);
      product.id = stableUuid(`wix:${input.sku}`);
      if (product.manageVariants) for (const v of product.variants) v.id = stableUuid(`wix:${v.sku}`);
      site.products.set(product.id, product);
      product.price = centsOf((bySku.get(input.sku) ?? bySku.get(`${input.sku}-M`))!.priceRub) / 100;
    };
    add({ name: sizedProduct.name, sku: sizedProduct.sku, options: [...sizedProduct.sizes], quantity: 0 });
    for (const p of demoCatalogue) if (!sized.has(p.sku)) add({ name: p.name, sku: p.sku, quantity: 0 });
    return { sim: createWixSimulator({ state }) };
  },
  price: (p) => ({ amount: centsOf(p.priceRub), currency: 'USD' }),
};
