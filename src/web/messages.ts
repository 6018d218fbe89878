import type { z } from 'zod';
import { messageFor } from '../shared/error-codes.ts';
import { DomainError } from '../shared/errors.ts';
import type { Lang } from './i18n.ts';
import type { FieldErrors } from './ui.tsx';

/**
 * Words that are not DomainErrors, matched by their English text: the catalog's and the
 * movements' zod messages (src/catalog/ean.ts, src/catalog/schemas.ts, src/inventory/movements.ts),
 * and texts the app stores and shows later: an account's or a schedule's status reason
 * (src/channels/core, src/engine/schedules.ts, the generic service's refusal) and an order's
 * stock note (src/orders/service.ts), which quotes a STOCK_INSUFFICIENT message. A DomainError
 * is said by its code (src/shared/error-codes.ts), never by its text.
 */
const russian: [RegExp, (...groups: string[]) => string][] = [
  [/^EAN must contain digits only$/, () => 'EAN может содержать только цифры'],
  [/^EAN must have 8 \(EAN-8\), 12 \(UPC-A\) or 13 \(EAN-13\) digits; this one has (\d+)$/, (n) => `В EAN должно быть 8, 12 или 13 цифр, а здесь ${n}`],
  [/^EAN check digit is (\d) but should be (\d)/, (given, expected) => `Контрольная цифра EAN — ${given}, а должна быть ${expected}: проверьте номер на опечатку`],
  [/^SKU is required$/, () => 'Укажите артикул'],
  [/^SKU is at most (\d+) characters$/, (n) => `Артикул — не длиннее ${n} символов`],
  [/^name is required$/, () => 'Укажите название'],
  [/^name is at most (\d+) characters$/, (n) => `Название — не длиннее ${n} символов`],
  [/^description is at most (\d+) characters$/, (n) => `Описание — не длиннее ${n} символов`],
  [/^must differ from the warehouse it comes from$/, () => 'Склад назначения должен отличаться от склада отправки'],
  [/^a transfer needs the warehouse it goes to$/, () => 'Выберите склад назначения'],
  [/^Too small: expected number to be >0$/, () => 'Число должно быть больше нуля'],
  [/^Invalid input: expected int, received number$/, () => 'Нужно целое число'],
  // Why an account or its schedules stopped.
  [/^Unknown or revoked API key$/, () => 'Ключ неизвестен или отозван'],
  [/^the account needs new credentials: (.*)$/s, (why) => `кабинету нужен новый ключ: ${localizeText('ru', why)}`],
  [/^the account's schedules are stopped$/, () => 'расписания кабинета остановлены'],
  [/^stopped by hand$/, () => 'остановлено вручную'],
  // An order's stock note, one remark per line; a line not written off quotes STOCK_INSUFFICIENT's message.
  [/^line (\d+): (\d+) sold, (\d+) in stock$/, (line, sold, had) => `позиция ${line}: продано ${sold}, на складе было ${had}`],
  [/^line (\d+): could not be written off \((.*)\)$/s, (line, why) => `позиция ${line}: не списана (${localizeText('ru', why)})`],
  [/^Only (\d+) available in (.+); (\d+) requested$/, (available, warehouse, requested) => `На складе ${warehouse} доступно только ${available}, а запрошено ${requested}`],
];

function localizeText(lang: Lang, message: string): string {
  if (lang !== 'ru') return message;
  for (const [pattern, say] of russian) {
    const match = pattern.exec(message);
    if (match) return say(...match.slice(1));
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
  const said = typeof details?.reason === 'string' ? { ...details, reason: localizeText(lang, details.reason) } : what.details;
  return messageFor(lang, what.code, said, localizeText(lang, what.message));
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
