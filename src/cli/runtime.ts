import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { loadConfig, type Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { createApp } from '../http/app.ts';
import type { Hub } from '../hub.ts';
import { InvalidArgumentError } from 'commander';
import { createLogger } from '../shared/logger.ts';
import { loadMasterKey } from '../shared/master-key.ts';
import { HubApi } from './hub-api.ts';
import { findRunningHub } from './hub-link.ts';
import { say } from './lang.ts';

/** Opens the database (PostgreSQL with DATABASE_URL, else PGlite in the data directory) and migrates it. */
export async function openHub(config: Config, options: { role?: string } = {}): Promise<Hub> {
  const logger = createLogger({ level: config.LOG_LEVEL });
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATABASE_URL ? undefined : path.join(config.dataDir),
    applicationName: `sklad-${options.role ?? 'cli'}`,
  });
  const applied = await migrate(database);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  return { config, database, db: database.db, logger };
}

export async function startApi(hub: Hub): Promise<{ server: ServerType; url: string; localUrl: string }> {
  const app = createApp(hub);
  const server = serve({ fetch: app.fetch, port: hub.config.PORT, hostname: hub.config.HOST });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const wildcard = hub.config.HOST === '0.0.0.0' || hub.config.HOST === '::';
  const host = wildcard ? 'localhost' : hub.config.HOST;
  // Where a CLI on this machine reaches it (src/cli/hub-link.ts): the loopback address when it listens on all.
  const localHost = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    server,
    url: hub.config.SKLAD_PUBLIC_URL ?? `http://${host}:${port}`,
    localUrl: `http://${localHost}:${port}`,
  };
}

/** Stops in order on SIGINT/SIGTERM and closes the database, so PGlite is left clean. */
export function onShutdown(hub: Hub, steps: (() => Promise<void> | void)[]) {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.logger.info({ signal }, 'stopping');
    for (const step of steps) await Promise.resolve(step()).catch((err) => hub.logger.error({ err }, 'while stopping'));
    await hub.database.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** A one-shot command's hub, with the master key, closed when `work` ends. */
async function withCliHub<T>(work: (hub: Hub) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const hub = await openHub(config, { role: 'cli' });
  try {
    hub.masterKey = loadMasterKey(config, hub.logger);
    onShutdown(hub, []);
    return await work(hub);
  } finally {
    await hub.database.close();
  }
}

/**
 * A one-shot command's two ways (docs/decisions/175): beside a running `sklad start` of this
 * data directory it asks that hub over its API (`hub`), else it opens the database itself
 * (`database`). Which one it took is said on stderr, so `--json` output stays JSON.
 */
export async function viaHubOrDatabase<T>(paths: {
  hub: (api: HubApi) => Promise<T>;
  database: (hub: Hub) => Promise<T>;
}): Promise<T> {
  const config = loadConfig();
  const found = findRunningHub(config);
  if (found.kind === 'hub') {
    console.error(say('cli.via.hub', { url: found.url, pid: found.pid }));
    return paths.hub(new HubApi(found.url, found.key));
  }
  if (found.note) console.error(say('cli.via.note', { note: found.note }));
  console.error(
    say('cli.via.database', {
      where: config.DATABASE_URL ? say('cli.via.postgres') : say('cli.via.embedded', { dir: config.dataDir }),
    }),
  );
  return withCliHub(paths.database);
}

/** Who a command's actions are logged as in `operations`. */
export const cliActor = () => `cli:${process.env.USER ?? 'unknown'}`;

/** A commander argument parser: a positive whole number. */
export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(say('cli.positiveInt'));
  return n;
}

/** A command's answer: JSON with `--json`, else the readable text. */
export const printResult = (json: boolean | undefined, value: unknown, text: () => string) =>
  console.log(json ? JSON.stringify(value, null, 2) : text());

/** Rows as a readable table: a header, then columns padded to their widest cell. */
export function table(
  header: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  const cells = [header, ...rows].map((row) =>
    row.map((cell) => (cell === null || cell === undefined || cell === '' ? '-' : String(cell))),
  );
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
