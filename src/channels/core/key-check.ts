import type { Hub } from '../../hub.ts';
import { DomainError } from '../../shared/errors.ts';
import { languages, t, type Lang, type MessageKey, type Params } from '../../web/i18n.ts';
import { localize } from '../../web/messages.ts';
import { getAccount } from './accounts.ts';
import { ChannelHttpError, CredentialsRejected } from './connector.ts';
import { accountRuntime } from './context.ts';
import { moduleFor } from './module.ts';

type Said = Record<Lang, string>;
export interface KeyVerdict {
  ok: boolean;
  /** The verdict in English (the API's words). */
  text: string;
  /** The same in both languages: what `sklad <channel> test` says in the CLI's language. */
  said: Said;
}

const both = (key: MessageKey, params?: Params): Said => ({ ru: t(key, 'ru', params), en: t(key, 'en', params) });
/** A text as the app says it in each language (a DomainError by its code, a stored text by its words). */
const saidOf = (what: DomainError | string): Said =>
  Object.fromEntries(languages.map((l) => [l, localize(l, what)])) as Said;
const verdict = (ok: boolean, said: Said): KeyVerdict => ({ ok, text: said.en, said });

/**
 * An account's key asked of its service, changing nothing (`sklad <channel> test`, POST
 * …/accounts/{id}/test); POST …/validate is the check that also sets the account's status.
 * Says OK with what the service said, or why not, in both languages.
 */
export async function testAccountKey(hub: Hub, accountId: number): Promise<KeyVerdict> {
  const account = await getAccount(hub.db, accountId);
  if (account.status === 'disabled') return verdict(false, both('cli.check.disabled'));
  const title = moduleFor(account.channel)?.connector.title ?? account.channel;
  try {
    const rt = await accountRuntime(hub, account.id, { allowInactive: true, timeoutMs: 15_000 });
    const checked = await rt.connector.validate(rt.ctx);
    if (checked.said) return verdict(checked.ok, checked.said);
    if (!checked.ok) return verdict(false, saidOf(checked.reason));
    return verdict(true, checked.details ? saidOf(checked.details) : both('cli.check.accepted', { title }));
  } catch (error) {
    if (error instanceof ChannelHttpError)
      return verdict(false, both('cli.check.silent', { title, message: error.message }));
    if (error instanceof CredentialsRejected) return verdict(false, saidOf(error.message));
    return verdict(false, saidOf(error instanceof DomainError ? error : (error as Error).message));
  }
}
