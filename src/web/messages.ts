import type { z } from 'zod';
import { DomainError } from '../shared/errors.ts';
import { errorText, t, type Lang } from './i18n.ts';
import type { FieldErrors } from './ui.tsx';
import type { storedWords } from './words/stored.ts';

/**
 * Words that are not DomainErrors, recognised by their English text and said by their key in
 * the one dictionary (src/web/words/stored.ts): the catalog's and the movements' zod messages
 * (src/catalog/ean.ts, src/catalog/schemas.ts, src/inventory/movements.ts), and texts the app
 * stores and shows later: an account's or a schedule's status reason (src/channels/core,
 * src/engine/schedules.ts, the generic service's refusal) and an order's stock note
 * (src/orders/service.ts), which quotes a STOCK_INSUFFICIENT message. A DomainError is said by
 * its code (src/shared/error-codes.ts), never by its text. `why` is itself such a text.
 */
const recognised: [RegExp, keyof typeof storedWords, string[]][] = [
  [/^EAN must contain digits only$/, 'eanDigitsOnly', []],
  [/^EAN must have 8 \(EAN-8\), 12 \(UPC-A\) or 13 \(EAN-13\) digits; this one has (\d+)$/, 'eanLength', ['n']],
  [/^EAN check digit is (\d) but should be (\d)/, 'eanCheckDigit', ['given', 'expected']],
  [/^SKU is required$/, 'skuRequired', []],
  [/^SKU is at most (\d+) characters$/, 'skuTooLong', ['n']],
  [/^name is required$/, 'nameRequired', []],
  [/^name is at most (\d+) characters$/, 'nameTooLong', ['n']],
  [/^description is at most (\d+) characters$/, 'descriptionTooLong', ['n']],
  [/^must differ from the warehouse it comes from$/, 'sameWarehouse', []],
  [/^a transfer needs the warehouse it goes to$/, 'transferTarget', []],
  [/^Too small: expected number to be >0$/, 'notPositive', []],
  [/^Invalid input: expected int, received number$/, 'notInteger', []],
  // Why an account or its schedules stopped.
  [/^Unknown or revoked API key$/, 'keyUnknown', []],
  [/^the account needs new credentials: (.*)$/s, 'needsCredentials', ['why']],
  [/^the account's schedules are stopped$/, 'schedulesStopped', []],
  [/^stopped by hand$/, 'stoppedByHand', []],
  [/^mirror sync$/, 'mirrorSync', []],
  [/^Demo stock$/, 'demoStock', []],
  [/^Demo price$/, 'demoPrice', []],
  // An order's stock note, one remark per line; a line not written off quotes STOCK_INSUFFICIENT's message.
  [/^line (\d+): (\d+) sold, (\d+) in stock$/, 'lineSold', ['line', 'sold', 'had']],
  [/^line (\d+): could not be written off \((.*)\)$/s, 'lineNotWrittenOff', ['line', 'why']],
  [/^Only (\d+) available in (.+); (\d+) requested$/, 'onlyAvailable', ['available', 'warehouse', 'requested']],
];

function localizeText(lang: Lang, message: string): string {
  if (lang !== 'ru') return message;
  for (const [pattern, key, names] of recognised) {
    const match = pattern.exec(message);
    if (!match) continue;
    const params = Object.fromEntries(
      names.map((name, i) => [name, name === 'why' ? localizeText(lang, match[i + 1]) : match[i + 1]]),
    );
    return t(`said.${key}`, lang, params);
  }
  return message;
}

/**
 * A message in the panel's language: a DomainError by its code, a text the app stored (a
 * status reason, a stock note) or a zod message by its words; anything unknown as it is.
 */
export function localize(lang: Lang, what: DomainError | string): string {
  if (!(what instanceof DomainError)) return localizeText(lang, what);
  // A refusal's reason is the service's words: known ones (the generic service's) are said in Russian too.
  const details = what.details as { reason?: unknown } | undefined;
  const said =
    typeof details?.reason === 'string' ? { ...details, reason: localizeText(lang, details.reason) } : what.details;
  return errorText(lang, what.code, said, localizeText(lang, what.message));
}

/** A zod failure as the message of each form field (the first problem of each). */
export function zodFieldErrors(lang: Lang, error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= localizeText(lang, issue.message);
  }
  return errors;
}
