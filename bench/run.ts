import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assembleSklad } from '../src/assembly.ts';
import { benchLine, type Benchmark } from './harness.ts';
import { compareRuns, describeMachine, latestTable, writeSummary } from './results.ts';

assembleSklad();

/**
 * `npm run bench` runs every bench/*.bench.ts; `npm run bench -- stock` only those whose name
 * contains "stock". Each prints one `BENCH <name> key=value … ratio=<r> goal=<g>` line per result
 * and writes its run's JSON summary to bench/results/ (bench/results.ts).
 * `npm run bench -- --compare A B` compares two summaries (a file, or a bench's name for its
 * `-latest`); `npm run bench:table` prints the README's table of the latest figures.
 */
const dir = path.dirname(fileURLToPath(import.meta.url));
const [command, ...rest] = process.argv.slice(2);
if (command === '--compare') {
  if (rest.length !== 2) {
    console.error('Usage: npm run bench -- --compare <A.json|bench> <B.json|bench>');
    process.exit(1);
  }
  console.log(compareRuns(rest[0], rest[1]));
  process.exit(0);
}
if (command === '--table') {
  // The README's benchmark table rows of the latest figures, each with the machine it came from.
  console.log(latestTable());
  process.exit(0);
}
const only = command;
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.replace(/\.bench\.ts$/, '').includes(only))
  .sort();

if (!files.length) {
  console.error(only ? `No benchmark matches "${only}"` : 'No benchmarks in bench/');
  process.exit(1);
}

let failed = false;
for (const file of files) {
  const bench = (await import(pathToFileURL(path.join(dir, file)).href)).default as Benchmark;
  const startedAt = new Date().toISOString();
  const machine = await describeMachine();
  const started = performance.now();
  try {
    const results = await bench.run();
    for (const result of results) {
      console.log(benchLine(result));
      console.log(`  ${result.summary}${result.ratio >= result.goal ? '' : ' (below the goal)'}`);
    }
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    console.log(`  ${bench.name} took ${seconds.toFixed(1)} s`);
    const file = writeSummary({
      bench: bench.name,
      startedAt,
      seconds,
      machine,
      results: results.map((r) => ({ ...r, metGoal: r.ratio >= r.goal })),
    });
    console.log(`  summary: ${path.relative(process.cwd(), file)}`);
  } catch (error) {
    failed = true;
    console.error(`${bench.name} failed:`, error);
  }
}
process.exit(failed ? 1 : 0);
