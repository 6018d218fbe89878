import { createGenericSimulator } from '../../../simulators/generic/index.ts';
import { demoCatalogue } from '../../demo/catalogue.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { apiKey: 'demo-generic-api-key' };

/** The generic shop of the demo: every demo product listed, by its SKU, with no stock yet. */
export const genericDemo: DemoSeed = {
  credentials,
  simulator() {
    const sim = createGenericSimulator({ apiKey: credentials.apiKey });
    for (const [i, p] of demoCatalogue.entries())
      sim.add({ id: `L${i + 1}`, sku: p.sku, ean: p.ean, name: p.name, quantity: 0 });
    return { sim };
  },
};
