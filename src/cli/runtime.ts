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

export async function startApi(hub: Hub): Promise<{ server: ServerType; url: string }> {
  const app = createApp(hub);
  const server = serve({ fetch: app.fetch, port: hub.config.PORT, hostname: hub.config.HOST });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = hub.config.HOST === '0.0.0.0' || hub.config.HOST === '::' ? 'localhost' : hub.config.HOST;
  return { server, url: hub.config.SKLAD_PUBLIC_URL ?? `http://${host}:${port}` };
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
export async function withCliHub<T>(work: (hub: Hub) => Promise<T>): Promise<T> {
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

/** Who a command's actions are logged as in `operations`. */
export const cliActor = () => `cli:${process.env.USER ?? 'unknown'}`;

/** A commander argument parser: a positive whole number. */
export function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('a positive whole number');
  return n;
}

/** A command's answer: JSON with `--json`, else the readable text. */
export const printResult = (json: boolean | undefined, value: unknown, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());
