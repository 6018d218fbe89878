import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type BenchResult, pgServerUrl } from './harness.ts';

/**
 * JSON summaries of benchmark runs in bench/results/ (docs/decisions/182): one
 * `<bench>-<UTC timestamp>.json` per run (ignored by git) and `<bench>-latest.json` (committed),
 * so two runs can be compared (`npm run bench -- --compare A B`) and the README's table
 * generated from the latest (`npm run bench:table`).
 */
export const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  /** 1, 5 and 15 minute load averages when the run started: others' work on a shared machine. */
  loadAverage: number[];
  platform: string;
  node: string;
  postgres: string | null;
  commit: string | null;
  /** Uncommitted changes in the work tree when the run started. */
  dirty: boolean | null;
}

export interface RunSummary {
  bench: string;
  startedAt: string;
  seconds: number;
  machine: Machine;
  results: (BenchResult & { metGoal: boolean })[];
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

async function postgresVersion(): Promise<string | null> {
  const client = new pg.Client({ connectionString: pgServerUrl() });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version: string }>('show server_version');
    return rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The machine a run measured on, read when the run starts. */
export async function describeMachine(): Promise<Machine> {
  const status = git(['status', '--porcelain']);
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${os.platform()} ${os.arch()}`,
    node: process.version,
    postgres: await postgresVersion(),
    commit: git(['rev-parse', 'HEAD']),
    dirty: status === null ? null : status.length > 0,
  };
}

/** Writes the run's summary (timestamped and `-latest`); returns the timestamped file's path. */
export function writeSummary(summary: RunSummary): string {
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = summary.startedAt.replace(/[:.]/g, '-');
  const text = `${JSON.stringify(summary, null, 2)}\n`;
  const file = path.join(resultsDir, `${summary.bench}-${stamp}.json`);
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(resultsDir, `${summary.bench}-latest.json`), text);
  return file;
}

function readSummary(file: string): RunSummary {
  const resolved = fs.existsSync(file)
    ? file
    : path.join(resultsDir, file.endsWith('.json') ? file : `${file}-latest.json`);
  return JSON.parse(fs.readFileSync(resolved, 'utf8')) as RunSummary;
}

const machineLine = (m: Machine) =>
  `${m.cores}× ${m.cpu}, ${m.ramGiB} GiB, load ${m.loadAverage.join('/')}, node ${m.node}, PostgreSQL ${m.postgres ?? '?'}, ${m.commit?.slice(0, 7) ?? '?'}${m.dirty ? '+dirty' : ''}`;

/** Two runs side by side: each result's ratio and numeric figures, B ÷ A. */
export function compareRuns(a: string, b: string): string {
  const [before, after] = [readSummary(a), readSummary(b)];
  const lines = [
    `A ${before.bench} ${before.startedAt}: ${machineLine(before.machine)}`,
    `B ${after.bench} ${after.startedAt}: ${machineLine(after.machine)}`,
  ];
  for (const r of after.results) {
    const old = before.results.find((x) => x.name === r.name);
    if (!old) {
      lines.push(`${r.name}: only in B (ratio ${r.ratio.toFixed(2)})`);
      continue;
    }
    lines.push(`${r.name}: ratio ${old.ratio.toFixed(2)} → ${r.ratio.toFixed(2)} (goal ${r.goal})`);
    for (const [key, value] of Object.entries(r.metrics)) {
      const was = old.metrics[key];
      if (typeof value === 'number' && typeof was === 'number')
        lines.push(`  ${key}: ${was} → ${value}${was ? ` (×${(value / was).toFixed(2)})` : ''}`);
      else if (was !== value) lines.push(`  ${key}: ${was ?? '–'} → ${value}`);
    }
  }
  return lines.join('\n');
}

/** A Markdown table of every `-latest` summary: the last figures and the machine they came from. */
export function latestTable(): string {
  const files = fs.existsSync(resultsDir)
    ? fs
        .readdirSync(resultsDir)
        .filter((f) => f.endsWith('-latest.json'))
        .sort()
    : [];
  const rows = ['| result | figures | ratio | goal | measured on |', '| --- | --- | --- | --- | --- |'];
  for (const file of files) {
    const run = readSummary(path.join(resultsDir, file));
    for (const r of run.results) {
      const figures = Object.entries(r.metrics)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      rows.push(
        `| \`${r.name}\` | ${figures} | ${r.ratio.toFixed(2)}${r.metGoal ? '' : ' (below)'} | ${r.goal} | ${run.startedAt.slice(0, 16)}Z, ${machineLine(run.machine)} |`,
      );
    }
  }
  return rows.join('\n');
}
