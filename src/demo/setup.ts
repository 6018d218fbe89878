import { sql } from 'drizzle-orm';
import { recordOperation } from '../audit/operations.ts';
import { createProduct } from '../catalog/products.ts';
import {
  createAccount,
  requireMasterKey,
  saveState,
  setAccountStatus,
  updateAccount,
  type AccountView,
} from '../channels/core/accounts.ts';
import { enqueueAccountJob } from '../channels/core/account-jobs.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { listListings } from '../channels/core/listings.ts';
import { channelModules, moduleFor, type DemoSeed } from '../channels/core/module.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { rows, type Executor } from '../db/database.ts';
import { setAccountSchedulesEnabled } from '../engine/schedules.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import type { Hub } from '../hub.ts';
import { recordMovement } from '../inventory/movements.ts';
import { createWarehouse } from '../inventory/warehouses.ts';
import { setAccountPrice, setBasePrice } from '../pricing/prices.ts';
import { joinDemoCabinets } from '../notifications/demo.ts';
import { linkDemoDeliveries } from '../delivery/demo.ts';
import { DEMO_ACTOR, DEMO_WAREHOUSE, demoCatalogue } from './catalogue.ts';
import type { DemoSimulator, DemoSimulators } from './simulators.ts';
import { exportBacklog } from '../crm/backlog.ts';

/**
 * What the demo writes into Sklad. Everything it makes is marked: products `DEMO-…`, the
 * warehouse `DEMO`, accounts named "Demo <channel>", and an `operations` row (entity `demo`)
 * once the whole setup has run, which is what makes it happen once only. A setup cut short
 * resumes on the next start: each step finds what an earlier one made (by SKU, code, name)
 * before it makes anything. A database that already holds other products or accounts is a
 * real one: the demo then leaves it alone.
 */

export type DemoMode = 'create' | 'restart' | 'skip';

export interface DemoAccount {
  /** Its simulator's key (DemoSimulators). */
  key: string;
  id: number;
  channel: string;
  name: string;
  baseUrl: string;
}

export interface DemoOutcome {
  mode: DemoMode;
  accounts: DemoAccount[];
  counts: { products: number; units: number; orders: number };
  /** What the modules say about their demo accounts' data, for the banner (DemoSeed.describe). */
  notes: string[];
  /** Steps that failed without stopping the start, in words for the banner. */
  problems: string[];
  /** Channels of the registry the demo has no simulator for. */
  uncovered: string[];
}

const MARKER = { entityType: 'demo', entityId: 'setup' } as const;
const DEMO_PRICE = 'Demo price';

async function isSetUp(ex: Executor): Promise<boolean> {
  const found = await rows(
    ex,
    sql`select 1 from operations where entity_type = ${MARKER.entityType} and entity_id = ${MARKER.entityId} limit 1`,
  );
  return found.length > 0;
}

/** Products or accounts a person made: their presence means this is no place for demo data. */
async function hasOwnData(ex: Executor): Promise<boolean> {
  const found = await rows(
    ex,
    sql`
    select 1 where exists (select 1 from products where sku not like 'DEMO-%')
                or exists (select 1 from channel_accounts where name not like 'Demo %')`,
  );
  return found.length > 0;
}

/** What the demo should do on this start: make its data, reuse it, or stay out of a real database. */
export async function demoMode(hub: Hub): Promise<DemoMode> {
  if (await isSetUp(hub.db)) return 'restart';
  return (await hasOwnData(hub.db)) ? 'skip' : 'create';
}

type DemoAccountRow = Pick<AccountView, 'id' | 'channel' | 'name' | 'base_url' | 'status' | 'status_reason'>;

async function findDemoAccount(
  ex: Executor,
  sim: Pick<DemoSimulator, 'channel' | 'name'>,
): Promise<DemoAccountRow | undefined> {
  const [found] = await rows<DemoAccountRow>(
    ex,
    sql`
    select id, channel, name, base_url, status, status_reason from channel_accounts
     where channel = ${sim.channel} and name = ${sim.name} order by id limit 1`,
  );
  return found;
}

async function counts(hub: Hub, accountIds: number[]): Promise<DemoOutcome['counts']> {
  const [c] = await rows<DemoOutcome['counts']>(
    hub.db,
    sql`
    select (select count(*)::int from products where sku like 'DEMO-%' and archived_at is null) as products,
           (select coalesce(sum(l.on_hand), 0)::int from stock_levels l join warehouses w on w.id = l.warehouse_id where w.code = ${DEMO_WAREHOUSE.code}) as units,
           (select count(*)::int from orders where account_id = any(${sql.param(accountIds)}::bigint[])) as orders`,
  );
  return c;
}

/** What each module says about its demo account's data (DemoSeed.describe), in registry order. */
async function notes(hub: Hub, sims: DemoSimulators, accounts: DemoAccount[]): Promise<string[]> {
  const lines: string[] = [];
  for (const a of accounts) lines.push(...((await sims.channels.get(a.key)?.seed.describe?.(hub, a.id)) ?? []));
  return lines;
}

const view = (key: string, a: { id: number; channel: string; name: string; base_url: string }): DemoAccount => ({
  key,
  id: a.id,
  channel: a.channel,
  name: a.name,
  baseUrl: a.base_url,
});

/** The demo account of a module that connects it itself (DemoSeed.connect), found again on a resumed setup. */
async function connectOwn(
  hub: Hub,
  sim: DemoSimulator,
  connect: NonNullable<DemoSeed['connect']>,
): Promise<DemoAccount> {
  const existing = await findDemoAccount(hub.db, sim);
  if (existing) return view(sim.key, existing);
  const id = await connect(hub, {
    name: sim.name,
    baseUrl: sim.url,
    credentials: sim.seed.credentials,
    actor: DEMO_ACTOR,
  });
  const [made] = await rows<{ id: number; channel: string; name: string; base_url: string }>(
    hub.db,
    sql`select id, channel, name, base_url from channel_accounts where id = ${id}`,
  );
  return view(sim.key, made);
}

/** The first sync of a demo account: listings matched and quantities pushed, then what buyers did, then the pulls that import it. */
async function firstSync(hub: Hub, sim: DemoSimulator, account: DemoAccount) {
  if (sim.seed.firstSync) return sim.seed.firstSync(hub, account.id);
  await withSyncRun(hub, { type: 'channels.sync', accountId: account.id }, (run) =>
    syncAccount(hub, account.id, { run }),
  );
  sim.buyersAct?.();
  for (const job of sim.seed.firstJobs ?? []) await runConnectorJob(hub, account.id, job);
}

/** The first start: products, warehouse, stock, accounts, a first sync, then the marker. */
export async function createDemo(hub: Hub, sims: DemoSimulators): Promise<DemoOutcome> {
  const masterKey = requireMasterKey(hub.masterKey);
  const problems: string[] = [];
  const made = new Map<string, DemoAccount>();

  // Accounts their modules connect themselves come first: on a fresh database the module's own records take the first ids (DemoSeed.connect).
  for (const sim of sims.channels.values()) {
    const { connect } = sim.seed;
    if (connect) made.set(sim.key, await connectOwn(hub, sim, connect));
  }

  const known = new Set(
    (await rows<{ sku: string }>(hub.db, sql`select sku from products where sku like 'DEMO-%'`)).map((r) => r.sku),
  );
  for (const p of demoCatalogue) {
    if (known.has(p.sku)) continue;
    await createProduct(
      hub.db,
      {
        sku: p.sku,
        ean: p.ean,
        name: p.name,
        description: 'Part of the demo catalogue: the same SKU is listed on every demo channel.',
        attributes: p.attributes,
      },
      DEMO_ACTOR,
    );
  }
  const productIds = new Map(
    (await rows<{ id: number; sku: string }>(hub.db, sql`select id, sku from products where sku like 'DEMO-%'`)).map(
      (r) => [r.sku, r.id],
    ),
  );
  // The catalogue's rubles are the base prices (kopecks); a shop selling in another currency gets its own price below.
  for (const p of demoCatalogue) {
    if (!known.has(p.sku))
      await setBasePrice(
        hub.db,
        productIds.get(p.sku)!,
        { amount: Math.round(p.priceRub * 100), currency: 'RUB', reason: DEMO_PRICE },
        DEMO_ACTOR,
      );
  }

  const [found] = await rows<{ id: number }>(
    hub.db,
    sql`select id from warehouses where lower(code) = lower(${DEMO_WAREHOUSE.code})`,
  );
  const warehouseId =
    found?.id ??
    (
      await hub.db.transaction((tx) =>
        createWarehouse(tx, { ...DEMO_WAREHOUSE, kind: 'own', readOnly: false }, DEMO_ACTOR),
      )
    ).id;
  for (const p of demoCatalogue) {
    // The reference makes a resumed setup receive each product once.
    await recordMovement(
      hub.db,
      {
        type: 'receipt',
        productId: productIds.get(p.sku)!,
        warehouseId,
        quantity: p.stock,
        reason: 'Demo stock',
        reference: `demo:receipt:${p.sku}`,
      },
      DEMO_ACTOR,
    );
  }

  const cabinets: number[] = [];
  for (const sim of sims.channels.values()) {
    if (sim.seed.connect) continue;
    const existing = await findDemoAccount(hub.db, sim);
    const account =
      existing ??
      (await hub.db.transaction((tx) =>
        createAccount(
          tx,
          masterKey,
          {
            channel: sim.channel,
            name: sim.name,
            baseUrl: sim.url,
            credentials: sim.seed.credentials,
            settings: sim.seed.settings?.(warehouseId) ?? {},
          },
          DEMO_ACTOR,
        ),
      ));
    made.set(sim.key, view(sim.key, account));
    const { price } = sim.seed;
    if (!existing && price) {
      for (const p of demoCatalogue)
        await setAccountPrice(
          hub.db,
          productIds.get(p.sku)!,
          account.id,
          { ...price(p), reason: DEMO_PRICE },
          DEMO_ACTOR,
        );
    }
    // The notifier's demo people share the shops' cabinets, not a CRM's or a delivery service's.
    if (moduleFor(sim.channel)?.connector.capabilities.orders) cabinets.push(account.id);
  }
  const accounts = [...sims.channels.keys()].flatMap((key) => made.get(key) ?? []);
  // Before the first sync: the demo shops' orders a delivery service ships become its packages as they are imported.
  await linkDemoDeliveries(
    hub,
    accounts.map((a) => ({ ...a, seed: sims.channels.get(a.key)!.seed })),
    DEMO_ACTOR,
  );

  // The notifier's two demo people share the demo shop cabinets, so what happens next reaches their Telegram chats.
  await joinDemoCabinets(hub, cabinets);

  await Promise.all(
    accounts.map(async (a) => {
      try {
        await firstSync(hub, sims.channels.get(a.key)!, a);
      } catch (error) {
        problems.push(`${a.name}: the first sync failed: ${(error as Error).message}`);
      }
    }),
  );

  await recordOperation(hub.db, {
    ...MARKER,
    action: 'create',
    actor: DEMO_ACTOR,
    changes: {
      accounts: { before: null, after: accounts.map((a) => a.id) },
      warehouse_id: { before: null, after: warehouseId },
    },
  });
  const ids = accounts.map((a) => a.id);
  return {
    mode: 'create',
    accounts,
    counts: await counts(hub, ids),
    notes: await notes(hub, sims, accounts),
    problems,
    uncovered: uncovered(sims),
  };
}

/** Why an account is parked while the demo is off; only accounts parked so are brought back. */
const PARKED = 'SKLAD_DEMO=0: the demo simulators are not running';

/**
 * A later start: the simulators came up on new ports and remember nothing, so each demo
 * account is pointed at its simulator again, brought back if it was parked or refused,
 * its connector state (tokens, cursors) cleared, and a full sync queued to bring the
 * simulator's quantities level with Sklad's (not for an account its module connects itself:
 * its module's schedules keep it).
 */
export async function reuseDemo(hub: Hub, sims: DemoSimulators): Promise<DemoOutcome> {
  const masterKey = requireMasterKey(hub.masterKey);
  const problems: string[] = [];
  const accounts: DemoAccount[] = [];
  for (const sim of sims.channels.values()) {
    const account = await findDemoAccount(hub.db, sim);
    if (!account) continue; // removed by a person: the demo does not bring it back
    const revive =
      account.status === 'needs_reauth' || (account.status === 'disabled' && account.status_reason === PARKED);
    const after = await hub.db.transaction(async (tx) => {
      const patched =
        account.base_url === sim.url && !revive
          ? account
          : await updateAccount(
              tx,
              masterKey,
              account.id,
              { baseUrl: sim.url, ...(revive ? { status: 'active' as const } : {}) },
              DEMO_ACTOR,
            );
      await saveState(tx, masterKey, account.id, {});
      if (revive) await setAccountSchedulesEnabled(tx, account.id, true);
      return patched;
    });
    accounts.push(view(sim.key, after));
    await followSimulator(hub, masterKey, account, sim.url, problems);
    if (sim.restoreQuantities) {
      const { items } = await listListings(hub.db, account.id, { state: 'matched', limit: 1000, offset: 0 });
      sim.restoreQuantities(
        new Map(
          items.flatMap((l) =>
            l.last_pushed_quantity === null ? [] : [[l.external_id, l.last_pushed_quantity] as const],
          ),
        ),
      );
    }
    if (moduleFor(sim.channel)?.crm && after.status === 'active') {
      // The CRM simulator remembers no deal: the demo's orders are exported to it again (each found by its key, none twice).
      await hub.db.execute(sql`
        update orders set crm_state = 'not_sent', crm_id = null, crm_stage = null, crm_requested_at = null, crm_error = null, crm_attempts = 0
         where crm_account_id = ${account.id}`);
      await exportBacklog(hub, DEMO_ACTOR).catch((error) =>
        problems.push(`${account.name}: could not export the orders again: ${(error as Error).message}`),
      );
      continue;
    }
    if (!sim.seed.connect && after.status === 'active' && moduleFor(sim.channel)?.connector.capabilities.listings) {
      await enqueueAccountJob(hub, account.id, 'sync').catch((error) =>
        problems.push(`${account.name}: could not queue a sync: ${(error as Error).message}`),
      );
    }
  }
  const ids = accounts.map((a) => a.id);
  return {
    mode: 'restart',
    accounts,
    counts: await counts(hub, ids),
    notes: await notes(hub, sims, accounts),
    problems,
    uncovered: uncovered(sims),
  };
}

/**
 * Accounts a person added while the demo ran that talk to a demo simulator (a WB cabinet added by
 * a key the simulator issued, seed 001): they follow it to its new port as the demo account does,
 * come back with it if they were parked, and get a sync queued.
 */
async function followSimulator(
  hub: Hub,
  masterKey: Buffer,
  demoAccount: DemoAccountRow,
  url: string,
  problems: string[],
) {
  const others = await rows<DemoAccountRow>(
    hub.db,
    sql`
    select id, channel, name, base_url, status, status_reason from channel_accounts
     where channel = ${demoAccount.channel} and base_url = ${demoAccount.base_url} and id <> ${demoAccount.id} order by id`,
  );
  for (const other of others) {
    const revive = other.status === 'disabled' && other.status_reason === PARKED;
    if (other.status === 'disabled' && !revive) continue;
    await hub.db.transaction(async (tx) => {
      await updateAccount(
        tx,
        masterKey,
        other.id,
        { baseUrl: url, ...(revive ? { status: 'active' as const } : {}) },
        DEMO_ACTOR,
      );
      await saveState(tx, masterKey, other.id, {});
      if (revive) await setAccountSchedulesEnabled(tx, other.id, true);
    });
    if (moduleFor(other.channel)?.connector.capabilities.listings) {
      await enqueueAccountJob(hub, other.id, 'sync').catch((error) =>
        problems.push(`${other.name}: could not queue a sync: ${(error as Error).message}`),
      );
    }
  }
}

/** With the demo off, its accounts would call ports nobody listens on: they are disabled until it is on again. */
export async function parkDemo(hub: Hub): Promise<number> {
  if (!(await isSetUp(hub.db))) return 0;
  let parked = 0;
  const accounts = await rows<DemoAccountRow>(
    hub.db,
    sql`
    select id, channel, name, base_url, status, status_reason from channel_accounts where status = 'active'`,
  );
  const seeded = new Set(
    channelModules().flatMap((m) =>
      m.demo
        ? [m.demo, ...(m.demo.also ?? [])].map((d) => `${m.connector.channel}\u0000Demo ${d.name ?? m.connector.title}`)
        : [],
    ),
  );
  // Demo accounts, and accounts added while the demo ran that talk to the same simulator (followSimulator).
  const demoUrls = new Set(
    accounts.filter((a) => seeded.has(`${a.channel}\u0000${a.name}`)).map((a) => `${a.channel}\u0000${a.base_url}`),
  );
  for (const account of accounts) {
    if (!demoUrls.has(`${account.channel}\u0000${account.base_url}`)) continue;
    await hub.db.transaction((tx) => setAccountStatus(tx, account.id, 'disabled', PARKED, DEMO_ACTOR));
    parked++;
  }
  return parked;
}

const uncovered = (sims: DemoSimulators) =>
  channelModules()
    .map((m) => m.connector.channel)
    .filter((channel) => !sims.channels.has(channel));
