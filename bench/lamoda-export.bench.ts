import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lamodaCatalogFeed } from '../src/channels/lamoda/catalog-feed.ts';
import { importListings, matchListings } from '../src/channels/core/listings.ts';
import { createGenericAccount, seedCatalog } from '../src/channels/core/testing.ts';
import { openDatabase } from '../src/db/database.ts';
import { writeCatalogFile, type FileFormat } from '../src/exports/files.ts';
import { catalogProducts } from '../src/exports/products.ts';
import { channelsBenchHub } from './channels-fixture.ts';
import { childRunner, type Benchmark, type BenchResult } from './harness.ts';

/**
 * Seed 004 §3's export file, 50,000 products: Lamoda's columns to XLSX (exceljs's streaming
 * writer) and CSV (csv-stringify), read from PostgreSQL in pages. Each file is written by a
 * child process of its own, so its peak RSS is the export's and nothing else's; the same
 * export of 5,000 products is the baseline. A streamed export's memory does not grow with the
 * catalog: the goal is peak RSS at 50,000 ≤ 1.2 × at 5,000 (the BENCH ratio is 1.2 ÷ growth,
 * so it reads as a lower bound like the others).
 */

const SMALL = 5_000;
const LARGE = 50_000;
const GROWTH_GOAL = 1.2;
const children = childRunner<ChildJob, ChildResult>(import.meta.url, 'SKLAD_EXPORT_BENCH_CHILD', 'the export child');
/** Each export runs this many times, the best kept: a neighbour's burst on a shared machine only ever adds time and memory. */
const RUNS = 2;

interface ChildJob {
  url: string;
  accountId: number;
  format: FileFormat;
  file: string;
}

interface ChildResult {
  rows: number;
  seconds: number;
  peakRssMb: number;
}

/** In the child: writes the file and says how long it took and how much memory it held at most. */
async function child(job: ChildJob): Promise<ChildResult> {
  const database = await openDatabase({ url: job.url, poolSize: 2, applicationName: 'sklad-bench-export' });
  try {
    const started = performance.now();
    const rows = await writeCatalogFile(
      fs.createWriteStream(job.file),
      catalogProducts(database.db, job.accountId),
      lamodaCatalogFeed.columns,
      { format: job.format, separator: ';' },
    );
    const seconds = (performance.now() - started) / 1000;
    return { rows, seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await database.close();
  }
}

/** Two source accounts: one listing the first 5,000 products, one listing all 50,000 (brand, category and price set). */
async function seedSources(hub: Awaited<ReturnType<typeof channelsBenchHub>>['hub']) {
  const { skus } = await seedCatalog(hub.db, { count: LARGE, skuPrefix: 'LMX-', stock: (n) => n % 17 });
  await hub.database.query(`
    update products set attributes = jsonb_build_object('brand', 'Zarina', 'primary_category', 'Платья', 'price_minor', 100000 + id, 'colour', 'синий', 'size', 'M')`);
  const accounts: Record<number, number> = {};
  for (const count of [SMALL, LARGE]) {
    const id = await createGenericAccount(hub, {
      name: `Lamoda RU ${count}`,
      baseUrl: 'http://127.0.0.1:9',
      apiKey: 'bench-export-key',
    });
    for (let i = 0; i < count; i += 10_000) {
      await importListings(
        hub.db,
        id,
        skus
          .slice(i, Math.min(count, i + 10_000))
          .map((sku) => ({ externalId: sku, sku, data: { shopSku: `SHOP-${sku}` } })),
      );
    }
    await matchListings(hub.db, id);
    accounts[count] = id;
  }
  await hub.database.query('analyze listings, products');
  return accounts;
}

const benchmark: Benchmark = {
  name: 'lamoda-export',
  async run() {
    const env = await channelsBenchHub('sklad_bench_export');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-export-bench-'));
    try {
      const accounts = await seedSources(env.hub);
      const results: BenchResult[] = [];
      for (const format of ['csv', 'xlsx'] as const) {
        const measured: Record<number, ChildResult> = {};
        for (const count of [SMALL, LARGE]) {
          const job = {
            url: env.url,
            accountId: accounts[count],
            format,
            file: path.join(dir, `catalog-${count}.${format}`),
          };
          const runs = [];
          for (let i = 0; i < RUNS; i++) runs.push(await children.run(job));
          if (runs.some((r) => r.rows !== count))
            throw new Error(`${format}: ${runs.map((r) => r.rows).join(', ')} rows written of ${count}`);
          measured[count] = {
            rows: count,
            seconds: Math.min(...runs.map((r) => r.seconds)),
            peakRssMb: Math.min(...runs.map((r) => r.peakRssMb)),
          };
        }
        const small = measured[SMALL];
        const large = measured[LARGE];
        const growth = large.peakRssMb / small.peakRssMb;
        const sizeMb = fs.statSync(path.join(dir, `catalog-${LARGE}.${format}`)).size / 1024 / 1024;
        results.push({
          name: `lamoda-export-${format}`,
          metrics: {
            db: 'postgres',
            rows: LARGE,
            rows_per_s: Math.round(large.rows / large.seconds),
            file_mb: sizeMb.toFixed(1),
            rss_5k_mb: Math.round(small.peakRssMb),
            rss_50k_mb: Math.round(large.peakRssMb),
            rss_growth: growth.toFixed(2),
          },
          ratio: GROWTH_GOAL / growth,
          goal: 1,
          summary:
            `${LARGE} products to ${format.toUpperCase()} at ${Math.round(large.rows / large.seconds)} rows/s (${sizeMb.toFixed(1)} MB); ` +
            `peak RSS ${Math.round(large.peakRssMb)} MB against ${Math.round(small.peakRssMb)} MB for ${SMALL} (×${growth.toFixed(2)}, goal ≤ ×${GROWTH_GOAL})`,
        });
      }
      return results;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await env.close();
    }
  },
};
export default benchmark;

await children.serve(child);
