import type { Hub } from '../../hub.ts';
import { getAccount } from './accounts.ts';
import { ChannelHttpError, CredentialsRejected } from './connector.ts';
import { accountRuntime } from './context.ts';
import { moduleFor } from './module.ts';

/**
 * An account's key asked of its service, changing nothing (`sklad <channel> test`, POST
 * …/accounts/{id}/test); POST …/validate is the check that also sets the account's status.
 * Says OK with what the service said, or why not.
 */
export async function testAccountKey(hub: Hub, accountId: number): Promise<{ ok: boolean; text: string }> {
  const account = await getAccount(hub.db, accountId);
  if (account.status === 'disabled') return { ok: false, text: 'disabled: enable it first' };
  const title = moduleFor(account.channel)?.connector.title ?? account.channel;
  try {
    const rt = await accountRuntime(hub, account.id, { allowInactive: true, timeoutMs: 15_000 });
    const verdict = await rt.connector.validate(rt.ctx);
    return verdict.ok ? { ok: true, text: verdict.details ?? `${title} accepted the keys` } : { ok: false, text: verdict.reason };
  } catch (error) {
    if (error instanceof CredentialsRejected) return { ok: false, text: error.message };
    if (error instanceof ChannelHttpError) return { ok: false, text: `${title} did not answer the check: ${error.message}` };
    return { ok: false, text: (error as Error).message };
  }
}
