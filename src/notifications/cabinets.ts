import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { enqueueJob } from '../engine/jobs.ts';
import type { Hub } from '../hub.ts';
import { DomainError } from '../shared/errors.ts';
import { createAccount, deleteAccount, findAccountsByCredentials, requireConnector, requireMasterKey, setAccountStatus } from '../channels/core/accounts.ts';
import { connectorContextFor, markNeedsReauth, setSchedulesEnabled } from '../channels/core/context.ts';
import type { ValidationResult } from '../channels/core/connector.ts';
import { recordEvent } from './events.ts';
import { addMember, cabinetsOf, membersOf, removeMembers, type Cabinet } from './users.ts';

/**
 * Cabinets by API key (seed 001): the key is checked with the channel first (WB: /ping);
 * a key that already has a cabinet (same credentials fingerprint) makes the user a member of
 * that one, so a team shares one cabinet and one sync. `validate-all` checks every cabinet
 * again: one whose key stopped working is flagged (needs_reauth), its members are told, and
 * it is removed from their cabinets (the account and its history stay; docs/decisions/080).
 */

/** Where new WB cabinets point: WB_API_BASE_URL (a simulator in tests and the demo) or production. */
export const wbBaseUrl = (env: NodeJS.ProcessEnv = process.env) => env.WB_API_BASE_URL?.trim() || null;

async function validateAccount(hub: Hub, accountId: number): Promise<ValidationResult> {
  const ctx = await connectorContextFor(hub, accountId, { allowInactive: true });
  return requireConnector(ctx.account.channel).validate(ctx);
}

async function checkedValidation(hub: Hub, accountId: number): Promise<ValidationResult> {
  try {
    return await validateAccount(hub, accountId);
  } catch (error) {
    throw new DomainError('CHANNEL_UNREACHABLE', `The key could not be checked now: ${(error as Error).message}. Try again later.`, 502);
  }
}

export interface AddCabinetResult {
  cabinet: Cabinet;
  /** true: a new cabinet; false: the user joined the cabinet this key already had. */
  created: boolean;
  joined: boolean;
}

export async function addCabinetByKey(
  hub: Hub,
  input: { userId: number; channel: string; credentials: Record<string, string>; name: string; baseUrl?: string | null },
  actor: string,
): Promise<AddCabinetResult> {
  const masterKey = requireMasterKey(hub.masterKey);
  const connector = requireConnector(input.channel);
  const parsed = connector.credentialsSchema.safeParse(input.credentials);
  if (!parsed.success) throw new DomainError('INVALID_API_KEY', `The API key is not a valid ${connector.title} key: ${parsed.error.issues[0]?.message}`, 400);

  const [existingId] = await findAccountsByCredentials(hub.db, masterKey, connector.channel, parsed.data);
  if (existingId !== undefined) {
    const result = await checkedValidation(hub, existingId);
    if (!result.ok) {
      await markNeedsReauth(hub, existingId, result.reason, actor);
      throw new DomainError('INVALID_API_KEY', `${connector.title} refused the key: ${result.reason}`, 422);
    }
    const [before] = await rows<{ status: string }>(hub.db, sql`select status from channel_accounts where id = ${existingId}`);
    const joined = await hub.db.transaction(async (tx) => {
      await setAccountStatus(tx, existingId, 'active', null, actor);
      await tx.execute(sql`update channel_accounts set validated_at = now() where id = ${existingId}`);
      return addMember(tx, existingId, input.userId);
    });
    // The key works again (it was flagged before): its pulls resume.
    if (before?.status !== 'active') await setSchedulesEnabled(hub, existingId, true);
    return { cabinet: (await cabinetsOf(hub.db, input.userId)).find((c) => c.id === existingId)!, created: false, joined };
  }

  // The account must exist for the shared HTTP client (its rate bucket, its api_calls); a refused key removes it again.
  const account = await createAccount(hub.db, masterKey, {
    channel: connector.channel, name: await freeName(hub, connector.channel, input.name), baseUrl: input.baseUrl ?? null, credentials: parsed.data,
  }, actor);
  let result: ValidationResult;
  try {
    result = await checkedValidation(hub, account.id);
  } catch (error) {
    await deleteAccount(hub.db, account.id, actor);
    throw error;
  }
  if (!result.ok) {
    await deleteAccount(hub.db, account.id, actor);
    throw new DomainError('INVALID_API_KEY', `${connector.title} refused the key: ${result.reason}`, 422);
  }
  await hub.db.transaction(async (tx) => {
    await tx.execute(sql`update channel_accounts set validated_at = now() where id = ${account.id}`);
    await addMember(tx, account.id, input.userId);
  });
  // The first pull right away (the schedule repeats it); the detector takes its end as the baseline.
  for (const job of connector.jobs ?? []) {
    await enqueueJob(hub.db, { type: `${connector.channel}.${job.name}`, accountId: account.id, payload: { accountId: account.id }, key: `${connector.channel}.${job.name}:${account.id}` });
  }
  return { cabinet: (await cabinetsOf(hub.db, input.userId)).find((c) => c.id === account.id)!, created: true, joined: true };
}

/** Account names are unique per channel; two sellers may both call theirs "Main". */
async function freeName(hub: Hub, channel: string, wanted: string): Promise<string> {
  const base = wanted.trim().slice(0, 180) || 'Cabinet';
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base} (${n})`;
    const [taken] = await rows(hub.db, sql`select 1 from channel_accounts where channel = ${channel} and lower(name) = lower(${name})`);
    if (!taken) return name;
  }
}

export interface ValidationReport {
  checked: number;
  valid: number[];
  invalid: { id: number; name: string; channel: string; reason: string; members_told: number }[];
  unreachable: { id: number; name: string; error: string }[];
}

export async function validateAllCabinets(hub: Hub, actor: string): Promise<ValidationReport> {
  const cabinets = await rows<{ id: number; name: string; channel: string }>(hub.db, sql`
    select a.id, a.name, a.channel from channel_accounts a
     where exists (select 1 from cabinet_users cu where cu.account_id = a.id) order by a.id`);
  const report: ValidationReport = { checked: cabinets.length, valid: [], invalid: [], unreachable: [] };
  for (const cabinet of cabinets) {
    let result: ValidationResult;
    try {
      result = await validateAccount(hub, cabinet.id);
    } catch (error) {
      // Unreachable is not invalid: the cabinet stays until the service answers.
      report.unreachable.push({ id: cabinet.id, name: cabinet.name, error: (error as Error).message });
      continue;
    }
    if (result.ok) {
      report.valid.push(cabinet.id);
      await hub.db.execute(sql`update channel_accounts set validated_at = now() where id = ${cabinet.id}`);
      continue;
    }
    await markNeedsReauth(hub, cabinet.id, result.reason, actor);
    const told = await hub.db.transaction(async (tx) => {
      const members = await membersOf(tx, cabinet.id);
      const recorded = await recordEvent(tx, {
        accountId: cabinet.id, type: 'cabinet_invalid', dedupKey: `cabinet_invalid:${cabinet.id}:${Date.now()}`,
        payload: { cabinet: cabinet.name, channel: cabinet.channel, reason: result.reason }, occurredAt: new Date().toISOString(),
      });
      await removeMembers(tx, cabinet.id);
      await tx.execute(sql`delete from notification_watch where account_id = ${cabinet.id}`);
      return recorded?.deliveries ?? members.length;
    });
    report.invalid.push({ id: cabinet.id, name: cabinet.name, channel: cabinet.channel, reason: result.reason, members_told: told });
    hub.logger.warn({ accountId: cabinet.id, reason: result.reason }, 'notifications: cabinet key stopped working; members told and removed');
  }
  return report;
}
