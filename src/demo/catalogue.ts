import { gtinCheckDigit } from '../catalog/ean.ts';

/**
 * The demo's one catalogue: the same SKUs are Sklad's products and every channel's
 * listings (each channel's demo seed, src/channels/<name>/demo.ts, lists them by its own
 * kind of SKU), so the first sync matches them all. EANs are in GS1's 200 range (for use
 * inside one company), so no demo code can be mistaken for a real product's.
 */

export interface DemoProduct {
  sku: string;
  name: string;
  ean: string;
  /** Units received into the demo warehouse. */
  stock: number;
  /** Price in rubles; a channel's demo seed converts it to its own currency. */
  priceRub: number;
  attributes: Record<string, string | number>;
}

const ean13 = (n: number) => {
  const body = `200000000${String(n).padStart(3, '0')}`;
  return `${body}${gtinCheckDigit(body)}`;
};

const rows: [
  sku: string,
  name: string,
  stock: number,
  priceRub: number,
  attributes: Record<string, string | number>,
][] = [
  ['DEMO-MUG-RED', 'Demo mug, red, 350 ml', 40, 590, { colour: 'red', volume_ml: 350 }],
  ['DEMO-MUG-BLUE', 'Demo mug, blue, 350 ml', 35, 590, { colour: 'blue', volume_ml: 350 }],
  ['DEMO-TEE-S', 'Demo T-shirt, white, S', 25, 1290, { colour: 'white', size: 'S' }],
  ['DEMO-TEE-M', 'Demo T-shirt, white, M', 30, 1290, { colour: 'white', size: 'M' }],
  ['DEMO-TEE-L', 'Demo T-shirt, white, L', 20, 1290, { colour: 'white', size: 'L' }],
  ['DEMO-CAP-BLACK', 'Demo cap, black', 30, 890, { colour: 'black' }],
  ['DEMO-BOTTLE-500', 'Demo water bottle, 500 ml', 50, 790, { volume_ml: 500 }],
  ['DEMO-NOTEBOOK-A5', 'Demo notebook, A5, dotted', 60, 450, { format: 'A5' }],
  ['DEMO-PEN-SET', 'Demo pen set, 3 pcs', 80, 350, { pieces: 3 }],
  ['DEMO-TOTE-BAG', 'Demo tote bag, canvas', 25, 990, { material: 'canvas' }],
  ['DEMO-SOCKS-42', 'Demo socks, size 42', 45, 290, { size: 42 }],
  // Few on purpose (several channels sell them): the dashboard and the bot have a low stock to show.
  ['DEMO-LAMP-DESK', 'Demo desk lamp, LED', 12, 2490, { power_w: 7 }],
];

export const demoCatalogue: DemoProduct[] = rows.map(([sku, name, stock, priceRub, attributes], i) => ({
  sku,
  name,
  ean: ean13(i + 1),
  stock,
  priceRub,
  attributes,
}));

export const DEMO_WAREHOUSE = { code: 'DEMO', name: 'Demo warehouse' } as const;

/** Who the demo's changes are by, in history and the ledger. */
export const DEMO_ACTOR = 'demo';
