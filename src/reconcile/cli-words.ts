/** The words of `sklad reconcile` and `sklad findings`, a part of the one dictionary (src/web/i18n.ts registers it under `cli.reconcile.`). */
export const reconcileCliWords = {
  command: {
    ru: 'Сравнить заказы кабинета канала продаж (за последние --days) с заказами Склада, сделками CRM и заказами доставки',
    en: "Compare a sales channel account's orders (the last --days) with Sklad's, the CRM's deals and the delivery orders",
  },
  days: { ru: 'окно в днях (по умолчанию 7)', en: 'the window in days (default 7)' },
  run: {
    ru: 'Сверка {id}: {status} · прочитано: {channel} в канале, {sklad} в Складе, {deals} сделок, {packages} посылок · ожидание {waited} мс',
    en: 'Run {id}: {status} · read {channel} on the channel, {sklad} in Sklad, {deals} deals, {packages} packages · waited {waited} ms',
  },
  found: {
    ru: 'Найдено {found} (новых {new}), исправлено {fixed}, закрыто {closed}',
    en: 'Found {found} ({new} new), fixed {fixed}, closed {closed}',
  },
  notChecked: { ru: '  не проверено: {problem}', en: '  not checked: {problem}' },
  findings: {
    ru: 'Что нашла сверка и что ещё открыто (или исправленное и закрытое: --state=fixed|closed)',
    en: 'What the reconciler found and is still open (or --state fixed|closed)',
  },
  state: {
    ru: 'open — открытые (по умолчанию), fixed — исправленные, closed — закрытые',
    en: 'open (default), fixed or closed',
  },
  account: { ru: 'один кабинет', en: 'one account' },
  none: { ru: 'Находок в состоянии {state} нет', en: 'No {state} findings' },
  'col.id': { ru: 'ID', en: 'ID' },
  'col.kind': { ru: 'ВИД', en: 'KIND' },
  'col.account': { ru: 'КАБИНЕТ', en: 'ACCOUNT' },
  'col.order': { ru: 'ЗАКАЗ', en: 'ORDER' },
  'col.fix': { ru: 'ИСПРАВЛЕНИЕ', en: 'FIX' },
  'col.since': { ru: 'С', en: 'SINCE' },
  'col.detail': { ru: 'ПОДРОБНОСТИ', en: 'DETAIL' },
  order: { ru: 'заказ {id}', en: 'order {id}' },
  safe: { ru: ' (безопасно)', en: ' (safe)' },
} as const;
