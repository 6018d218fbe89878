import type { z } from 'zod';
import type { Lang } from './i18n.ts';
import type { FieldErrors } from './ui.tsx';

/**
 * The domains word their errors in English (the API's language). The panel shows the ones a
 * seller meets on a form in Russian too; anything not listed here is shown as it is.
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
  [/^SKU "(.*)" is already used by product (\d+) "(.*)"( \(archived.*\))?$/s, (sku, id, name, archived) =>
    `Артикул «${sku}» уже занят товаром ${id} «${name}»${archived ? ' (в архиве: восстановите его или смените артикул)' : ''}`],
  [/^The file is (.*); upload a JPEG, PNG or WebP picture$/, () => 'Это не изображение JPEG, PNG или WebP; выберите другой файл'],
  [/^The image is ([\d.]+) MB; the limit is 10 MB$/, (mb) => `Изображение весит ${mb} МБ; можно не больше 10 МБ`],
  [/^Product (\d+) was changed by someone else/, (id) => `Товар ${id} уже изменил кто-то другой; откройте его заново и повторите правку`],
  [/^Only (\d+) available in (.+); (\d+) requested$/, (available, warehouse, requested) => `На складе ${warehouse} доступно только ${available}, а запрошено ${requested}`],
  [/^Warehouse (.+) is read-only/, (code) => `Склад ${code} только для чтения: его остатки задаёт синхронизация`],
  [/^Product (\d+) is archived: its stock no longer moves$/, () => 'Товар в архиве: его остатки больше не двигаются'],
  [/^must differ from the warehouse it comes from$/, () => 'Склад назначения должен отличаться от склада отправки'],
  [/^a transfer needs the warehouse it goes to$/, () => 'Выберите склад назначения'],
  [/^Too small: expected number to be >0$/, () => 'Число должно быть больше нуля'],
  [/^Invalid input: expected int, received number$/, () => 'Нужно целое число'],
  // Why an account or its schedules stopped (src/channels/core, src/engine/schedules.ts).
  [/^Unknown or revoked API key$/, () => 'Ключ неизвестен или отозван'],
  [/^the account needs new credentials: (.*)$/s, (why) => `кабинету нужен новый ключ: ${localize('ru', why)}`],
  [/^the account's schedules are stopped$/, () => 'расписания кабинета остановлены'],
  [/^stopped by hand$/, () => 'остановлено вручную'],
  // An order's stock note (src/orders/service.ts), one remark per line.
  [/^line (\d+): (\d+) sold, (\d+) in stock$/, (line, sold, had) => `позиция ${line}: продано ${sold}, на складе было ${had}`],
  [/^line (\d+): could not be written off \((.*)\)$/s, (line, why) => `позиция ${line}: не списана (${localize('ru', why)})`],
];

export function localize(lang: Lang, message: string): string {
  if (lang !== 'ru') return message;
  for (const [pattern, say] of russian) {
    const match = pattern.exec(message);
    if (match) return say(...match.slice(1));
  }
  return message;
}

/** A zod failure as the message of each form field (the first problem of each). */
export function zodFieldErrors(lang: Lang, error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= localize(lang, issue.message);
  }
  return errors;
}
