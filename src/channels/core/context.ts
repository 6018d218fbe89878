import type { Hub } from '../../hub.ts';
import {
  loadConnectorAccount,
  loadState,
  requireActive,
  requireMasterKey,
  saveState,
  setAccountStatus,
  type AccountStatus,
} from './accounts.ts';
import {
  CredentialsRejected,
  type ChannelLimits,
  type Connector,
  type ConnectorAccount,
  type ConnectorContext,
  type SyncRunCounter,
} from './connector.ts';
import { createChannelHttp, limitsOf } from './http-client.ts';
import { ingestFor } from './ingest.ts';
import { requireModule, type ChannelModule } from './module.ts';

/**
 * Everything a connector runs with for one account: the account with its credentials
 * unsealed, the shared HTTP client bound to the account and the sync run, its state kept
 * sealed in channel_accounts, and progress reported to the job.
 */

export interface ContextOptions {
  syncRunId?: number | null;
  /** The sync run: its id marks the requests, and paged calls record their stops and page caps in it. */
  run?: SyncRunCounter;
  signal?: AbortSignal;
  /** Where progress goes: the job's progress when run as a job. */
  progress?: ConnectorContext['progress'];
  /** Let a check run on an account that is not active (validate does: it may fix needs_reauth). */
  allowInactive?: boolean;
  /** Timeout of one HTTP attempt, when the connector does not set one per request. */
  timeoutMs?: number;
}

export interface AccountRuntime {
  account: ConnectorAccount & { status: AccountStatus };
  module: ChannelModule;
  connector: Connector;
  limits: ChannelLimits;
  ctx: ConnectorContext;
}

export async function accountRuntime(
  hub: Hub,
  accountId: number,
  options: ContextOptions = {},
): Promise<AccountRuntime> {
  const masterKey = requireMasterKey(hub.masterKey);
  const account = await loadConnectorAccount(hub.db, masterKey, accountId);
  if (!options.allowInactive) requireActive(account);
  const module = requireModule(account.channel);
  const connector = module.connector;
  const logger = hub.logger.child({ accountId, channel: account.channel });
  const ctx: ConnectorContext = {
    account,
    ingest: ingestFor(hub, account, options.run),
    http: createChannelHttp(hub, account, module, {
      syncRunId: options.syncRunId ?? options.run?.id ?? null,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    }),
    logger,
    signal: options.signal ?? new AbortController().signal,
    loadState: <T>() => loadState<T>(hub.db, masterKey, accountId),
    saveState: (state) => saveState(hub.db, masterKey, accountId, state),
    progress: options.progress ?? (async () => {}),
    run: options.run,
    pageCap: hub.config.SKLAD_PAGE_CAP,
  };
  return { account, module, connector, limits: limitsOf(connector, account), ctx };
}

/** The context a connector function needs, e.g. `connector.validate(await connectorContextFor(hub, id))`. */
export async function connectorContextFor(
  hub: Hub,
  accountId: number,
  options: ContextOptions = {},
): Promise<ConnectorContext> {
  return (await accountRuntime(hub, accountId, options)).ctx;
}

/** Hook the engine sets: stops or restarts an account's schedules (setAccountSchedulesEnabled). */
type ScheduleSwitch = (hub: Hub, accountId: number, enabled: boolean) => Promise<void>;
let switchSchedules: ScheduleSwitch = async () => {};
export function onAccountSchedules(fn: ScheduleSwitch) {
  switchSchedules = fn;
}
export const setSchedulesEnabled = (hub: Hub, accountId: number, enabled: boolean) =>
  switchSchedules(hub, accountId, enabled);

/** The service refused the key: the account needs new credentials and its schedules stop. */
export async function markNeedsReauth(hub: Hub, accountId: number, reason: string, actor = 'system') {
  await hub.db.transaction(async (tx) => {
    await setAccountStatus(tx, accountId, 'needs_reauth', reason, actor);
  });
  await switchSchedules(hub, accountId, false);
  hub.logger.warn({ accountId, reason }, 'channel account needs new credentials');
}

/**
 * Runs a connector call; a CredentialsRejected anywhere in it turns the account
 * needs_reauth (with the reason) before it is rethrown.
 */
export async function guardCredentials<T>(hub: Hub, accountId: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof CredentialsRejected) await markNeedsReauth(hub, accountId, error.message);
    throw error;
  }
}

/** The context with every request marked as about these orders (their keys and numbers): each call is kept for their traces. */
export function aboutOrders(ctx: ConnectorContext, refs: (string | null | undefined)[]): ConnectorContext {
  const about = [...new Set(refs.filter((r): r is string => !!r))];
  if (!about.length) return ctx;
  return { ...ctx, http: { request: (req) => ctx.http.request({ ...req, about: [...(req.about ?? []), ...about] }) } };
}
