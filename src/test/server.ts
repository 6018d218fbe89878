import { afterAll, beforeAll } from 'vitest';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApiKey, type Role } from '../access/api-keys.ts';
import { loadConfig } from '../config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { createApp } from '../http/app.ts';
import type { Hub } from '../hub.ts';
import { createLogger } from '../shared/logger.ts';
import type { TestDatabase } from './databases.ts';

export interface TestServer {
  hub: Hub;
  baseUrl: string;
  /** An admin key made for this server. */
  adminKey: string;
  keyFor(role: Role, name?: string): Promise<string>;
  /** fetch against the server with the admin key, JSON in and out. */
  api(
    path: string,
    init?: RequestInit & { json?: unknown; key?: string | null },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export function testHub(database: Database, extra: Partial<Hub> = {}): Hub {
  return {
    config: loadConfig({ SKLAD_DATA_DIR: '/tmp/sklad-test', LOG_LEVEL: 'silent' } as NodeJS.ProcessEnv),
    database,
    db: database.db,
    logger: createLogger({ level: 'silent' }),
    masterKey: Buffer.alloc(32, 7),
    ...extra,
  };
}

/** The real app on a real port, so tests speak HTTP to it as any client would. */
export async function startTestServer(database: Database, hubOverrides: Partial<Hub> = {}): Promise<TestServer> {
  const hub = testHub(database, hubOverrides);
  const app = createApp(hub);
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const adminKey = (await createApiKey(database, { name: 'test-admin', role: 'admin' })).key;
  return {
    hub,
    baseUrl,
    adminKey,
    keyFor: async (role, name = `test-${role}`) => (await createApiKey(database, { name, role })).key,
    async api(path, init = {}) {
      const headers = new Headers(init.headers);
      const key = init.key === undefined ? adminKey : init.key;
      if (key) headers.set('x-api-secret-key', key);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      const res = await fetch(baseUrl + path, { ...init, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Two workers' hubs on the test database: on PostgreSQL each with its own pool, as two worker
 * processes have, so nothing but the database is shared; PGlite has one connection, so both use it.
 */
export function useTwoWorkerHubs(t: TestDatabase): () => [Hub, Hub] {
  let second: Database | undefined;
  beforeAll(async () => {
    if (t.url) second = await openDatabase({ url: t.url, poolSize: 2 });
  });
  afterAll(async () => {
    await second?.close();
  });
  return () => [testHub(t.database), testHub(second ?? t.database)];
}
