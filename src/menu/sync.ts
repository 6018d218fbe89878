import { sql } from 'drizzle-orm';
import { iikoApi } from '../channels/iiko/api.ts';
import { CredentialsRejected, type ConnectorContext, type SyncRunCounter } from '../channels/core/connector.ts';
import { connectorContextFor, guardCredentials } from '../channels/core/context.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import type { Hub } from '../hub.ts';
import { databaseErrorCode, DomainError, userMessage } from '../shared/errors.ts';
import {
  importNomenclature,
  nomenclatureRevision,
  replaceStopLists,
  upsertCombos,
  upsertNamedList,
  upsertPaymentTypes,
  upsertTerminalGroups,
  type Counts,
} from './import.ts';
import { getSetting, saveOrganizations, settingOfAccount, type Setting } from './settings.ts';

/**
 * The seed's syncs (POST /api/v1/sync/full|menu|stoplist|terminals|payments, and the
 * scheduled ones): each is one sync run of type `iiko.<kind>` (so the engine's sync history
 * and the `sync_history` view show it) whose iiko calls land in api_calls under that run. A
 * step that fails is reported in its entity's result and the others still run; the run is
 * then `partial`.
 */

export const syncKinds = ['full', 'menu', 'prices', 'stoplist', 'terminals', 'payments'] as const;
export type SyncKind = (typeof syncKinds)[number];

export interface EntityResult {
  status: 'success' | 'failed';
  /** Rows written (created or updated), or kept for stop lists. */
  synced: number;
  created?: number;
  updated?: number;
  /** Rows marked deleted because iiko no longer has them. */
  deleted?: number;
  /** Including the iiko call that fed it. */
  duration_ms: number;
  error?: string;
}

export interface SyncReport {
  status: 'success' | 'partial' | 'failed';
  sync_run_id: number;
  setting_id: number;
  sync_type: SyncKind;
  organization_ids: string[];
  duration_ms: number;
  results: Record<string, EntityResult>;
}

type Step = 'organizations' | 'nomenclature' | 'delta' | 'combos' | 'menus' | 'stoplist' | 'terminals' | 'payments';

const stepsOf: Record<SyncKind, Step[]> = {
  full: ['nomenclature', 'combos', 'menus', 'stoplist', 'terminals', 'payments'],
  menu: ['nomenclature', 'combos', 'menus'],
  prices: ['delta'],
  stoplist: ['stoplist'],
  terminals: ['terminals'],
  payments: ['payments'],
};

interface Runner {
  hub: Hub;
  setting: Setting;
  ctx: ConnectorContext;
  run: SyncRunCounter;
  organizationIds: string[];
  results: Record<string, EntityResult>;
}

/** Adds an entity's outcome (summed over organizations) to the report and the run's counts. */
function record(r: Runner, entity: string, counts: Partial<Counts> & { synced?: number }, ms: number) {
  const created = counts.created ?? 0;
  const updated = counts.updated ?? 0;
  const synced = counts.synced ?? created + updated;
  const prev = r.results[entity];
  r.results[entity] = {
    status: prev?.status === 'failed' ? 'failed' : 'success',
    synced: (prev?.synced ?? 0) + synced,
    ...(counts.created !== undefined
      ? { created: (prev?.created ?? 0) + created, updated: (prev?.updated ?? 0) + updated }
      : {}),
    ...(counts.deleted !== undefined ? { deleted: (prev?.deleted ?? 0) + counts.deleted } : {}),
    duration_ms: (prev?.duration_ms ?? 0) + ms,
    ...(prev?.error ? { error: prev.error } : {}),
  };
  if (entity !== 'availability') r.run.add(counts.created !== undefined ? { created, updated } : { updated: synced });
  if (counts.duplicates) r.run.add({ duplicates: counts.duplicates });
}

function fail(r: Runner, entities: string[], error: unknown, ms: number) {
  // The seed's history shows it: a database error by its SQLSTATE, its SQL in the log.
  const message = userMessage(error);
  if (databaseErrorCode(error))
    r.hub.logger.warn({ err: error, settingId: r.setting.id }, 'iiko sync step failed on a database error');
  for (const entity of entities) {
    r.results[entity] = {
      status: 'failed',
      synced: r.results[entity]?.synced ?? 0,
      duration_ms: (r.results[entity]?.duration_ms ?? 0) + ms,
      error: message,
    };
  }
  r.run.problem(`${entities.join(', ')}: ${message}`);
}

const entitiesOf: Record<Step, string[]> = {
  organizations: ['organizations'],
  nomenclature: ['categories', 'products', 'product_sizes', 'modifier_groups', 'modifiers'],
  delta: ['categories', 'products', 'product_sizes', 'modifier_groups', 'modifiers'],
  combos: ['combos'],
  menus: ['external_menus', 'price_categories'],
  stoplist: ['stop_lists'],
  terminals: ['terminal_groups'],
  payments: ['payment_types'],
};

/** Runs one step; a rejected login stops the whole sync, anything else fails only this step. */
async function step(r: Runner, name: Step, work: () => Promise<void>) {
  const started = performance.now();
  try {
    await work();
  } catch (error) {
    if (error instanceof CredentialsRejected) throw error;
    fail(r, entitiesOf[name], error, Math.round(performance.now() - started));
  }
}

const since = (t: number) => Math.round(performance.now() - t);

async function runStep(r: Runner, name: Step) {
  const { hub, setting, ctx } = r;
  const db = hub.db;
  const problem = (message: string, details?: unknown) => r.run.problem(message, details);
  if (name === 'nomenclature' || name === 'delta') {
    for (const organizationId of r.organizationIds) {
      await step(r, name, async () => {
        const t = performance.now();
        const startRevision = name === 'delta' ? await nomenclatureRevision(db, setting.id, organizationId) : null;
        const answer = await iikoApi.nomenclature(ctx, organizationId, startRevision);
        r.run.add({ fetched: answer.groups.length + answer.products.length });
        const counts = await db.transaction((tx) =>
          importNomenclature(
            tx,
            { settingId: setting.id, organizationId, currency: setting.currency },
            answer,
            startRevision === null,
            problem,
          ),
        );
        const ms = since(t);
        record(r, 'categories', counts.categories, ms);
        record(r, 'products', counts.products, ms);
        record(r, 'product_sizes', { synced: counts.product_sizes }, ms);
        record(r, 'modifier_groups', { synced: counts.modifier_groups }, ms);
        record(r, 'modifiers', { synced: counts.modifiers }, ms);
      });
    }
  } else if (name === 'combos') {
    for (const organizationId of r.organizationIds) {
      await step(r, name, async () => {
        const t = performance.now();
        const answer = await iikoApi.combos(ctx, organizationId);
        const combos = answer.comboSpecifications ?? [];
        r.run.add({ fetched: combos.length });
        const categories = new Map((answer.comboCategories ?? []).flatMap((c) => (c.id ? [[c.id, c.name ?? '']] : [])));
        record(
          r,
          'combos',
          await upsertCombos(db, { settingId: setting.id, organizationId }, combos, categories as Map<string, string>),
          since(t),
        );
      });
    }
  } else if (name === 'menus') {
    await step(r, name, async () => {
      const t = performance.now();
      const answer = await iikoApi.menus(ctx);
      r.run.add({ fetched: (answer.externalMenus?.length ?? 0) + (answer.priceCategories?.length ?? 0) });
      record(
        r,
        'external_menus',
        await upsertNamedList(db, 'external_menus', setting.id, answer.externalMenus ?? []),
        since(t),
      );
      record(
        r,
        'price_categories',
        await upsertNamedList(db, 'price_categories', setting.id, answer.priceCategories ?? []),
        since(t),
      );
    });
  } else if (name === 'stoplist') {
    await step(r, name, async () => {
      const t = performance.now();
      const lists = await iikoApi.stopLists(ctx, r.organizationIds);
      for (const organizationId of r.organizationIds) {
        const groups = lists.filter((l) => l.organizationId === organizationId).flatMap((l) => l.items);
        r.run.add({ fetched: groups.reduce((n, g) => n + g.items.length, 0) });
        const result = await db.transaction((tx) =>
          replaceStopLists(tx, { settingId: setting.id, organizationId, currency: setting.currency }, groups),
        );
        record(r, 'stop_lists', { synced: result.synced }, 0);
        record(r, 'availability', { synced: result.availabilityChanged }, 0);
      }
      r.results.stop_lists.duration_ms = since(t);
    });
  } else if (name === 'terminals') {
    await step(r, name, async () => {
      const t = performance.now();
      const groups = await iikoApi.terminalGroups(ctx, r.organizationIds);
      r.run.add({ fetched: groups.length });
      record(r, 'terminal_groups', await upsertTerminalGroups(db, setting.id, r.organizationIds, groups), since(t));
    });
  } else if (name === 'payments') {
    for (const organizationId of r.organizationIds) {
      await step(r, name, async () => {
        const t = performance.now();
        const types = await iikoApi.paymentTypes(ctx, [organizationId]);
        r.run.add({ fetched: types.length });
        record(
          r,
          'payment_types',
          await upsertPaymentTypes(db, { settingId: setting.id, organizationId }, types),
          since(t),
        );
      });
    }
  }
}

/** Asks iiko which organizations the login sees and keeps them on the setting. */
export async function loadOrganizations(hub: Hub, settingId: number) {
  const setting = await getSetting(hub.db, settingId);
  const ctx = await connectorContextFor(hub, setting.account_id, { allowInactive: true });
  const organizations = await guardCredentials(hub, setting.account_id, () => iikoApi.organizations(ctx));
  const list = organizations.map((o) => ({ id: o.id, name: o.name ?? null, code: o.code ?? null }));
  await saveOrganizations(hub.db, settingId, list);
  return list;
}

/** The steps of one sync kind in an open sync run. */
async function syncInRun(
  hub: Hub,
  setting: Setting,
  ctx: ConnectorContext,
  run: SyncRunCounter,
  kind: SyncKind,
  organizationId?: string,
): Promise<SyncReport> {
  const started = performance.now();
  const results: Record<string, EntityResult> = {};
  let organizationIds = organizationId ? [organizationId] : setting.syncOrganizationIds;
  const r: Runner = { hub, setting, ctx, run, organizationIds, results };
  if (!organizationIds.length) {
    await step(r, 'organizations', async () => {
      const t = performance.now();
      const organizations = await iikoApi.organizations(ctx);
      await saveOrganizations(
        hub.db,
        setting.id,
        organizations.map((o) => ({ id: o.id, name: o.name ?? null, code: o.code ?? null })),
      );
      organizationIds = r.organizationIds = organizations.map((o) => o.id);
      record(r, 'organizations', { synced: organizations.length }, since(t));
    });
  }
  await hub.db.execute(sql`
    insert into menu_sync_runs (sync_run_id, setting_id, kind, organization_ids)
    values (${run.id}, ${setting.id}, ${kind}, ${sql.param(organizationIds)}::text[])
    on conflict (sync_run_id) do update set organization_ids = excluded.organization_ids`);
  if (organizationIds.length) for (const name of stepsOf[kind]) await runStep(r, name);
  else run.problem('The API login sees no organizations: nothing to sync');

  const outcomes = Object.values(results);
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const report: SyncReport = {
    status:
      !organizationIds.length || (failed && failed === outcomes.length) ? 'failed' : failed ? 'partial' : 'success',
    sync_run_id: run.id,
    setting_id: setting.id,
    sync_type: kind,
    organization_ids: organizationIds,
    duration_ms: since(started),
    results,
  };
  await hub.db.execute(
    sql`update menu_sync_runs set results = ${JSON.stringify(results)}::jsonb where sync_run_id = ${run.id}`,
  );
  return report;
}

/** A failed sync: the run is recorded as failed and the report travels with the error. */
class SyncFailed extends Error {
  constructor(readonly report: SyncReport) {
    super(
      Object.entries(report.results)
        .filter(([, r]) => r.error)
        .map(([entity, r]) => `${entity}: ${r.error}`)
        .join('; ') || 'nothing synced',
    );
  }
}

/**
 * Runs a sync of a setting now (the seed's POST /sync/* endpoints and the webhook): answers
 * the report; a sync where everything failed is a 502 IIKO_SYNC_FAILED with the report in details.
 */
export async function runSync(
  hub: Hub,
  settingId: number,
  kind: SyncKind,
  options: { organizationId?: string } = {},
): Promise<SyncReport> {
  const setting = await getSetting(hub.db, settingId);
  if (
    options.organizationId &&
    setting.syncOrganizationIds.length &&
    !setting.syncOrganizationIds.includes(options.organizationId)
  ) {
    throw new DomainError(
      'UNKNOWN_ORGANIZATION',
      `Organization ${options.organizationId} is not one of setting ${settingId}'s`,
      404,
      { organization_id: options.organizationId },
    );
  }
  let runId = 0;
  const started = performance.now();
  try {
    return await withSyncRun(hub, { type: `iiko.${kind}`, accountId: setting.account_id }, async (run) => {
      runId = run.id;
      const ctx = await connectorContextFor(hub, setting.account_id, { run });
      const report = await guardCredentials(hub, setting.account_id, () =>
        syncInRun(hub, setting, ctx, run, kind, options.organizationId),
      );
      if (report.status === 'failed') throw new SyncFailed(report);
      return report;
    });
  } catch (error) {
    if (error instanceof SyncFailed)
      throw new DomainError('IIKO_SYNC_FAILED', `The iiko sync failed: ${error.message}`, 502, error.report);
    if (error instanceof CredentialsRejected) {
      // The seed's failed sync: the report with status failed and iiko's own reason (its run in the history says the same).
      const report: SyncReport & { error_message: string } = {
        status: 'failed',
        sync_run_id: runId,
        setting_id: settingId,
        sync_type: kind,
        organization_ids: options.organizationId ? [options.organizationId] : setting.syncOrganizationIds,
        duration_ms: Math.round(performance.now() - started),
        results: {},
        error_message: error.message,
      };
      throw new DomainError(
        'ACCOUNT_NEEDS_REAUTH',
        `${error.message}. Enter a new API login for setting ${settingId}.`,
        502,
        report,
      );
    }
    throw error;
  }
}

/** A scheduled sync: the engine's job for `iiko.<kind>` runs it in its own sync run (wired in src/channels/iiko/module.ts). */
export async function syncForConnectorJob(
  hub: Hub,
  ctx: ConnectorContext,
  run: SyncRunCounter,
  kind: SyncKind,
): Promise<void> {
  const setting = await settingOfAccount(hub.db, ctx.account.id, hub.masterKey);
  const report = await syncInRun(hub, setting, ctx, run, kind);
  if (report.status === 'failed') throw new SyncFailed(report);
}
