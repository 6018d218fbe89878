import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { createApp } from '../http/app.ts';
import type { Hub } from '../hub.ts';
import { createLogger } from '../shared/logger.ts';

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
