import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLamodaSimulator } from '../../../simulators/lamoda/index.ts';
import { startEngine } from '../../engine/start.ts';
import { waitFor } from '../../engine/test-fixtures/wait.ts';
import { describeEachDatabase, testKinds, useTestDatabase } from '../../test/databases.ts';
import { startTestServer, testHub, type TestServer } from '../../test/server.ts';
import { createAccount, requireMasterKey } from '../core/accounts.ts';
import { setStockRule } from '../core/availability.ts';
import { syncAccount } from '../core/sync.ts';
import { seedCatalog } from '../core/testing.ts';
import { registry } from '../registry.ts';

/**
 * Seed 004 §3 against the Lamoda simulators: the RU shop's catalog, synced into Sklad, goes to
 * the KZ shop as ProductCreate feeds; the job follows each by its RequestId (FeedStatus) and
 * keeps the one per-SKU error the KZ shop was told to give. Then `sklad lamoda export` does
 * the same from the command line and writes the XLSX file beside it.
 */

const RU = { userId: 'seller@lamoda.ru.example', apiKey: 'lamoda-ru-api-key-0001' };
const KZ = { userId: 'seller@lamoda.kz.example', apiKey: 'lamoda-kz-api-key-0001' };

/** Two Lamoda shops and, in Sklad, the RU account synced (its listings matched) and the KZ account. */
function useLamodaShops(options: { skuPrefix: string }) {
  const ru = createLamodaSimulator({ shop: 'ru' });
  const kz = createLamodaSimulator({ shop: 'kz' });
  const ruSeller = ru.addSeller(RU);
  const kzSeller = kz.addSeller(KZ);
  const servers: { url: string; close(): Promise<void> }[] = [];
  const skus = Array.from({ length: 6 }, (_, i) => `${options.skuPrefix}${i + 1}`);
  for (const sku of skus) ruSeller.addProduct({ sellerSku: sku, name: `Платье ${sku}`, quantity: 0, price: '1290.00' });
  const state = { ruServer: '', kzServer: '' };
  beforeAll(async () => {
    for (const sim of [ru, kz]) servers.push(await sim.listen());
    [state.ruServer, state.kzServer] = servers.map((s) => s.url);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });
  return { ruSeller, kzSeller, skus, state };
}

/** Sklad's side: the products (one without a category), the accounts, the RU sync; answers the two account ids. */
async function seedSklad(
  hub: ReturnType<typeof testHub>,
  urls: { ruServer: string; kzServer: string },
  skuPrefix: string,
) {
  await seedCatalog(hub.db, { count: 6, skuPrefix, stock: () => 5 });
  await hub.db.execute(sql`
    update products set attributes = jsonb_build_object('brand', 'Zarina', 'primary_category', 'Платья', 'price_minor', 129000, 'colour', 'синий')
     where sku <> ${`${skuPrefix}6`}`);
  await hub.db.execute(
    sql`update products set attributes = '{"brand": "Zarina", "price_minor": 99000}'::jsonb where sku = ${`${skuPrefix}6`}`,
  );
  const key = requireMasterKey(hub.masterKey);
  const ru = await createAccount(
    hub.db,
    key,
    { channel: 'lamoda', name: 'Lamoda RU', baseUrl: urls.ruServer, credentials: RU, settings: { currency: 'RUB' } },
    'test',
  );
  const kz = await createAccount(
    hub.db,
    key,
    { channel: 'lamoda', name: 'Lamoda KZ', baseUrl: urls.kzServer, credentials: KZ, settings: { currency: 'KZT' } },
    'test',
  );
  await setStockRule(hub.db, ru.id, { warehouse_ids: [], safety_buffer: 1, max_quantity: null }, 'test');
  await syncAccount(hub, ru.id);
  return { ru: ru.id, kz: kz.id };
}

describeEachDatabase('Lamoda catalog export, RU → KZ', (t) => {
  const shops = useLamodaShops({ skuPrefix: 'LM-' });
  let server: TestServer;
  let stopEngine: (() => Promise<void>) | undefined;
  let accounts: { ru: number; kz: number };

  beforeAll(async () => {
    server = await startTestServer(t.database);
    accounts = await seedSklad(server.hub, shops.state, 'LM-');
    shops.kzSeller.feedErrors.set('LM-3', 'Brand Zarina is not allowed in Kazakhstan');
    shops.kzSeller.feedWarnings.set('LM-2', 'Quantity is above the warehouse limit');
    stopEngine = await startEngine(server.hub);
  });
  afterAll(async () => {
    await stopEngine?.();
    await server?.close();
  });

  it('creates the products in the KZ shop through ProductCreate feeds and keeps its per-SKU error and warning', async () => {
    const started = await server.api('/api/v1/exports/catalog', {
      method: 'POST',
      json: { from: accounts.ru, to: accounts.kz },
    });
    expect(started.status).toBe(202);
    const done = await waitFor('the export to finish', async () => {
      const view = (await server.api(`/api/v1/exports/catalog/${started.body.id}`)).body;
      return view.state === 'finished' ? view : null;
    });
    // The feed's id is SellerCenter's RequestId (a UUID), as the KZ shop knows it.
    expect(done.feeds).toHaveLength(1);
    expect([...shops.kzSeller.feeds.keys()]).toEqual([done.feeds[0].feed_id]);
    expect(done.counts).toEqual({ products: 6, invalid: 1, sent: 5, processed: 5, failed: 1, warnings: 1 });
    expect(done.errors).toEqual([
      {
        sku: 'LM-6',
        field: 'PrimaryCategory',
        message: 'no value for the required column PrimaryCategory',
        feed_id: null,
      },
      {
        sku: 'LM-3',
        field: null,
        message: 'Brand Zarina is not allowed in Kazakhstan',
        feed_id: done.feeds[0].feed_id,
      },
    ]);
    expect(done.warnings).toEqual([
      { sku: 'LM-2', field: null, message: 'Quantity is above the warehouse limit', feed_id: done.feeds[0].feed_id },
    ]);

    // The KZ shop has the four it accepted, as Sklad and the RU account describe them.
    expect([...shops.kzSeller.products.keys()].sort()).toEqual(['LM-1', 'LM-2', 'LM-4', 'LM-5']);
    expect(shops.kzSeller.products.get('LM-1')).toMatchObject({
      name: 'Product LM-1',
      brand: 'Zarina',
      primaryCategory: 'Платья',
      price: '1290.00',
      quantity: 4,
    });
    const sent = [...shops.kzSeller.feeds.values()][0].records;
    expect(sent[0]).toMatchObject({
      SellerSku: 'LM-1',
      Price: '1290.00',
      Quantity: '4',
      ProductData: { Color: 'синий' },
    });
  });
});

// The command runs on its own connections to the database, as `sklad` would: PostgreSQL only (PGlite is one process's).
describe.runIf(testKinds().includes('postgres'))('sklad lamoda export', () => {
  const t = useTestDatabase('postgres');
  const shops = useLamodaShops({ skuPrefix: 'CLI-' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-lamoda-export-'));
  const env = { ...process.env };
  let hub: ReturnType<typeof testHub>;
  let accounts: { ru: number; kz: number };

  beforeAll(async () => {
    hub = testHub(t.database);
    accounts = await seedSklad(hub, shops.state, 'CLI-');
    Object.assign(process.env, {
      DATABASE_URL: t.url,
      SKLAD_MASTER_KEY: hub.masterKey!.toString('base64'),
      LOG_LEVEL: 'silent',
    });
  });
  afterAll(() => {
    process.env = env;
    process.exitCode = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sklad = (...args: string[]) => {
    const program = new Command('sklad').exitOverride();
    for (const m of registry) m.cli?.(program);
    return program.parseAsync(['node', 'sklad', 'lamoda', 'export', ...args]);
  };

  it('writes the XLSX file with Lamoda’s Russian headers, sends the feeds, and exits 1 for the products not sent or refused', async () => {
    shops.kzSeller.feedErrors.set('CLI-2', 'Category Платья is closed');
    const out = path.join(dir, 'kz.xlsx');
    await sklad('--from', String(accounts.ru), '--to', String(accounts.kz), '--format', 'xlsx', '--out', out);
    expect(process.exitCode).toBe(1);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const sheet = workbook.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1, 5)).toEqual([
      'Артикул продавца',
      'Артикул родительского товара',
      'Название товара',
      'Бренд',
    ]);
    expect(sheet.rowCount).toBe(7);
    expect(sheet.getRow(2).getCell(10).value).toBe(1290);
    expect([...shops.kzSeller.products.keys()].sort()).toEqual(['CLI-1', 'CLI-3', 'CLI-4', 'CLI-5']);
    const [exported] = await t.database.query<{
      state: string;
      invalid: number;
      failed: number;
      job_id: number | null;
    }>('select state, invalid, failed, job_id from catalog_exports');
    expect(exported).toEqual({ state: 'finished', invalid: 1, failed: 1, job_id: null });
  });

  it('refuses a target that is no Lamoda account', async () => {
    const shop = {
      channel: 'generic',
      name: 'Shop',
      baseUrl: 'http://127.0.0.1:9',
      credentials: { apiKey: 'generic-key-0001' },
    };
    const generic = await createAccount(hub.db, requireMasterKey(hub.masterKey), shop, 'test');
    await expect(
      sklad('--from', String(accounts.ru), '--to', String(generic.id), '--no-send', '--out', path.join(dir, 'x.csv')),
    ).rejects.toThrow(`account ${generic.id} is a generic account, not a Lamoda one`);
  });
});
