import { sql } from 'drizzle-orm';
import { assembleSklad } from '../src/assembly.ts';
import { runConnectorJob } from '../src/channels/core/jobs.ts';
import { channelsHub } from '../src/channels/core/testing.ts';
import { openDatabase, rows } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { cdekOrdersOf, startDeliveryFixture, unthrottledModules } from '../src/delivery/testing.ts';
import { startWorkers } from '../src/engine/worker.ts';
import { scratchPostgres, type Benchmark, type BenchResult } from './harness.ts';

/**
 * The delivery flow of seed 004 §4 at volume: 1,000 Ozon CDEK postings imported by the Ozon
 * connector → packages → CDEK delivery orders OZ-… → SUCCESSFUL → waybills, on PostgreSQL with
 * the real workers, against the CDEK simulator, which takes PROCESSING_MS to check each order
 * and each print job (its asynchronous states). The module's polite 5 requests a second is
 * lifted (CDEK documents no limit, CONTRACT.md §9): this measures the flow.
 * Packages a second: postings ÷ (last waybill − import start). Waiting: per package, the time
 * from CDEK accepting a request to Sklad seeing its verdict, for the order and the waybill;
 * the simulator forces 2 × PROCESSING_MS of it. Ratio = forced ÷ waited (1 = no waiting beyond
 * what CDEK's states force); the share = waited ÷ each package's whole time.
 */

const POSTINGS = Number(process.env.BENCH_CDEK_POSTINGS ?? 1_000);
const PROCESSING_MS = 150;
const GOAL = 0.7;

async function run(): Promise<BenchResult[]> {
  const scratch = await scratchPostgres('sklad_bench_cdek');
  const database = await openDatabase({ url: scratch.url, poolSize: 12 });
  assembleSklad(unthrottledModules());
  const stops: (() => Promise<void>)[] = [];
  let close = async () => {};
  try {
    await migrate(database);
    const hub = channelsHub(database);
    // A product per posting: core ingestion's parallel chunks would otherwise meet on the same stock rows.
    const f = await startDeliveryFixture(hub, { products: POSTINGS, processingMs: PROCESSING_MS });
    close = f.close;
    for (let i = 0; i < POSTINGS; i++) f.addPosting(i);
    stops.push(startWorkers(hub, { concurrency: 4 }));

    const started = Date.now();
    await runConnectorJob(hub, f.ozonId, 'postings');
    const imported = (Date.now() - started) / 1000;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const [{ done }] = await rows<{ done: number }>(
        hub.db,
        sql`select count(*)::int as done from packages where waybill_url is not null`,
      );
      if (done === POSTINGS) break;
      if (Date.now() > deadline)
        throw new Error(`${POSTINGS - done} of ${POSTINGS} packages have no waybill after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const [t] = await rows<{ seconds: number; waited_ms: number; whole_ms: number; polls: number }>(
      hub.db,
      sql`
      select extract(epoch from max(waybill_at) - ${new Date(started).toISOString()}::timestamptz)::float as seconds,
             sum(extract(epoch from (made_at - accepted_at) + (waybill_at - waybill_requested_at)) * 1000)::float as waited_ms,
             sum(extract(epoch from waybill_at - created_at) * 1000)::float as whole_ms,
             (select count(*)::int from api_calls where method = 'GET') as polls
        from packages`,
    );
    const numbers = await rows<{ number: string }>(hub.db, sql`select number from packages`);
    const doubled = numbers.filter((n) => cdekOrdersOf(f.cdek, n.number).live !== 1).length;
    if (doubled) throw new Error(`${doubled} package(s) do not have exactly one CDEK order`);

    const perSecond = POSTINGS / t.seconds;
    const forcedMs = POSTINGS * 2 * PROCESSING_MS;
    const ratio = forcedMs / t.waited_ms;
    const share = t.waited_ms / t.whole_ms;
    return [
      {
        name: 'cdek-flow',
        metrics: {
          packages_per_s: perSecond.toFixed(1),
          import_s: imported.toFixed(1),
          wait_share: share.toFixed(2),
          waited_ms_per_package: Math.round(t.waited_ms / POSTINGS),
          forced_ms_per_package: 2 * PROCESSING_MS,
        },
        ratio,
        goal: GOAL,
        summary:
          `${POSTINGS} Ozon CDEK postings → waybills in ${t.seconds.toFixed(1)} s on PostgreSQL (${perSecond.toFixed(1)} packages/s; the import itself ${imported.toFixed(1)} s), one CDEK order each; ` +
          `waiting on CDEK's verdicts ${Math.round(t.waited_ms / POSTINGS)} ms a package against the ${2 * PROCESSING_MS} ms its states force ` +
          `(ratio = forced ÷ waited), ${(share * 100).toFixed(0)} % of each package's time; ${t.polls} GET requests in all`,
      },
    ];
  } finally {
    for (const stop of stops.reverse()) await stop();
    await close();
    assembleSklad();
    await database.close();
    await scratch.drop();
  }
}

const benchmark: Benchmark = { name: 'cdek-flow', run };
export default benchmark;
