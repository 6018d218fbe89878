import { createCdekSimulator } from '../../../simulators/cdek/index.ts';
import type { DemoSeed } from '../core/module.ts';

const credentials = { clientId: 'demo-cdek-account', clientSecret: 'demo-cdek-secure-password' };

/** The demo's CDEK: no orders yet (the delivery flow makes them), and one city it refuses to serve, to show a refusal. */
export const cdekDemo: DemoSeed = {
  credentials,
  simulator() {
    return { sim: createCdekSimulator({ clients: [credentials], unsupportedCities: ['Певек'] }) };
  },
  settings: () => ({ tariffCode: 136, shipmentPoint: 'MSK005' }),
};
