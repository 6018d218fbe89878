/** The words of `sklad import` and `sklad export <table>`, a part of the one dictionary (src/web/i18n.ts registers it under `cli.import.`). */
export const importCliWords = {
  command: {
    ru: 'Импорт товаров или остатков из файла CSV или XLSX',
    en: 'Import products or stock levels from a CSV or XLSX file',
  },
  products: {
    ru: 'Товары из файла (артикул, название, EAN, описание, цена, атрибуты, остатки по складам); весь файл или ничего; код выхода 1, если есть ошибки',
    en: 'Products from a file (SKU, name, EAN, description, price, attributes, quantities per warehouse); all of it or nothing; exit code 1 when a row is refused',
  },
  stock: {
    ru: 'Остатки из файла (артикул и колонка на склад); весь файл или ничего; код выхода 1, если есть ошибки',
    en: 'Stock levels from a file (SKU and a column per warehouse); all of it or nothing; exit code 1 when a row is refused',
  },
  file: {
    ru: 'файл CSV или XLSX (первая строка — заголовки)',
    en: 'the CSV or XLSX file (its first row is the header)',
  },
  map: {
    ru: 'колонка=поле (sku, name, ean, description, price, currency, attribute:<ключ>, stock:<склад>, ignore); можно несколько раз; остальные — как предложено',
    en: 'column=field (sku, name, ean, description, price, currency, attribute:<key>, stock:<warehouse>, ignore); repeatable; the others as suggested',
  },
  mapBad: { ru: 'сопоставление пишется так: колонка=поле', en: 'a mapping is column=field' },
  mapUnknown: {
    ru: 'в файле нет колонки «{column}» (есть: {columns})',
    en: 'the file has no column "{column}" (it has: {columns})',
  },
  preview: { ru: 'Файл {file}: {format}, колонки:', en: 'File {file}: {format}, columns:' },
  column: { ru: '  {header} → {field}', en: '  {header} → {field}' },
  bar: { ru: 'импорт', en: 'import' },
  applied: {
    ru: 'Импорт {id} применён: строк {rows}, создано {created}, изменено {updated}, без изменений {unchanged}, движений остатков {movements}, цен {prices}',
    en: 'Import {id} applied: {rows} row(s), {created} created, {updated} updated, {unchanged} unchanged, {movements} stock movement(s), {prices} price(s)',
  },
  invalid: {
    ru: 'Импорт {id} не применён, ничего не записано: ошибок в строках {count}',
    en: 'Import {id} not applied, nothing written: {count} row error(s)',
  },
  failed: { ru: 'Импорт {id} не удался: {error}', en: 'Import {id} failed: {error}' },
  rowError: { ru: '  строка {line}{field? ({field})}: {message}', en: '  line {line}{field? ({field})}: {message}' },
  more: {
    ru: '  … и ещё ошибок: {count}: GET /api/v1/imports/{id}',
    en: '  … and {count} more error(s): GET /api/v1/imports/{id}',
  },

  export: {
    ru: 'Выгрузить товары или остатки файлом CSV или XLSX (его можно импортировать обратно)',
    en: 'Export products or stock levels as a CSV or XLSX file (it imports back unchanged)',
  },
  table: { ru: 'что выгрузить: products или stock', en: 'what to export: products or stock' },
  tableBad: { ru: 'выгружаются products или stock', en: 'the table is products or stock' },
  out: {
    ru: 'куда записать файл (по умолчанию <таблица>.<формат>)',
    en: 'the file to write (default <table>.<format>)',
  },
  wrote: { ru: 'Записано строк: {count}, файл {file}', en: 'Wrote {count} row(s) to {file}' },
  wroteHub: {
    ru: 'Записан {file} ({bytes} байт) с работающего хаба',
    en: 'Wrote {file} ({bytes} bytes) from the running hub',
  },
} as const;
