import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import ExcelJS from 'exceljs';
import { assembleSklad } from '../src/assembly.ts';
import { channelsHub } from '../src/channels/core/testing.ts';
import { openDatabase } from '../src/db/database.ts';
import type { FileFormat } from '../src/exports/files.ts';
import { runImport } from '../src/imports/run.ts';
import { createImport, prepareImport } from '../src/imports/service.ts';
import { ensureWarehouse } from '../src/inventory/movements.ts';
import { channelsBenchHub } from './channels-fixture.ts';
import { childRunner, type Benchmark, type BenchResult } from './harness.ts';

/**
 * Issue 20's bulk import: 50,000 new products with a quantity in two warehouses and a base
 * price, from CSV and from XLSX, into PostgreSQL — read, checked row by row, then applied in one
 * transaction (products, ledger adjustments, prices, their history and outbox messages). Each
 * import runs in a child process of its own, so its peak RSS is the import's; the same import
 * of 5,000 products is the baseline. Memory should stay flat as the file grows: the goal is
 * peak RSS at 50,000 ≤ 1.5 × at 5,000 (the BENCH ratio is 1.5 ÷ growth, a lower bound like
 * the others). The file itself (≤ 10 MB) is held whole, as the upload is.
 *
 * Peak RSS also counts garbage V8 has not yet collected: its first full collection in the import
 * comes at about four times the live heap (docs/decisions/191-bulk-import.md, "Memory"), which a
 * 50,000-row import reaches and a 5,000-row one does not. So each size is imported a second time
 * with a full collection after every 1,000-row chunk, and the largest heap left after one is
 * printed beside it (heap_*_mb): what the import keeps, apart from when V8 tidies up.
 */

const SMALL = 5_000;
const LARGE = 50_000;
const GROWTH_GOAL = 1.5;
const children = childRunner<ChildJob, ChildResult>(import.meta.url, 'SKLAD_IMPORT_BENCH_CHILD', 'the import child');

interface ChildJob {
  url: string;
  file: string;
  /** A full collection after each chunk: the run measures the live heap, not its peak RSS. */
  live?: boolean;
}

interface ChildResult {
  state: string;
  rows: number;
  seconds: number;
  peakRssMb: number;
  /** The largest heapUsed after a full collection (live runs only). */
  liveHeapMb: number;
}

const header = ['sku', 'name', 'colour', 'MAIN', 'SHOP', 'price', 'currency'];
const row = (prefix: string, i: number) => [
  `${prefix}${i}`,
  `Product ${i}`,
  i % 2 ? 'red' : 'blue',
  String(i % 10),
  String(i % 3),
  `${100 + (i % 900)}.90`,
  'RUB',
];

async function writeFile(file: string, format: FileFormat, prefix: string, count: number) {
  if (format === 'csv') {
    const out = fs.createWriteStream(file);
    out.write(`${header.join(';')}\n`);
    for (let i = 1; i <= count; i++)
      if (!out.write(`${row(prefix, i).join(';')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: file,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet('Products');
  sheet.addRow(header).commit();
  for (let i = 1; i <= count; i++) sheet.addRow(row(prefix, i)).commit();
  await workbook.commit();
}

/** In the child: the whole import as `sklad import products FILE` runs it, timed, with its peak memory. */
async function child(job: ChildJob): Promise<ChildResult> {
  assembleSklad();
  const database = await openDatabase({ url: job.url, poolSize: 2, applicationName: 'sklad-bench-import' });
  try {
    const hub = channelsHub(database);
    let liveHeap = 0;
    const progress = job.live ? liveHeapProbe((bytes) => (liveHeap = Math.max(liveHeap, bytes))) : undefined;
    const started = performance.now();
    const id = await createImport(
      hub.db,
      { kind: 'products', fileName: path.basename(job.file), content: fs.readFileSync(job.file) },
      'bench',
    );
    await prepareImport(hub.db, id, undefined);
    const result = await runImport(hub, id, { progress });
    const seconds = (performance.now() - started) / 1000;
    return {
      state: result.state,
      rows: result.counts?.rows ?? 0,
      seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      liveHeapMb: liveHeap / 1024 / 1024,
    };
  } finally {
    await database.close();
  }
}

/** A progress callback that collects all garbage (the child was not started with --expose-gc) and reports the heap left. */
function liveHeapProbe(report: (bytes: number) => void) {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  return () => {
    gc();
    report(process.memoryUsage().heapUsed);
  };
}

const benchmark: Benchmark = {
  name: 'import',
  async run() {
    const env = await channelsBenchHub('sklad_bench_import', { poolSize: 2 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-import-bench-'));
    try {
      for (const code of ['MAIN', 'SHOP'])
        await ensureWarehouse(env.hub.db, { code, name: code, kind: 'own', readOnly: false });
      const results: BenchResult[] = [];
      for (const format of ['csv', 'xlsx'] as const) {
        const measured: Record<number, ChildResult & { mb: number }> = {};
        for (const count of [SMALL, LARGE]) {
          const once = async (live: boolean) => {
            // New SKUs for each file: every row creates a product, a level in each warehouse, a price.
            const file = path.join(dir, `products-${count}-${live ? 'live' : 'peak'}.${format}`);
            await writeFile(file, format, `IMP-${format}-${count}-${live ? 'L' : 'P'}-`, count);
            const result = await children.run({ url: env.url, file, live });
            if (result.state !== 'applied' || result.rows !== count)
              throw new Error(`${format}: ${result.state}, ${result.rows} rows of ${count}`);
            return { ...result, mb: fs.statSync(file).size / 1024 / 1024 };
          };
          const peak = await once(false);
          measured[count] = { ...peak, liveHeapMb: (await once(true)).liveHeapMb };
        }
        const [small, large] = [measured[SMALL], measured[LARGE]];
        const growth = large.peakRssMb / small.peakRssMb;
        const heapGrowth = large.liveHeapMb / small.liveHeapMb;
        const rate = Math.round(large.rows / large.seconds);
        results.push({
          name: `import-${format}`,
          metrics: {
            db: 'postgres',
            rows: LARGE,
            rows_per_s: rate,
            seconds: large.seconds.toFixed(1),
            file_mb: large.mb.toFixed(1),
            rss_5k_mb: Math.round(small.peakRssMb),
            rss_50k_mb: Math.round(large.peakRssMb),
            rss_growth: growth.toFixed(2),
            heap_5k_mb: Math.round(small.liveHeapMb),
            heap_50k_mb: Math.round(large.liveHeapMb),
            heap_growth: heapGrowth.toFixed(2),
          },
          ratio: GROWTH_GOAL / growth,
          goal: 1,
          summary:
            `${LARGE} products with stock in 2 warehouses and a price from ${format.toUpperCase()} (${large.mb.toFixed(1)} MB) at ${rate} rows/s ` +
            `(${large.seconds.toFixed(1)} s, checked then applied in one transaction); peak RSS ${Math.round(large.peakRssMb)} MB against ` +
            `${Math.round(small.peakRssMb)} MB for ${SMALL} (×${growth.toFixed(2)}, goal ≤ ×${GROWTH_GOAL}); live heap after a full collection ` +
            `${Math.round(large.liveHeapMb)} MB against ${Math.round(small.liveHeapMb)} MB (×${heapGrowth.toFixed(2)})`,
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
