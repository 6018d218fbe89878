import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { defineJobType, enqueueJob } from '../engine/jobs.ts';
import type { Hub } from '../hub.ts';
import { fieldProblems } from '../http/errors.ts';
import { DomainError, userMessage } from '../shared/errors.ts';
import {
  findAccountsByCredentials,
  getAccount,
  requireActive,
  requireConnector,
  requireMasterKey,
} from '../channels/core/accounts.ts';
import { checkCredentials, connectAccount, credentialsRejected, type CheckOutcome } from '../channels/core/connect.ts';
import { demoServiceUrl } from './demo.ts';
import { recordEvent } from './events.ts';
import { addMember, cabinetsOf, membersOf, removeMembers, type Cabinet } from './users.ts';

/**
 * Cabinets by API key (seed 001), through core's connectAccount / checkCredentials with their
 * error codes (CREDENTIALS_REJECTED 422, CHANNEL_UNAVAILABLE 502; the seed names none): the key
 * is checked with the channel first (WB: /ping);
 * a key that already has a cabinet (same credentials fingerprint) makes the user a member of
 * that one, so a team shares one cabinet and one sync; joining never brings back an account an
 * admin disabled (docs/decisions/150). `validate-all` checks every cabinet again, as a job (it
 * asks the service once per cabinet): one whose key stopped working is flagged (needs_reauth),
 * its members are told, and it is removed from their cabinets (the account and its history stay;
 * docs/decisions/080).
 */

/**
 * Where new WB cabinets point: WB_API_BASE_URL (a simulator in tests), else, while the demo runs
 * in this process, the demo's WB simulator (it refuses any key it did not issue), else production.
 */
export const wbBaseUrl = (env: NodeJS.ProcessEnv = process.env) =>
  env.WB_API_BASE_URL?.trim() || demoServiceUrl('wildberries') || null;

export interface AddCabinetResult {
  cabinet: Cabinet;
  /** true: a new cabinet; false: the user joined the cabinet this key already had. */
  created: boolean;
  joined: boolean;
}

/** The last addCabinetByKey of each channel in this process: the next waits for it (see below). */
const adding = new Map<string, Promise<unknown>>();

/**
 * Adds a cabinet by its key, or joins the one that key already has. Two at once in one process
 * run one after the other, so the second finds the first's cabinet and joins it instead of
 * making a second one with the same key (API processes apart can still race: README).
 */
export function addCabinetByKey(
  hub: Hub,
  input: {
    userId: number;
    channel: string;
    credentials: Record<string, string>;
    name: string;
    baseUrl?: string | null;
  },
  actor: string,
): Promise<AddCabinetResult> {
  const before = adding.get(input.channel) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(() => addOrJoin(hub, input, actor));
  adding.set(input.channel, run);
  void run
    .finally(() => {
      if (adding.get(input.channel) === run) adding.delete(input.channel);
    })
    .catch(() => undefined);
  return run;
}

async function addOrJoin(
  hub: Hub,
  input: {
    userId: number;
    channel: string;
    credentials: Record<string, string>;
    name: string;
    baseUrl?: string | null;
  },
  actor: string,
): Promise<AddCabinetResult> {
  const masterKey = requireMasterKey(hub.masterKey);
  const connector = requireConnector(input.channel);
  // Parsed here, not only by connectAccount: the same key's cabinet is found by the parsed credentials' fingerprint.
  const parsed = connector.credentialsSchema.safeParse(input.credentials);
  if (!parsed.success) {
    const problems = fieldProblems(parsed.error as never, 'credentials');
    throw new DomainError(
      'VALIDATION_FAILED',
      problems.map((p) => `${p.field}: ${p.message}`).join('; '),
      400,
      problems,
    );
  }

  const [existingId] = await findAccountsByCredentials(hub.db, masterKey, connector.channel, parsed.data);
  if (existingId !== undefined) {
    const existing = await getAccount(hub.db, existingId);
    // An admin stopped it: a key, even a working one, does not start it again (an admin does, with PATCH status active).
    if (existing.status === 'disabled') requireActive(existing);
    // A refusal flags the cabinet (needs_reauth); a key that works again brings a flagged one back, its pulls resume.
    const check = await checkCredentials(hub, existingId, actor);
    if (!check.ok) throw credentialsRejected(check.details ?? `${connector.title} refused the key`);
    const joined = await hub.db.transaction((tx) => addMember(tx, existingId, input.userId));
    return {
      cabinet: (await cabinetsOf(hub.db, input.userId)).find((c) => c.id === existingId)!,
      created: false,
      joined,
    };
  }

  const account = await connectAccount(
    hub,
    {
      channel: connector.channel,
      name: await freeName(hub, connector.channel, input.name),
      baseUrl: input.baseUrl ?? null,
      credentials: parsed.data,
    },
    actor,
    { check: 'always' },
  );
  await hub.db.transaction((tx) => addMember(tx, account.id, input.userId));
  // The first pull right away (the schedule repeats it); the detector takes its end as the baseline.
  for (const job of connector.jobs ?? []) {
    await enqueueJob(hub.db, {
      type: `${connector.channel}.${job.name}`,
      accountId: account.id,
      payload: { accountId: account.id },
      key: `${connector.channel}.${job.name}:${account.id}`,
    });
  }
  return {
    cabinet: (await cabinetsOf(hub.db, input.userId)).find((c) => c.id === account.id)!,
    created: true,
    joined: true,
  };
}

/** Account names are unique per channel; two sellers may both call theirs "Main". */
async function freeName(hub: Hub, channel: string, wanted: string): Promise<string> {
  const base = wanted.trim().slice(0, 180) || 'Cabinet';
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base} (${n})`;
    const [taken] = await rows(
      hub.db,
      sql`select 1 from channel_accounts where channel = ${channel} and lower(name) = lower(${name})`,
    );
    if (!taken) return name;
  }
}

export interface ValidationReport {
  checked: number;
  valid: number[];
  invalid: { id: number; name: string; channel: string; reason: string; members_told: number }[];
  unreachable: { id: number; name: string; error: string }[];
}

const VALIDATE_ALL = 'notifications.validate_cabinets';

/** The job that runs validate-all, wired in src/assembly.ts; its report is the job's result. */
export function registerNotificationJobs() {
  defineJobType(VALIDATE_ALL, ({ hub, job }) => validateAllCabinets(hub, String(job.payload.actor ?? 'validate-all')), {
    maxAttempts: 3,
    timeoutMs: 10 * 60_000,
  });
}

/** Queues validate-all; while one waits or runs, asking again answers that one. */
export async function queueCabinetValidation(hub: Hub, actor: string) {
  return enqueueJob(hub.db, { type: VALIDATE_ALL, key: VALIDATE_ALL, payload: { actor } });
}

async function validateAllCabinets(hub: Hub, actor: string): Promise<ValidationReport> {
  const cabinets = await rows<{ id: number; name: string; channel: string }>(
    hub.db,
    sql`
    select a.id, a.name, a.channel from channel_accounts a
     where exists (select 1 from cabinet_users cu where cu.account_id = a.id) order by a.id`,
  );
  const report: ValidationReport = { checked: cabinets.length, valid: [], invalid: [], unreachable: [] };
  for (const cabinet of cabinets) {
    let check: CheckOutcome;
    try {
      check = await checkCredentials(hub, cabinet.id, actor);
    } catch (error) {
      // Unreachable is not invalid: the cabinet stays until the service answers.
      report.unreachable.push({ id: cabinet.id, name: cabinet.name, error: userMessage(error) });
      continue;
    }
    if (check.ok) {
      report.valid.push(cabinet.id);
      continue;
    }
    const reason = check.details ?? 'the service refused the key';
    const told = await hub.db.transaction(async (tx) => {
      const members = await membersOf(tx, cabinet.id);
      const recorded = await recordEvent(tx, {
        accountId: cabinet.id,
        type: 'cabinet_invalid',
        dedupKey: `cabinet_invalid:${cabinet.id}:${Date.now()}`,
        payload: { cabinet: cabinet.name, channel: cabinet.channel, reason },
        occurredAt: new Date().toISOString(),
      });
      await removeMembers(tx, cabinet.id);
      await tx.execute(sql`delete from notification_watch where account_id = ${cabinet.id}`);
      return recorded?.deliveries ?? members.length;
    });
    report.invalid.push({ id: cabinet.id, name: cabinet.name, channel: cabinet.channel, reason, members_told: told });
    hub.logger.warn(
      { accountId: cabinet.id, reason },
      'notifications: cabinet key stopped working; members told and removed',
    );
  }
  return report;
}
