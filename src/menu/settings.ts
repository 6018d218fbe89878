import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { diffFields, recordOperation } from '../audit/operations.ts';
import { createAccount, requireMasterKey, updateAccount } from '../channels/core/accounts.ts';
import { IIKO_SYNC_SCHEDULE, scheduledSyncKinds, type ScheduledSyncKind } from '../channels/iiko/schedule.ts';
import { forgetIikoToken } from '../channels/iiko/api.ts';
import { rows, type Db, type Executor } from '../db/database.ts';
import { parseCron, setScheduleOverride } from '../engine/schedules.ts';
import { DomainError, notFound } from '../shared/errors.ts';
import { fingerprint, seal, unseal } from '../shared/secrets.ts';

/**
 * iiko settings (seed 003's IikoSettings): one per API login. The login is sealed in the
 * linked channel account, so the shared HTTP client, its rate limit and the api_calls log work
 * per setting (docs/decisions/090); this row holds the organizations, the currency, the
 * webhook token and the schedule.
 */

export type Schedules = Record<ScheduledSyncKind, string | null>;

export interface SettingView {
  id: number;
  account_id: number;
  name: string;
  base_url: string;
  /** Only ever masked: ••••last4. */
  api_login: string;
  status: string;
  status_reason: string | null;
  organization_ids: string[];
  organizations: { id: string; name: string | null; code: string | null }[];
  organizations_loaded_at: string | null;
  currency: string;
  schedules: Schedules;
  created_at: string;
  updated_at: string;
}

/** What the sync needs: the view plus the organizations it reads. */
export interface Setting extends SettingView {
  /** The chosen organizations, or all loaded ones when none were chosen. */
  syncOrganizationIds: string[];
}

export interface SettingInput {
  name: string;
  api_login: string;
  base_url?: string | null;
  organization_ids?: string[];
  currency?: string;
  schedules?: Partial<Schedules>;
}

export type SettingPatch = Partial<SettingInput>;

const viewSql = sql`
  select s.id, s.account_id, a.name, a.base_url, coalesce(a.credentials_masked ->> 'apiLogin', '••••') as api_login,
         a.status, a.status_reason, s.organization_ids, s.organizations, iso(s.organizations_loaded_at) as organizations_loaded_at,
         s.currency, s.schedules, iso(s.created_at) as created_at, iso(s.updated_at) as updated_at
    from iiko_settings s join channel_accounts a on a.id = s.account_id`;

function toSetting(row: SettingView): Setting {
  const schedules = { ...IIKO_SYNC_SCHEDULE, ...(row.schedules as Partial<Schedules>) };
  const loaded = (row.organizations ?? []).map((o) => o.id);
  return { ...row, schedules, syncOrganizationIds: row.organization_ids.length ? row.organization_ids : loaded };
}

const publicView = ({ syncOrganizationIds: _s, ...view }: Setting): SettingView => view;

export async function getSetting(ex: Executor, id: number): Promise<Setting> {
  const [row] = await rows<SettingView>(ex, sql`${viewSql} where s.id = ${id}`);
  if (!row) throw notFound('iiko setting', id);
  return toSetting(row);
}

export async function getSettingView(ex: Executor, id: number): Promise<SettingView> {
  return publicView(await getSetting(ex, id));
}

export async function listSettings(ex: Executor): Promise<SettingView[]> {
  return (await rows<SettingView>(ex, sql`${viewSql} order by s.id`)).map((r) => publicView(toSetting(r)));
}

/**
 * The setting that owns a channel account (the iiko connector's jobs run per account). An iiko
 * account connected through the channels API (POST /channels/accounts) gets its setting, with
 * the defaults, the first time one is needed.
 */
export async function settingOfAccount(ex: Executor, accountId: number, masterKey?: Buffer): Promise<Setting> {
  const [row] = await rows<SettingView>(ex, sql`${viewSql} where s.account_id = ${accountId}`);
  if (row) return toSetting(row);
  const [account] = await rows(ex, sql`select id from channel_accounts where id = ${accountId} and channel = 'iiko'`);
  if (!account || !masterKey) {
    throw new DomainError(
      'IIKO_SETTING_MISSING',
      `Channel account ${accountId} has no iiko setting: create one with POST /api/v1/iiko/settings`,
      404,
      { account_id: accountId },
    );
  }
  return getSetting(ex, await insertSettingRow(ex, masterKey, accountId, {}));
}

/** The iiko_settings row of an account, with a new webhook token; answers its id. */
async function insertSettingRow(
  ex: Executor,
  key: Buffer,
  accountId: number,
  input: Pick<SettingInput, 'organization_ids' | 'currency' | 'schedules'>,
): Promise<number> {
  const webhookToken = crypto.randomBytes(24).toString('base64url');
  const [{ id }] = await rows<{ id: number }>(
    ex,
    sql`
    insert into iiko_settings (account_id, organization_ids, currency, webhook_token_sealed, webhook_token_fingerprint, schedules)
    values (${accountId}, ${sql.param(input.organization_ids ?? [])}::text[], ${input.currency ?? 'RUB'}, ${seal(key, webhookToken)},
            ${fingerprint(key, webhookToken)}, ${JSON.stringify(input.schedules ?? {})}::jsonb)
    on conflict (account_id) do update set updated_at = iiko_settings.updated_at
    returning id`,
  );
  await applySchedules(ex, accountId, input.schedules ?? {});
  return id;
}

function checkSchedules(schedules: Partial<Schedules>) {
  for (const [kind, cron] of Object.entries(schedules)) {
    if (!scheduledSyncKinds.includes(kind as ScheduledSyncKind)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `schedules.${kind}: not a sync kind (${scheduledSyncKinds.join(', ')})`,
        400,
        [{ field: `body.schedules.${kind}`, message: 'unknown sync kind' }],
      );
    }
    if (cron) parseCron(cron);
  }
}

/** Writes the setting's schedule as the engine's per-account overrides of the `iiko.<kind>` schedules. */
async function applySchedules(ex: Executor, accountId: number, schedules: Partial<Schedules>) {
  for (const kind of scheduledSyncKinds) {
    if (!(kind in schedules)) continue;
    const cron = schedules[kind];
    const isDefault = cron === IIKO_SYNC_SCHEDULE[kind];
    await setScheduleOverride(ex, {
      name: `iiko.${kind}`,
      accountId,
      cron: cron && !isDefault ? cron : null,
      enabled: cron !== null,
    });
  }
}

export async function createSetting(
  ex: Executor,
  masterKey: Buffer | undefined,
  input: SettingInput,
  actor: string,
): Promise<SettingView> {
  const key = requireMasterKey(masterKey);
  checkSchedules(input.schedules ?? {});
  const account = await createAccount(
    ex,
    key,
    { channel: 'iiko', name: input.name, baseUrl: input.base_url, credentials: { apiLogin: input.api_login } },
    actor,
  );
  const id = await insertSettingRow(ex, key, account.id, input);
  const view = await getSettingView(ex, id);
  await recordOperation(ex, {
    entityType: 'iiko_setting',
    entityId: id,
    action: 'create',
    actor,
    changes: diffFields(null, view as unknown as Record<string, unknown>, [
      'name',
      'base_url',
      'api_login',
      'organization_ids',
      'currency',
      'schedules',
    ]),
  });
  return view;
}

export async function updateSetting(
  ex: Executor,
  masterKey: Buffer | undefined,
  id: number,
  patch: SettingPatch,
  actor: string,
): Promise<SettingView> {
  const key = requireMasterKey(masterKey);
  const before = await getSetting(ex, id);
  if (patch.schedules) checkSchedules(patch.schedules);
  if (patch.name !== undefined || patch.base_url !== undefined || patch.api_login !== undefined) {
    await updateAccount(
      ex,
      key,
      before.account_id,
      {
        name: patch.name,
        baseUrl: patch.base_url,
        credentials: patch.api_login === undefined ? undefined : { apiLogin: patch.api_login },
      },
      actor,
    );
    forgetIikoToken(before.account_id);
  }
  const sets = [sql`updated_at = now()`];
  if (patch.organization_ids !== undefined)
    sets.push(sql`organization_ids = ${sql.param(patch.organization_ids)}::text[]`);
  if (patch.currency !== undefined) sets.push(sql`currency = ${patch.currency}`);
  if (patch.schedules !== undefined) sets.push(sql`schedules = schedules || ${JSON.stringify(patch.schedules)}::jsonb`);
  await ex.execute(sql`update iiko_settings set ${sql.join(sets, sql`, `)} where id = ${id}`);
  if (patch.schedules) await applySchedules(ex, before.account_id, patch.schedules);
  const after = await getSetting(ex, id);
  const changes = diffFields(
    before as unknown as Record<string, unknown>,
    after as unknown as Record<string, unknown>,
    ['name', 'base_url', 'api_login', 'organization_ids', 'currency', 'schedules'],
  );
  if (Object.keys(changes).length)
    await recordOperation(ex, { entityType: 'iiko_setting', entityId: id, action: 'update', actor, changes });
  return publicView(after);
}

/**
 * For code that sets Sklad up (the demo): the first iiko setting if there is one, else a new
 * one made from `input` (in a fresh database its id is 1). Safe to call at every start.
 */
export async function ensureIikoSetting(
  hub: { db: Db; masterKey?: Buffer },
  input: SettingInput,
  actor = 'system',
): Promise<{ setting: SettingView; created: boolean }> {
  return hub.db.transaction(async (tx) => {
    // Two processes starting at once make one setting, not two.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('sklad.iiko_settings.ensure'))`);
    const [first] = await rows<{ id: number }>(tx, sql`select id from iiko_settings order by id limit 1`);
    if (first) return { setting: await getSettingView(tx, first.id), created: false };
    return { setting: await createSetting(tx, hub.masterKey, input, actor), created: true };
  });
}

/** Keeps the organizations /api/1/organizations answered; a chosen one that is gone is dropped from the choice. */
export async function saveOrganizations(
  ex: Executor,
  id: number,
  organizations: { id: string; name: string | null; code: string | null }[],
) {
  await ex.execute(sql`
    update iiko_settings set organizations = ${JSON.stringify(organizations)}::jsonb, organizations_loaded_at = now(), updated_at = now(),
           organization_ids = array(select o from unnest(organization_ids) o where o = any(${sql.param(organizations.map((o) => o.id))}::text[]))
     where id = ${id}`);
}

/** The setting whose webhook token this is (iiko sends it in Authorization), or null. */
export async function settingByWebhookToken(
  ex: Executor,
  masterKey: Buffer | undefined,
  token: string,
): Promise<Setting | null> {
  if (!token || !masterKey) return null;
  const [row] = await rows<SettingView>(
    ex,
    sql`${viewSql} where s.webhook_token_fingerprint = ${fingerprint(masterKey, token)}`,
  );
  return row ? toSetting(row) : null;
}

/** The token to register with iiko. Never returned by the API. */
export async function webhookToken(ex: Executor, masterKey: Buffer | undefined, id: number): Promise<string> {
  const [row] = await rows<{ webhook_token_sealed: string }>(
    ex,
    sql`select webhook_token_sealed from iiko_settings where id = ${id}`,
  );
  if (!row) throw notFound('iiko setting', id);
  return unseal(requireMasterKey(masterKey), row.webhook_token_sealed);
}
