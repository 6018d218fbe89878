import { errorCatalogue, type ErrorCode } from '../shared/error-codes.ts';
import { DomainError } from '../shared/errors.ts';
import { isKey, t, type Lang } from '../web/i18n.ts';
import { localize } from '../web/messages.ts';
import type { RowError } from './fields.ts';

const isErrorCode = (code: string): code is ErrorCode => Object.hasOwn(errorCatalogue, code);

/**
 * A refused row's problem in a language (the panel's errors table, `sklad import`): our own words
 * by the key it keeps (src/imports/words.ts), a domain error by its code, a catalog schema's
 * message by its words (src/web/messages.ts); anything else as it was written.
 */
export function rowErrorText(lang: Lang, e: Pick<RowError, 'message' | 'said'>): string {
  const said = e.said;
  const code = said?.key.startsWith('code.') ? said.key.slice(5) : null;
  const word = `import.${said?.key}`;
  if (said && code !== null && isErrorCode(code))
    return localize(lang, new DomainError(code, e.message, undefined, said.params));
  if (said && code === null && isKey(word)) return t(word, lang, said.params);
  return e.message
    .split('; ')
    .map((part) => localize(lang, part))
    .join('; ');
}
