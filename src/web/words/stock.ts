/**
 * The stock page's words for where a row comes from and what a channel promised (seed 002), a
 * part of the one dictionary (src/web/i18n.ts registers it under `stock.origin.`).
 */
export const stockSourceWords = {
  source: { ru: 'Источник', en: 'Source' },
  stockType: { ru: 'Тип остатка', en: 'Stock type' },
  promised: { ru: 'В поставках', en: 'Promised' },
  promisedHint: {
    ru: 'В подтверждённых будущих поставках: ещё не на складе',
    en: 'In confirmed future supplies: not on hand yet',
  },
  allSources: { ru: 'Все источники', en: 'All sources' },
  allStockTypes: { ru: 'Все типы', en: 'All types' },
  own: { ru: 'Свой склад', en: 'Our own' },
  none: { ru: 'без типа', en: 'no type' },
} as const;
