import type { Hub } from '../../hub.ts';
import { databaseErrorCode, DomainError, notFound } from '../../shared/errors.ts';
import {
  createAccount,
  deleteAccount,
  getAccount,
  markValidated,
  requireMasterKey,
  setAccountStatus,
  type AccountInput,
  type AccountStatus,
  type AccountView,
} from './accounts.ts';
import { CredentialsRejected, type ValidationResult } from './connector.ts';
import { accountRuntime, markNeedsReauth, setSchedulesEnabled } from './context.ts';
import { requireModule } from './module.ts';

/**
 * Connecting an account and checking its key, one way for the API, the panel and the bot:
 * the same checks, the same error codes (CREDENTIALS_REJECTED 422, CHANNEL_UNAVAILABLE 502).
 */

export interface ConnectOptions {
  /**
   * Check the key with the service before keeping the account: 'always' (the panel, the bot),
   * 'when-cheap' (the API: only where the module has a cheap check, `validateOnAdd`), or 'never'.
   */
  check?: 'always' | 'when-cheap' | 'never';
}

/** Makes the account; with a check, a refused or uncheckable key keeps nothing. */
export async function connectAccount(
  hub: Hub,
  input: AccountInput,
  actor: string,
  options: ConnectOptions = {},
): Promise<AccountView> {
  const masterKey = requireMasterKey(hub.masterKey);
  const module = requireModule(input.channel);
  const account = await hub.db.transaction((tx) => createAccount(tx, masterKey, input, actor));
  const check = options.check ?? 'when-cheap';
  if (check === 'never' || (check === 'when-cheap' && !module.connector.validateOnAdd)) return account;
  // The account exists for the check (the shared HTTP client needs its rate bucket and api_calls); a failed check removes it.
  let verdict: ValidationResult;
  try {
    verdict = await askService(hub, account.id);
  } catch (error) {
    await deleteAccount(hub.db, account.id, actor);
    throw error;
  }
  if (!verdict.ok) {
    await deleteAccount(hub.db, account.id, actor);
    throw credentialsRejected(verdict.reason);
  }
  await markValidated(hub.db, account.id);
  return getAccount(hub.db, account.id);
}

/** The service refused the key: its reason is the message (the panel shows it beside the key field). */
export const credentialsRejected = (reason: string) =>
  new DomainError('CREDENTIALS_REJECTED', reason, 422, { field: 'credentials', reason });

/** The connector's own check; a refused key is `ok: false`, a service that cannot answer a CHANNEL_UNAVAILABLE error. */
async function askService(hub: Hub, accountId: number): Promise<ValidationResult> {
  try {
    const rt = await accountRuntime(hub, accountId, { timeoutMs: 15_000, allowInactive: true });
    return await rt.connector.validate(rt.ctx);
  } catch (error) {
    if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
    if (error instanceof DomainError) throw error;
    if (databaseErrorCode(error)) {
      // The account removed while it was checked (its rate bucket's row refers to it): gone, not unavailable.
      const [still] = await hub.database.query('select 1 from channel_accounts where id = $1', [accountId]);
      hub.logger.warn(
        { err: error, accountId },
        still ? 'database error while checking a key' : 'account removed while its key was checked',
      );
      if (!still) throw notFound('Account', accountId);
      throw error; // ours, not the service's: logged as an internal error, its SQL never shown
    }
    throw new DomainError('CHANNEL_UNAVAILABLE', `The key could not be checked now: ${(error as Error).message}`, 502, {
      reason: (error as Error).message,
    });
  }
}

export interface CheckOutcome {
  ok: boolean;
  status: AccountStatus;
  /** The service's words: what it said on success, or why it refused. */
  details: string | null;
}

/**
 * Checks an account's key with the service: a refusal turns it needs_reauth (its schedules
 * stop), a success makes a needs_reauth account active again; a disabled account stays
 * disabled whatever the verdict (an admin stopped it). A service that cannot answer changes
 * nothing and is a CHANNEL_UNAVAILABLE error.
 */
export async function checkCredentials(hub: Hub, accountId: number, actor: string): Promise<CheckOutcome> {
  const before = await getAccount(hub.db, accountId);
  const verdict = await askService(hub, accountId);
  if (!verdict.ok) {
    if (before.status === 'disabled') return { ok: false, status: 'disabled', details: verdict.reason };
    await markNeedsReauth(hub, accountId, verdict.reason, actor);
    return { ok: false, status: 'needs_reauth', details: verdict.reason };
  }
  await markValidated(hub.db, accountId);
  if (before.status === 'needs_reauth') {
    await hub.db.transaction((tx) => setAccountStatus(tx, accountId, 'active', null, actor));
    await setSchedulesEnabled(hub, accountId, true);
  }
  return {
    ok: true,
    status: before.status === 'needs_reauth' ? 'active' : before.status,
    details: verdict.details ?? null,
  };
}
