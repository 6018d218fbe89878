/**
 * What an import says about its rows and its progress, a part of the one dictionary (src/web/i18n.ts
 * registers it under `import.`). A refused row and a progress note keep their key and parameters
 * (import_errors.said, the job's progress `note`), so the panel says them in the seller's language;
 * the English text stays the API's `message`.
 */
export const importWords = {
  'row.attributeTooLong': {
    ru: 'значение атрибута — не длиннее {n} символов',
    en: 'an attribute is at most {n} characters',
  },
  'row.quantity': { ru: 'количество — целое число от 0 до {max}', en: 'a quantity is a whole number from 0 to {max}' },
  'row.priceNumber': { ru: 'цена — число, например 1299,90', en: 'a price is a number such as 1299.90' },
  'row.currency': {
    ru: 'валюта — код ISO 4217 из трёх букв, например RUB',
    en: 'a currency is an ISO 4217 code of three letters, e.g. RUB',
  },
  'row.priceNeedsCurrency': { ru: 'у цены должна быть валюта', en: 'a price needs its currency' },
  'row.priceDigits': {
    ru: 'цена в {currency} — не больше {digits} знаков после запятой и не больше 10^12 минимальных единиц',
    en: 'a price in {currency} has at most {digits} digit(s) after the point and is at most 10^12 minor units',
  },
  'row.duplicateSku': { ru: 'артикул {sku} уже есть в строке {line}', en: 'SKU {sku} is already on line {line}' },
  'row.unknownSku': { ru: 'нет товара с артикулом {sku}', en: 'No product has the SKU {sku}' },
  'mapping.count': {
    ru: 'полей {fields}, а колонок в файле {columns}',
    en: 'The mapping has {fields} field(s) for the file’s {columns} column(s)',
  },
  'mapping.twice': { ru: 'поле «{field}» выбрано у двух колонок', en: '{field} is mapped to two columns' },
  'mapping.stockOnly': {
    ru: 'в импорте остатков бывают только артикул и остатки по складам, а не «{field}»',
    en: 'A stock import takes only sku and quantity columns, not {field}',
  },
  'mapping.warehouse': {
    ru: '{code} — не наш склад, доступный для записи (есть: {codes})',
    en: '{code} is not one of our own writable warehouses ({codes})',
  },
  'mapping.noSku': { ru: 'ни одна колонка не выбрана как артикул', en: 'No column is mapped to sku' },
  'mapping.noName': {
    ru: 'для импорта товаров нужна колонка с названием',
    en: 'A products import needs a column mapped to name',
  },
  'mapping.priceCurrency': {
    ru: 'у колонки цены должна быть колонка валюты, а у валюты — цена',
    en: 'A price column needs a currency column beside it, and a currency column a price',
  },
  'mapping.noWarehouse': {
    ru: 'для импорта остатков нужна хотя бы одна колонка склада',
    en: 'A stock import needs at least one warehouse column',
  },
  'note.validating': { ru: 'проверка: прочитано строк {done}', en: 'checking: {done} row(s) read' },
  'note.applying': { ru: 'запись: {done} из {total} строк', en: 'applying: {done} of {total} row(s)' },
} as const;

export type ImportWord = keyof typeof importWords;
