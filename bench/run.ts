import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assembleSklad } from '../src/assembly.ts';
import { benchLine, type Benchmark } from './harness.ts';

assembleSklad();

/**
 * `npm run bench` runs every bench/*.bench.ts; `npm run bench -- stock` only those whose name
 * contains "stock". Each prints one `BENCH <name> key=value … ratio=<r> goal=<g>` line per result.
 */
const dir = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
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
  const started = performance.now();
  try {
    for (const result of await bench.run()) {
      console.log(benchLine(result));
      console.log(`  ${result.summary}${result.ratio >= result.goal ? '' : ' (below the goal)'}`);
    }
    console.log(`  ${bench.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    failed = true;
    console.error(`${bench.name} failed:`, error);
  }
}
process.exit(failed ? 1 : 0);
