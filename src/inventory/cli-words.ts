/** The words of `sklad stock`, a part of the one dictionary (src/web/i18n.ts registers it under `cli.stock.`). */
export const stockCliWords = {
  command: {
    ru: 'Остатки по товарам и складам: в наличии, в резерве, доступно, в пути (обещано); у каждой строки — откуда она (источник и тип остатка)',
    en: 'Stock per product and warehouse: on hand, reserved, available, promised; each row says where it comes from (source and stock type)',
  },
  source: {
    ru: 'только эти источники, через запятую (none — свои склады)',
    en: 'these sources only, comma-separated (none: our own warehouses)',
  },
  type: {
    ru: 'только эти типы остатка, через запятую (FBO, FBS, analytics …; none — без типа)',
    en: 'these stock types only, comma-separated (FBO, FBS, analytics …; none: no type)',
  },
  warehouse: { ru: 'один склад (его ID)', en: 'one warehouse (its id)' },
  limit: { ru: 'сколько строк показать (по умолчанию 100)', en: 'how many rows to show (default 100)' },
  none: { ru: 'Таких остатков нет', en: 'No stock rows like that' },
  shown: { ru: 'Показано {shown} из {total}', en: 'Shown {shown} of {total}' },
  own: { ru: 'свой', en: 'own' },
  'col.sku': { ru: 'Артикул', en: 'SKU' },
  'col.name': { ru: 'Товар', en: 'Product' },
  'col.warehouse': { ru: 'Склад', en: 'Warehouse' },
  'col.source': { ru: 'Источник', en: 'Source' },
  'col.type': { ru: 'Тип', en: 'Type' },
  'col.onHand': { ru: 'В наличии', en: 'On hand' },
  'col.reserved': { ru: 'В резерве', en: 'Reserved' },
  'col.available': { ru: 'Доступно', en: 'Available' },
  'col.promised': { ru: 'В пути', en: 'Promised' },
} as const;
