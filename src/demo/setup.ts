import { sql } from 'drizzle-orm';
import { recordOperation } from '../audit/operations.ts';
import { createProduct } from '../catalog/products.ts';
import { createAccount, requireMasterKey, saveState, setAccountStatus, updateAccount, type AccountView } from '../channels/core/accounts.ts';
import { enqueueAccountJob, runConnectorJob } from '../channels/core/jobs.ts';
import { listListings } from '../channels/core/listings.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { connectors } from '../channels/registry.ts';
import { rows, type Executor } from '../db/database.ts';
import { setAccountSchedulesEnabled } from '../engine/schedules.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import type { Hub } from '../hub.ts';
import { recordMovement } from '../inventory/movements.ts';
import { createWarehouse } from '../inventory/warehouses.ts';
import { listProducts as listMenuProducts } from '../menu/queries.ts';
import { ensureIikoSetting, settingOfAccount } from '../menu/settings.ts';
import { runSync } from '../menu/sync.ts';
import { joinDemoCabinets } from '../notifications/demo.ts';
import { DEMO_ACTOR, DEMO_WAREHOUSE, demoCatalogue } from './catalogue.ts';
import { demoCredentials, type DemoSimulators } from './simulators.ts';

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
  id: number;
  channel: string;
  name: string;
  baseUrl: string;
}

export interface DemoOutcome {
  mode: DemoMode;
  accounts: DemoAccount[];
  iikoSettingId: number | null;
  counts: { products: number; units: number; orders: number; menuProducts: number };
  /** Steps that failed without stopping the start, in words for the banner. */
  problems: string[];
  /** Channels of the registry the demo has no simulator for. */
  uncovered: string[];
}

/** The name of a channel's demo account: "Demo Allegro", "Demo Wix Stores" … */
export const demoAccountName = (channel: string) => `Demo ${connectors.find((c) => c.channel === channel)?.title ?? channel}`;

/** Settings each channel's demo account is made with, once the demo warehouse exists. */
const demoSettings = (channel: string, warehouseId: number): Record<string, unknown> =>
  ({
    allegro: { warehouseId },
    ozon: { stockWarehouseId: warehouseId, postingDays: 14 },
    wildberries: { stockWarehouseId: warehouseId, firstSyncDays: 14 },
  })[channel] ?? {};

/** Jobs run after the listings sync on the first start, so orders, mirrors and reviews are there. */
const firstJobs: Record<string, string[]> = {
  allegro: ['order-events'],
  ozon: ['stocks', 'postings'],
  wildberries: ['sync'],
};

const MARKER = { entityType: 'demo', entityId: 'setup' } as const;

async function isSetUp(ex: Executor): Promise<boolean> {
  const found = await rows(ex, sql`select 1 from operations where entity_type = ${MARKER.entityType} and entity_id = ${MARKER.entityId} limit 1`);
  return found.length > 0;
}

/** Products or accounts a person made: their presence means this is no place for demo data. */
async function hasOwnData(ex: Executor): Promise<boolean> {
  const found = await rows(ex, sql`
    select 1 where exists (select 1 from products where sku not like 'DEMO-%')
                or exists (select 1 from channel_accounts where name not like 'Demo %')`);
  return found.length > 0;
}

/** What the demo should do on this start: make its data, reuse it, or stay out of a real database. */
export async function demoMode(hub: Hub): Promise<DemoMode> {
  if (await isSetUp(hub.db)) return 'restart';
  return (await hasOwnData(hub.db)) ? 'skip' : 'create';
}

type DemoAccountRow = Pick<AccountView, 'id' | 'channel' | 'name' | 'base_url' | 'status' | 'status_reason'>;

async function findDemoAccount(ex: Executor, channel: string): Promise<DemoAccountRow | undefined> {
  const [found] = await rows<DemoAccountRow>(ex, sql`
    select id, channel, name, base_url, status, status_reason from channel_accounts
     where channel = ${channel} and name = ${demoAccountName(channel)} order by id limit 1`);
  return found;
}

async function counts(hub: Hub, accountIds: number[], iikoSettingId: number | null): Promise<DemoOutcome['counts']> {
  const [c] = await rows<{ products: number; units: number; orders: number }>(hub.db, sql`
    select (select count(*)::int from products where sku like 'DEMO-%' and archived_at is null) as products,
           (select coalesce(sum(l.on_hand), 0)::int from stock_levels l join warehouses w on w.id = l.warehouse_id where w.code = ${DEMO_WAREHOUSE.code}) as units,
           (select count(*)::int from orders where account_id = any(${sql.param(accountIds)}::bigint[])) as orders`);
  // As GET /api/v1/data/products counts them: dishes and goods, modifiers left out.
  const menu = iikoSettingId === null ? 0 : (await listMenuProducts(hub.db, { settingId: iikoSettingId, limit: 1, offset: 0 })).total;
  return { products: c.products, units: c.units, orders: c.orders, menuProducts: menu };
}

const view = (a: { id: number; channel: string; name: string; base_url: string }): DemoAccount => ({ id: a.id, channel: a.channel, name: a.name, baseUrl: a.base_url });

/** The first start: products, warehouse, stock, accounts, the iiko setting, a first sync, then the marker. */
export async function createDemo(hub: Hub, sims: DemoSimulators): Promise<DemoOutcome> {
  const masterKey = requireMasterKey(hub.masterKey);
  const problems: string[] = [];
  const iiko = sims.channels.get('iiko');

  // The iiko setting first: on a fresh database it is the first one, id 1, as the seed's clients expect.
  let iikoSettingId: number | null = null;
  let iikoAccount: DemoAccount | null = null;
  if (iiko) {
    const { setting } = await ensureIikoSetting(hub, { name: demoAccountName('iiko'), api_login: demoCredentials.iiko.apiLogin, base_url: iiko.url, currency: 'RUB' }, DEMO_ACTOR);
    iikoSettingId = setting.id;
    iikoAccount = { id: setting.account_id, channel: 'iiko', name: setting.name, baseUrl: setting.base_url };
  }

  const known = new Set((await rows<{ sku: string }>(hub.db, sql`select sku from products where sku like 'DEMO-%'`)).map((r) => r.sku));
  for (const p of demoCatalogue) {
    if (known.has(p.sku)) continue;
    await createProduct(hub.db, { sku: p.sku, ean: p.ean, name: p.name, description: 'Part of the demo catalogue: the same SKU is listed on every demo channel.', attributes: p.attributes }, DEMO_ACTOR);
  }
  const productIds = new Map((await rows<{ id: number; sku: string }>(hub.db, sql`select id, sku from products where sku like 'DEMO-%'`)).map((r) => [r.sku, r.id]));

  const [found] = await rows<{ id: number }>(hub.db, sql`select id from warehouses where lower(code) = lower(${DEMO_WAREHOUSE.code})`);
  const warehouseId = found?.id ?? (await hub.db.transaction((tx) => createWarehouse(tx, { ...DEMO_WAREHOUSE, kind: 'own', readOnly: false }, DEMO_ACTOR))).id;
  for (const p of demoCatalogue) {
    // The reference makes a resumed setup receive each product once.
    await recordMovement(hub.db, { type: 'receipt', productId: productIds.get(p.sku)!, warehouseId, quantity: p.stock, reason: 'Demo stock', reference: `demo:receipt:${p.sku}` }, DEMO_ACTOR);
  }

  const accounts: DemoAccount[] = [];
  for (const [channel, sim] of sims.channels) {
    if (channel === 'iiko') continue;
    const existing = await findDemoAccount(hub.db, channel);
    const account =
      existing ??
      (await hub.db.transaction((tx) =>
        createAccount(tx, masterKey, {
          channel, name: demoAccountName(channel), baseUrl: sim.url,
          credentials: demoCredentials[channel as keyof typeof demoCredentials], settings: demoSettings(channel, warehouseId),
        }, DEMO_ACTOR),
      ));
    accounts.push(view(account));
  }

  // The notifier's two demo people share the demo cabinets, so what happens next reaches their Telegram chats.
  await joinDemoCabinets(hub, accounts.map((a) => a.id));

  // The first sync: listings matched and quantities pushed, then what buyers did, then the pulls that import it.
  await Promise.all([
    ...accounts.map(async (a) => {
      try {
        await withSyncRun(hub, { type: 'channels.sync', accountId: a.id }, (run) => syncAccount(hub, a.id, { run }));
        sims.channels.get(a.channel)?.buyersAct?.();
        for (const job of firstJobs[a.channel] ?? []) await runConnectorJob(hub, a.id, job);
      } catch (error) {
        problems.push(`${a.name}: the first sync failed: ${(error as Error).message}`);
      }
    }),
    (async () => {
      if (iikoSettingId === null) return;
      try {
        await runSync(hub, iikoSettingId, 'full');
      } catch (error) {
        problems.push(`${demoAccountName('iiko')}: the first menu sync failed: ${(error as Error).message}`);
      }
    })(),
  ]);

  const all = iikoAccount ? [...accounts, iikoAccount] : accounts;
  await recordOperation(hub.db, {
    ...MARKER, action: 'create', actor: DEMO_ACTOR,
    changes: { accounts: { before: null, after: all.map((a) => a.id) }, warehouse_id: { before: null, after: warehouseId }, iiko_setting_id: { before: null, after: iikoSettingId } },
  });
  return { mode: 'create', accounts: all, iikoSettingId, counts: await counts(hub, all.map((a) => a.id), iikoSettingId), problems, uncovered: uncovered(sims) };
}

/** Why an account is parked while the demo is off; only accounts parked so are brought back. */
const PARKED = 'SKLAD_DEMO=0: the demo simulators are not running';

/**
 * A later start: the simulators came up on new ports and remember nothing, so each demo
 * account is pointed at its simulator again, brought back if it was parked or refused,
 * its connector state (tokens, cursors) cleared, and a full sync queued to bring the
 * simulator's quantities level with Sklad's.
 */
export async function reuseDemo(hub: Hub, sims: DemoSimulators): Promise<DemoOutcome> {
  const masterKey = requireMasterKey(hub.masterKey);
  const problems: string[] = [];
  const accounts: DemoAccount[] = [];
  let iikoSettingId: number | null = null;
  for (const [channel, sim] of sims.channels) {
    const account = await findDemoAccount(hub.db, channel);
    if (!account) continue; // removed by a person: the demo does not bring it back
    const revive = account.status === 'needs_reauth' || (account.status === 'disabled' && account.status_reason === PARKED);
    const after = await hub.db.transaction(async (tx) => {
      const patched = account.base_url === sim.url && !revive ? account : await updateAccount(tx, masterKey, account.id, { baseUrl: sim.url, ...(revive ? { status: 'active' as const } : {}) }, DEMO_ACTOR);
      await saveState(tx, masterKey, account.id, {});
      if (revive) await setAccountSchedulesEnabled(tx, account.id, true);
      return patched;
    });
    accounts.push(view(after));
    if (sim.restoreQuantities) {
      const { items } = await listListings(hub.db, account.id, { state: 'matched', limit: 1000, offset: 0 });
      sim.restoreQuantities(new Map(items.flatMap((l) => (l.last_pushed_quantity === null ? [] : [[l.external_id, l.last_pushed_quantity] as const]))));
    }
    if (channel === 'iiko') iikoSettingId = (await settingOfAccount(hub.db, account.id).catch(() => null))?.id ?? null;
    else if (after.status === 'active') await enqueueAccountJob(hub, account.id, 'sync').catch((error) => problems.push(`${account.name}: could not queue a sync: ${(error as Error).message}`));
  }
  return { mode: 'restart', accounts, iikoSettingId, counts: await counts(hub, accounts.map((a) => a.id), iikoSettingId), problems, uncovered: uncovered(sims) };
}

/** With the demo off, its accounts would call ports nobody listens on: they are disabled until it is on again. */
export async function parkDemo(hub: Hub): Promise<number> {
  if (!(await isSetUp(hub.db))) return 0;
  let parked = 0;
  for (const connector of connectors) {
    const account = await findDemoAccount(hub.db, connector.channel);
    if (account?.status !== 'active') continue;
    await hub.db.transaction((tx) => setAccountStatus(tx, account.id, 'disabled', PARKED, DEMO_ACTOR));
    parked++;
  }
  return parked;
}

const uncovered = (sims: DemoSimulators) => connectors.map((c) => c.channel).filter((channel) => !sims.channels.has(channel));
