import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assembleSklad } from '../assembly.ts';
import { setStockRule } from '../channels/core/availability.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { registry } from '../channels/registry.ts';
import { rows } from '../db/database.ts';
import { startEngine } from '../engine/start.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { addAccount, feedShop, feedShopModule, listSkus, SHOP_TOKEN } from './testing.ts';

/**
 * The export end to end, on both databases: products the source account lists are read in
 * pages, those with an empty required column are listed and never sent, the rest go to a
 * channel no file of Sklad knows in feeds of its batch size, and the job follows each feed
 * to the end, keeping the channel's per-SKU errors and warnings. Then the API's refusals.
 */

describeEachDatabase('catalog export', (t) => {
  const shop = feedShop();
  let shopServer: Awaited<ReturnType<typeof shop.listen>>;
  let server: TestServer;
  let stopEngine: (() => Promise<void>) | undefined;
  let source: number;
  let target: number;
  let skus: string[];

  beforeAll(async () => {
    assembleSklad([...registry, feedShopModule]);
    shopServer = await shop.listen();
    server = await startTestServer(t.database);
    const { hub } = server;
    // 8 listed products with 10 units each; EXP-4 and EXP-7 have no brand; EXP-9 is not listed; EXP-8 has none in stock.
    const catalog = await seedCatalog(hub.db, { count: 9, skuPrefix: 'EXP-', stock: (n) => (n === 8 ? 0 : 10) });
    skus = catalog.skus;
    await hub.db.execute(
      sql`update products set attributes = '{"brand": "Zarina"}'::jsonb where sku not in ('EXP-4', 'EXP-7')`,
    );
    source = await addAccount(hub, 'generic', 'Lamoda RU', 'http://127.0.0.1:9', { apiKey: 'generic-key-0001' });
    target = await addAccount(hub, 'feedshop', 'Lamoda KZ', shopServer.url, { token: SHOP_TOKEN });
    await listSkus(hub, source, skus.slice(0, 8));
    // The source shows what its stock rule gives: 10 units less a safety buffer of 2.
    await setStockRule(hub.db, source, { warehouse_ids: [], safety_buffer: 2, max_quantity: null }, 'test');
    shop.refuse('EXP-5', 'Brand "Zarina" is not allowed in this category');
    stopEngine = await startEngine(hub);
  });
  afterAll(async () => {
    await stopEngine?.();
    await server?.close();
    await shopServer?.close();
    assembleSklad();
  });

  const exportOf = async (id: number) => (await server.api(`/api/v1/exports/catalog/${id}`)).body;

  it('lists products with an empty required column, sends the rest in batches, and follows every feed to the end', async () => {
    // The first send fails (the shop is unavailable): the engine retries the job, which goes on where it stopped.
    shop.failNextSends(1);
    const started = await server.api('/api/v1/exports/catalog', {
      method: 'POST',
      json: { from: source, to: target, format: 'xlsx' },
    });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: expect.any(Number), job_id: expect.any(Number) });
    const done = await waitFor('the export to finish', async () => {
      const view = await exportOf(started.body.id);
      return view.state === 'finished' ? view : null;
    });

    // Sent: the 6 listed products with a brand, each once, in feeds of the module's 3, with the source's quantities.
    expect(shop.rows()).toEqual(
      ['EXP-1', 'EXP-2', 'EXP-3', 'EXP-5', 'EXP-6', 'EXP-8'].map((sku) => ({
        SellerSku: sku,
        Name: `Product ${sku}`,
        Brand: 'Zarina',
        Quantity: sku === 'EXP-8' ? '0' : '8',
      })),
    );
    expect(done.counts).toEqual({ products: 8, invalid: 2, sent: 6, processed: 6, failed: 1, warnings: 1 });
    expect(
      done.feeds.map((f: { feed_id: string; state: string; total: number }) => [f.feed_id, f.state, f.total]),
    ).toEqual([
      ['feed-1', 'finished', 3],
      ['feed-2', 'finished', 3],
    ]);
    // Not sent, by SKU and field; then what the channel said, by feed.
    expect(done.errors).toEqual([
      { sku: 'EXP-4', field: 'Brand', message: 'no value for the required column Brand', feed_id: null },
      { sku: 'EXP-7', field: 'Brand', message: 'no value for the required column Brand', feed_id: null },
      { sku: 'EXP-5', field: null, message: 'Brand "Zarina" is not allowed in this category', feed_id: 'feed-2' },
    ]);
    expect(done.errors_total).toBe(3);
    expect(done.warnings).toEqual([
      { sku: 'EXP-8', field: null, message: 'the quantity is 0: the product is not shown', feed_id: 'feed-2' },
    ]);
    expect(done.format).toBe('xlsx');
    expect(done.finished_at).not.toBeNull();

    // The job failed once (the shop's 503) and then succeeded; its progress says what the channel processed.
    const job = (await server.api(`/api/v1/jobs/${started.body.job_id}`)).body;
    expect(job).toMatchObject({ status: 'succeeded', attempts: 2, progress: { done: 6, total: 6 } });
    expect(job.errors[0].error).toMatch(/503/);
    // The runs are in the target's sync history, the refusal among their problems.
    const [run] = await rows<{ status: string; pushed: number; problems: { message: string }[] }>(
      server.hub.db,
      sql`
      select status, pushed, problems from sync_runs where type = 'catalog.export' and status <> 'failed'`,
    );
    expect(run.status).toBe('partial');
    expect(run.problems.map((p) => p.message)).toContain(
      'EXP-5 feed-2: Brand "Zarina" is not allowed in this category',
    );
  });

  it('downloads the listed products as CSV with each separator and as XLSX, in the target channel’s columns', async () => {
    for (const [separator, param] of [
      [';', ';'],
      [',', ','],
      ['\t', 'tab'],
    ]) {
      const res = await fetch(
        `${server.baseUrl}/api/v1/exports/catalog.csv?account=${source}&to=${target}&separator=${encodeURIComponent(param)}`,
        {
          headers: { 'x-api-secret-key': server.adminKey },
        },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="catalog-${source}.csv"`);
      const text = await res.text();
      expect(text.split('\n')[0]).toBe(['SellerSku', 'Name', 'Brand', 'Quantity'].join(separator));
      const records = parse(text, { delimiter: separator, columns: true }) as Record<string, string>[];
      // Every listed product, those with an empty brand too: the seller fills them in before uploading.
      expect(records.map((r) => r.SellerSku)).toEqual(skus.slice(0, 8));
      expect(records[3]).toEqual({ SellerSku: 'EXP-4', Name: 'Product EXP-4', Brand: '', Quantity: '8' });
    }
    const res = await fetch(`${server.baseUrl}/api/v1/exports/catalog.xlsx?account=${source}&to=${target}`, {
      headers: { 'x-api-secret-key': server.adminKey },
    });
    expect(res.status).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await res.arrayBuffer());
    const sheet = workbook.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['Артикул', 'Название', 'Бренд', 'Количество']);
    expect((sheet.getRow(2).values as unknown[]).slice(1)).toEqual(['EXP-1', 'Product EXP-1', 'Zarina', 8]);
    expect(sheet.rowCount).toBe(9);
  });

  it('refuses an unknown account (404, naming it) and a target whose channel takes no feed (409, saying why), starting nothing', async () => {
    const jobsBefore = await rows<{ n: number }>(
      server.hub.db,
      sql`select count(*)::int as n from jobs where type = 'catalog.export'`,
    );
    const unknown = await server.api('/api/v1/exports/catalog', { method: 'POST', json: { from: 987654, to: target } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      code: 'ACCOUNT_NOT_FOUND',
      message: 'Channel account 987654 does not exist',
      details: { account_id: 987654 },
    });

    const noFeed = await server.api('/api/v1/exports/catalog', { method: 'POST', json: { from: target, to: source } });
    expect(noFeed.status).toBe(409);
    expect(noFeed.body.error.code).toBe('NO_CATALOG_FEED');
    expect(noFeed.body.error.message).toBe(
      `Account ${source} is on generic, which takes no catalog feed: export to an account on lamoda, feedshop`,
    );

    const file = await server.api(`/api/v1/exports/catalog.csv?account=${source}`);
    expect(file.status).toBe(409);
    expect(file.body.error.code).toBe('NO_CATALOG_FEED');
    expect((await server.api(`/api/v1/exports/catalog.xlsx?account=${source}&to=55555`)).body.error.code).toBe(
      'ACCOUNT_NOT_FOUND',
    );
    expect((await server.api('/api/v1/exports/catalog/99999')).status).toBe(404);
    expect(
      (
        await server.api('/api/v1/exports/catalog', {
          method: 'POST',
          json: { from: source, to: target, format: 'pdf' },
        })
      ).status,
    ).toBe(400);

    const jobsAfter = await rows<{ n: number }>(
      server.hub.db,
      sql`select count(*)::int as n from jobs where type = 'catalog.export'`,
    );
    expect(jobsAfter[0].n).toBe(jobsBefore[0].n);
  });
});
