import { sql } from 'drizzle-orm';
import { createCdekSimulator, type CdekSimulator } from '../../simulators/cdek/index.ts';
import { createOzonSimulator, type OzonSimulator } from '../../simulators/ozon/server.ts';
import {
  OzonState,
  seedOzon,
  type OzonCustomer,
  type OzonDeliveryMethod,
  type OzonPosting,
} from '../../simulators/ozon/state.ts';
import { createAccount, requireMasterKey } from '../channels/core/accounts.ts';
import type { ChannelModule } from '../channels/core/module.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { registry } from '../channels/registry.ts';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { setDeliveryLink, type DeliveryLinkInput } from './links.ts';

/**
 * The delivery flow's fixture for tests and the benchmark: an Ozon simulator whose postings go
 * by a CDEK method, a CDEK simulator, their accounts in Sklad and the link between them.
 */

export const cdekMethod: OzonDeliveryMethod = {
  id: 1_020_000_089_903_000,
  name: 'СДЭК Курьер',
  tplProvider: 'СДЭК',
  tplProviderId: 1_020_000_000_000,
  integration: 'non_integrated',
};
export const cdekKeys = { clientId: 'sklad-test-account', clientSecret: 'sklad-test-secure-password' };
export const linkDefaults = { weight_grams: 800, length_cm: 30, width_cm: 20, height_cm: 10, phone: '+79991234567' };

const cities = [
  ['Москва', 'Москва', 'ул. Тверская, д. 7, кв. 12', '125009'],
  ['Новосибирск', 'Новосибирская область', 'Красный проспект, д. 25', '630099'],
  ['Санкт-Петербург', 'Санкт-Петербург', 'Невский проспект, д. 28', '191186'],
] as const;

/** The i-th buyer, in a city CDEK serves unless one is given (the simulator refuses Певек). */
export function buyer(i: number, city?: { city: string; region: string; address: string }): OzonCustomer {
  const [c, region, address, zip] = cities[i % cities.length];
  return {
    id: 5_000 + i,
    name: `Покупатель ${i}`,
    address: {
      country: 'Россия',
      region: city?.region ?? region,
      city: city?.city ?? c,
      addressTail: city?.address ?? address,
      zipCode: zip,
    },
  };
}

export const refusedTown = { city: 'Певек', region: 'Чукотский автономный округ', address: 'ул. Пугачёва, д. 3' };

/**
 * The registry with each delivery module's client limits lifted: CDEK documents no rate limit
 * (CONTRACT.md §9) and its module keeps a polite 5 a second, which would make these tests and
 * the benchmark measure that instead of the flow.
 */
export const unthrottledModules = (): ChannelModule[] =>
  registry.map((m) =>
    m.delivery
      ? {
          ...m,
          connector: {
            ...m.connector,
            limits: { ...m.connector.limits, requestsPerSecond: 2_000, burst: 500, maxConcurrent: 64 },
          },
        }
      : m,
  );

export interface DeliveryFixture {
  ozon: OzonSimulator;
  cdek: CdekSimulator;
  ozonId: number;
  cdekId: number;
  fbsWarehouseId: number;
  /** A new FBS posting of the i-th product; by CDEK unless `by` says otherwise. */
  addPosting(i: number, options?: { customer?: OzonCustomer; by?: OzonDeliveryMethod | null }): OzonPosting;
  close(): Promise<void>;
}

export async function startDeliveryFixture(
  hub: Hub,
  options: { products?: number; processingMs?: number | null; link?: Partial<DeliveryLinkInput>; name?: string } = {},
): Promise<DeliveryFixture> {
  const products = options.products ?? 10;
  const state = seedOzon(new OzonState(), {
    products,
    offerId: (i) => `DLV-${i}`,
    fboWarehouses: 1,
    fbsWarehouses: 1,
    rfbsWarehouses: 0,
    seed: 3,
  });
  const ozon = createOzonSimulator({ state, requestsPerSecond: 10_000, pairUpdateIntervalMs: 0 });
  const cdek = createCdekSimulator({
    clients: [cdekKeys],
    processingMs: options.processingMs === undefined ? 150 : options.processingMs,
  });
  const [ozonServer, cdekServer] = [await ozon.listen(), await cdek.listen()];
  const masterKey = requireMasterKey(hub.masterKey);
  const name = options.name ?? `${Date.now()}-${Math.random().toString(36).slice(2, 6)}`;
  const [exists] = await rows(hub.db, sql`select 1 from products where sku = 'DLV-1'`);
  if (!exists)
    await seedCatalog(hub.db, { count: products, skuPrefix: 'DLV-', stock: () => 1_000, warehouseCode: 'DLV' });
  const ozonAccount = await createAccount(
    hub.db,
    masterKey,
    {
      channel: 'ozon',
      name: `Ozon ${name}`,
      baseUrl: ozonServer.url,
      credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
      settings: {},
    },
    'test',
  );
  const cdekAccount = await createAccount(
    hub.db,
    masterKey,
    {
      channel: 'cdek',
      name: `CDEK ${name}`,
      baseUrl: cdekServer.url,
      credentials: cdekKeys,
      settings: { shipmentPoint: 'MSK005' },
    },
    'test',
  );
  await setDeliveryLink(
    hub.db,
    ozonAccount.id,
    { delivery_account_id: cdekAccount.id, methods: [String(cdekMethod.id)], defaults: linkDefaults, ...options.link },
    'test',
  );
  const fbs = state.warehouses.find((w) => w.type === 'fbs')!;
  let next = 0;
  return {
    ozon,
    cdek,
    ozonId: ozonAccount.id,
    cdekId: cdekAccount.id,
    fbsWarehouseId: fbs.id,
    addPosting: (i, o = {}) =>
      state.addPosting({
        warehouseId: fbs.id,
        lines: [{ offerId: `DLV-${(i % products) + 1}`, quantity: 1 + (i % 2) }],
        ...(o.by === null ? {} : { deliveryMethod: o.by ?? cdekMethod, customer: o.customer ?? buyer(next++) }),
      }),
    close: async () => void (await Promise.all([ozonServer.close(), cdekServer.close()])),
  };
}

/** CDEK's orders under a number: those it made or is checking, and those it refused. */
export function cdekOrdersOf(cdek: CdekSimulator, number: string): { live: number; refused: number } {
  const all = cdek.state.orders().filter((o) => o.body.number === number);
  const refused = all.filter((o) => o.request.state === 'INVALID').length;
  return { live: all.length - refused, refused };
}
