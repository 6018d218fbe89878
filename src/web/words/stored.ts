/**
 * Texts the app writes in English and shows later, a part of the one dictionary (src/web/i18n.ts
 * registers it under `said.`): the catalog's and the movements' zod messages, an account's or a
 * schedule's status reason, an order's stock note. src/web/messages.ts recognises each by its
 * English words and says it by its key.
 */
export const storedWords = {
  eanDigitsOnly: { en: 'EAN must contain digits only', ru: 'EAN может содержать только цифры' },
  eanLength: {
    en: 'EAN must have 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) digits; this one has {n}',
    ru: 'В EAN должно быть 8, 12 или 13 цифр, а здесь {n}',
  },
  eanCheckDigit: {
    en: 'EAN check digit is {given} but should be {expected}',
    ru: 'Контрольная цифра EAN — {given}, а должна быть {expected}: проверьте номер на опечатку',
  },
  skuRequired: { en: 'SKU is required', ru: 'Укажите артикул' },
  skuTooLong: { en: 'SKU is at most {n} characters', ru: 'Артикул — не длиннее {n} символов' },
  nameRequired: { en: 'name is required', ru: 'Укажите название' },
  nameTooLong: { en: 'name is at most {n} characters', ru: 'Название — не длиннее {n} символов' },
  descriptionTooLong: { en: 'description is at most {n} characters', ru: 'Описание — не длиннее {n} символов' },
  sameWarehouse: {
    en: 'must differ from the warehouse it comes from',
    ru: 'Склад назначения должен отличаться от склада отправки',
  },
  transferTarget: { en: 'a transfer needs the warehouse it goes to', ru: 'Выберите склад назначения' },
  notPositive: { en: 'Too small: expected number to be >0', ru: 'Число должно быть больше нуля' },
  notInteger: { en: 'Invalid input: expected int, received number', ru: 'Нужно целое число' },
  keyUnknown: { en: 'Unknown or revoked API key', ru: 'Ключ неизвестен или отозван' },
  needsCredentials: { en: 'the account needs new credentials: {why}', ru: 'кабинету нужен новый ключ: {why}' },
  schedulesStopped: { en: "the account's schedules are stopped", ru: 'расписания кабинета остановлены' },
  stoppedByHand: { en: 'stopped by hand', ru: 'остановлено вручную' },
  // A movement's reason that Sklad writes itself.
  mirrorSync: { en: 'mirror sync', ru: 'синхронизация зеркала' },
  demoStock: { en: 'Demo stock', ru: 'Демо-остаток' },
  demoPrice: { en: 'Demo price', ru: 'Демо-цена' },
  lineSold: {
    en: 'line {line}: {sold} sold, {had} in stock',
    ru: 'позиция {line}: продано {sold}, на складе было {had}',
  },
  lineNotWrittenOff: { en: 'line {line}: could not be written off ({why})', ru: 'позиция {line}: не списана ({why})' },
  onlyAvailable: {
    en: 'Only {available} available in {warehouse}; {requested} requested',
    ru: 'На складе {warehouse} доступно только {available}, а запрошено {requested}',
  },
};
