import type { AddressInfo } from 'node:net';
import type { GenericSimulator } from '../simulators/generic/index.ts';
import { serve } from '@hono/node-server';
import { createApiKey } from '../src/access/api-keys.ts';
import '../src/channels/core/jobs.ts';
import { channelsHub } from '../src/channels/core/testing.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { createApp } from '../src/http/app.ts';
import type { Hub } from '../src/hub.ts';
import { scratchPostgres } from './harness.ts';

/** A scratch PostgreSQL database with Sklad migrated on it, a hub, and (when asked) the real API on a port. */
export async function channelsBenchHub(prefix: string, options: { api?: boolean; poolSize?: number } = {}) {
  const scratch = await scratchPostgres(prefix);
  const database = await openDatabase({
    url: scratch.url,
    poolSize: options.poolSize ?? 20,
    applicationName: 'sklad-bench',
  });
  await migrate(database);
  const hub: Hub = channelsHub(database);
  let api: { url: string; key: string; close(): Promise<void> } | undefined;
  if (options.api) {
    const server = serve({ fetch: createApp(hub).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const key = (await createApiKey(database, { name: 'bench', role: 'admin' })).key;
    api = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      key,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }
  return {
    hub,
    url: scratch.url,
    api,
    async close() {
      await api?.close();
      await database.close();
      await scratch.drop();
    },
  };
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

/**
 * One write-off of listing L{n'} through the API, then waits until every simulator shows it:
 * the time it took, in ms (the propagation latency both propagation benchmarks measure).
 */
export async function writeOffUntilSeen(
  api: { url: string; key: string },
  sims: GenericSimulator[],
  catalog: { productIds: number[]; warehouseId: number },
  n: number,
  options: { timeoutMs: number; pollMs: number },
): Promise<number> {
  const skus = catalog.productIds.length;
  const productId = catalog.productIds[(n * 7919) % skus];
  const listingId = `L${((n * 7919) % skus) + 1}`;
  const before = sims[0].quantityOf(listingId)!;
  const started = performance.now();
  const res = await fetch(`${api.url}/api/v1/stock/movements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-secret-key': api.key },
    body: JSON.stringify({ type: 'write_off', product_id: productId, warehouse_id: catalog.warehouseId, quantity: 1 }),
  });
  if (res.status !== 201) throw new Error(`write-off answered ${res.status}: ${await res.text()}`);
  while (!sims.every((s) => s.quantityOf(listingId) === before - 1)) {
    if (performance.now() - started > options.timeoutMs) throw new Error(`${listingId} never reached the channels`);
    await new Promise((r) => setTimeout(r, options.pollMs));
  }
  return performance.now() - started;
}
