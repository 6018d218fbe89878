import { sql } from 'drizzle-orm';
import type { z } from 'zod';
import { diffFields, recordOperation } from '../../audit/operations.ts';
import { rows, type Executor } from '../../db/database.ts';
import { fieldProblems } from '../../http/errors.ts';
import { isUniqueViolation } from '../../inventory/sql-errors.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { fingerprint, maskSecret, sealJson, unsealJson } from '../../shared/secrets.ts';
import { requireModule } from './module.ts';
import type { Connector, ConnectorAccount } from './connector.ts';

/**
 * Channel accounts: many per channel, each with its base URL and sealed credentials.
 * Credentials are parsed by the connector's schema, sealed under the master key and only
 * ever shown masked (••••last4). Services take the executor they run in first.
 */

export const accountStatuses = ['active', 'needs_reauth', 'disabled'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

/** An account as the API shows it: credentials masked, never whole. */
export interface AccountView {
  id: number;
  channel: string;
  name: string;
  base_url: string;
  status: AccountStatus;
  status_reason: string | null;
  credentials: Record<string, string>;
  settings: Record<string, unknown>;
  validated_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AccountInput {
  channel: string;
  name: string;
  baseUrl?: string | null;
  credentials: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

export interface AccountPatch {
  name?: string;
  baseUrl?: string | null;
  credentials?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  /** An admin may disable an account or bring it back to active (after new keys, say). */
  status?: 'active' | 'disabled';
}

const viewColumns = sql`id, channel, name, base_url, status, status_reason, credentials_masked as credentials, settings,
  iso(validated_at) as validated_at, iso(created_at) as created_at, iso(updated_at) as updated_at`;

export function requireMasterKey(masterKey: Buffer | undefined): Buffer {
  if (!masterKey)
    throw new DomainError('MASTER_KEY_MISSING', 'The master key is not loaded: set SKLAD_MASTER_KEY', 503);
  return masterKey;
}

export function requireConnector(channel: string): Connector {
  return requireModule(channel).connector;
}

/** Parses with the connector's schema; a bad field is a 400 naming `body.<field>.<key>`. */
function parseWith<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = fieldProblems(parsed.error as never, field);
  throw new DomainError('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 400, problems);
}

const sealedCredentials = (masterKey: Buffer, credentials: Record<string, string>) => ({
  sealed: sealJson(masterKey, credentials),
  fingerprint: fingerprint(
    masterKey,
    JSON.stringify(Object.entries(credentials).sort(([a], [b]) => a.localeCompare(b))),
  ),
  masked: Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, maskSecret(String(v))])),
});

/**
 * An account's base URL is an address, never a place for credentials: `user:password@` or a
 * query (a token in it) would be stored and shown in clear, outside the sealed credentials.
 */
function parseBaseUrl(value: string | null | undefined, fallback: string): string {
  if (!value) return fallback;
  const refuse = (message: string) => {
    throw new DomainError('VALIDATION_FAILED', `body.base_url: ${message}`, 400, [{ field: 'body.base_url', message }]);
  };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return refuse('must be a URL, such as https://api.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse('must be an http or https URL');
  if (url.username || url.password)
    refuse('must not hold a user name or password: put credentials in the credentials fields, which are sealed');
  if (url.search || url.hash)
    refuse(
      'must not have a query or fragment (a token in it would be stored in clear): put credentials in the credentials fields',
    );
  return value;
}

const nameTaken = (channel: string, name: string, id?: number) =>
  new DomainError('ACCOUNT_NAME_TAKEN', `A ${channel} account named "${name}" exists already`, 409, {
    id,
    channel,
    name,
  });

export async function createAccount(
  ex: Executor,
  masterKey: Buffer,
  input: AccountInput,
  actor: string,
): Promise<AccountView> {
  const connector = requireConnector(input.channel);
  const credentials = parseWith(connector.credentialsSchema, input.credentials, 'body.credentials');
  const settings = connector.settingsSchema
    ? parseWith(connector.settingsSchema, input.settings ?? {}, 'body.settings')
    : (input.settings ?? {});
  const name = input.name.trim();
  const baseUrl = parseBaseUrl(input.baseUrl, connector.defaultBaseUrl);
  const sealed = sealedCredentials(masterKey, credentials);
  const [taken] = await rows(
    ex,
    sql`select id from channel_accounts where channel = ${connector.channel} and lower(name) = lower(${name})`,
  );
  if (taken) throw nameTaken(connector.channel, name, taken.id as number);
  let created: AccountView;
  try {
    [created] = await rows<AccountView>(
      ex,
      sql`
      insert into channel_accounts (channel, name, base_url, credentials_sealed, credentials_fingerprint, credentials_masked, settings)
      values (${connector.channel}, ${name}, ${baseUrl}, ${sealed.sealed}, ${sealed.fingerprint},
              ${JSON.stringify(sealed.masked)}::jsonb, ${JSON.stringify(settings)}::jsonb)
      returning ${viewColumns}`,
    );
  } catch (error) {
    // Two requests with one name at once: both passed the check above, the unique index lets one in.
    if (isUniqueViolation(error, 'channel_accounts_name')) throw nameTaken(connector.channel, name);
    throw error;
  }
  await recordOperation(ex, {
    entityType: 'channel_account',
    entityId: created.id,
    action: 'create',
    actor,
    changes: diffFields(null, created as unknown as Record<string, unknown>, [
      'channel',
      'name',
      'base_url',
      'credentials',
      'settings',
    ]),
  });
  return created;
}

export async function getAccount(ex: Executor, id: number): Promise<AccountView> {
  const [account] = await rows<AccountView>(ex, sql`select ${viewColumns} from channel_accounts where id = ${id}`);
  if (!account) throw notFound('Account', id);
  return account;
}

export async function listAccounts(
  ex: Executor,
  filter: { channel?: string; status?: AccountStatus } = {},
): Promise<AccountView[]> {
  return rows<AccountView>(
    ex,
    sql`
    select ${viewColumns} from channel_accounts
     where (${filter.channel ?? null}::text is null or channel = ${filter.channel ?? null})
       and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
     order by id`,
  );
}

export async function updateAccount(
  ex: Executor,
  masterKey: Buffer,
  id: number,
  patch: AccountPatch,
  actor: string,
): Promise<AccountView> {
  const before = await getAccount(ex, id);
  const connector = requireConnector(before.channel);
  const sets = [sql`updated_at = now()`];
  if (patch.name !== undefined) sets.push(sql`name = ${patch.name.trim()}`);
  if (patch.baseUrl !== undefined) sets.push(sql`base_url = ${parseBaseUrl(patch.baseUrl, connector.defaultBaseUrl)}`);
  if (patch.settings !== undefined) {
    const settings = connector.settingsSchema
      ? parseWith(connector.settingsSchema, patch.settings, 'body.settings')
      : patch.settings;
    sets.push(sql`settings = ${JSON.stringify(settings)}::jsonb`);
  }
  if (patch.credentials !== undefined) {
    const sealed = sealedCredentials(
      masterKey,
      parseWith(connector.credentialsSchema, patch.credentials, 'body.credentials'),
    );
    sets.push(sql`credentials_sealed = ${sealed.sealed}, credentials_fingerprint = ${sealed.fingerprint},
                  credentials_masked = ${JSON.stringify(sealed.masked)}::jsonb, state_sealed = null, validated_at = null`);
    // New keys are a fresh start: an account that needed them becomes active again.
    if (before.status === 'needs_reauth' && patch.status === undefined)
      sets.push(sql`status = 'active', status_reason = null`);
  }
  if (patch.status !== undefined) sets.push(sql`status = ${patch.status}, status_reason = null`);
  if (patch.name !== undefined) {
    const [taken] = await rows(
      ex,
      sql`select id from channel_accounts where channel = ${before.channel} and lower(name) = lower(${patch.name.trim()}) and id <> ${id}`,
    );
    if (taken) throw nameTaken(before.channel, patch.name.trim(), taken.id as number);
  }
  let after: AccountView;
  try {
    [after] = await rows<AccountView>(
      ex,
      sql`update channel_accounts set ${sql.join(sets, sql`, `)} where id = ${id} returning ${viewColumns}`,
    );
  } catch (error) {
    if (isUniqueViolation(error, 'channel_accounts_name') && patch.name !== undefined)
      throw nameTaken(before.channel, patch.name.trim());
    throw error;
  }
  const changes = diffFields(
    before as unknown as Record<string, unknown>,
    after as unknown as Record<string, unknown>,
    ['name', 'base_url', 'credentials', 'settings', 'status'],
  );
  if (patch.credentials !== undefined && !changes.credentials)
    changes.credentials = { before: before.credentials, after: after.credentials };
  if (Object.keys(changes).length)
    await recordOperation(ex, { entityType: 'channel_account', entityId: id, action: 'update', actor, changes });
  return after;
}

export async function deleteAccount(ex: Executor, id: number, actor: string): Promise<void> {
  const before = await getAccount(ex, id);
  await ex.execute(sql`delete from channel_accounts where id = ${id}`);
  await recordOperation(ex, {
    entityType: 'channel_account',
    entityId: id,
    action: 'delete',
    actor,
    changes: diffFields(before as unknown as Record<string, unknown>, null, ['channel', 'name', 'base_url']),
  });
}

/** The account as its connector sees it: credentials unsealed. Never log or return this. */
export async function loadConnectorAccount(
  ex: Executor,
  masterKey: Buffer,
  id: number,
): Promise<ConnectorAccount & { status: AccountStatus }> {
  const [row] = await rows<{
    id: number;
    channel: string;
    name: string;
    base_url: string;
    credentials_sealed: string;
    settings: Record<string, unknown>;
    status: AccountStatus;
  }>(
    ex,
    sql`select id, channel, name, base_url, credentials_sealed, settings, status from channel_accounts where id = ${id}`,
  );
  if (!row) throw notFound('Account', id);
  return {
    id: row.id,
    channel: row.channel,
    name: row.name,
    baseUrl: row.base_url,
    credentials: unsealJson<Record<string, string>>(masterKey, row.credentials_sealed),
    settings: row.settings ?? {},
    status: row.status,
  };
}

/** Accounts whose credentials are the same as these (the same key added twice, or by two users). */
export async function findAccountsByCredentials(
  ex: Executor,
  masterKey: Buffer,
  channel: string,
  credentials: Record<string, string>,
): Promise<number[]> {
  const { fingerprint: print } = sealedCredentials(masterKey, credentials);
  const found = await rows<{ id: number }>(
    ex,
    sql`select id from channel_accounts where channel = ${channel} and credentials_fingerprint = ${print} order by id`,
  );
  return found.map((r) => r.id);
}

export async function loadState<T>(ex: Executor, masterKey: Buffer, accountId: number): Promise<T | null> {
  const [row] = await rows<{ state_sealed: string | null }>(
    ex,
    sql`select state_sealed from channel_accounts where id = ${accountId}`,
  );
  return row?.state_sealed ? unsealJson<T>(masterKey, row.state_sealed) : null;
}

export async function saveState(
  ex: Executor,
  masterKey: Buffer,
  accountId: number,
  state: Record<string, unknown>,
): Promise<void> {
  await ex.execute(
    sql`update channel_accounts set state_sealed = ${sealJson(masterKey, state)} where id = ${accountId}`,
  );
}

/** Sets the account's status after a check or a rejected key (the engine stops its schedules separately). */
export async function setAccountStatus(
  ex: Executor,
  accountId: number,
  status: AccountStatus,
  reason: string | null,
  actor: string,
) {
  const [before] = await rows<{ status: AccountStatus; status_reason: string | null }>(
    ex,
    sql`select status, status_reason from channel_accounts where id = ${accountId}`,
  );
  if (!before || (before.status === status && before.status_reason === reason)) return;
  await ex.execute(
    sql`update channel_accounts set status = ${status}, status_reason = ${reason}, updated_at = now() where id = ${accountId}`,
  );
  await recordOperation(ex, {
    entityType: 'channel_account',
    entityId: accountId,
    action: 'status',
    actor,
    changes: diffFields(before, { status, status_reason: reason }, ['status', 'status_reason']),
  });
}

export async function markValidated(ex: Executor, accountId: number) {
  await ex.execute(sql`update channel_accounts set validated_at = now() where id = ${accountId}`);
}

/**
 * The one rule for "may a job or an action use this account": active, else ACCOUNT_NEEDS_REAUTH
 * (with the service's reason when known) or ACCOUNT_DISABLED, both 409.
 */
export function requireActive(account: { id: number; status: AccountStatus; status_reason?: string | null }) {
  if (account.status === 'active') return;
  const reason = account.status_reason ?? null;
  throw account.status === 'needs_reauth'
    ? new DomainError(
        'ACCOUNT_NEEDS_REAUTH',
        `Account ${account.id} needs new credentials${reason ? `: ${reason}` : ''}`,
        409,
        { account_id: account.id, reason },
      )
    : new DomainError('ACCOUNT_DISABLED', `Account ${account.id} is disabled`, 409, { account_id: account.id });
}
