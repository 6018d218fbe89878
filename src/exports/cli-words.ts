/** The words of `sklad <channel> export`, a part of the one dictionary (src/web/i18n.ts registers it under `cli.export.`). */
export const exportCliWords = {
  channel: { ru: 'Кабинеты {title}: выгрузка каталога', en: '{title} accounts: the catalog export' },
  command: {
    ru: 'Выгрузить товары одного кабинета в кабинет {title} фидами (и файлом с --out); код выхода 1, если что-то не отправлено или отклонено',
    en: 'Export the products one account lists to a {title} account as feeds (and as a file with --out); exit code 1 when any was not sent or was refused',
  },
  from: { ru: 'кабинет, чьи товары выгружаются', en: 'the account whose listed products are exported' },
  to: { ru: 'кабинет {title}, куда они идут', en: 'the {title} account they go to' },
  format: { ru: 'формат файла: {formats}', en: "the file's format: {formats}" },
  formatBad: { ru: 'формат — один из: {formats}', en: 'the format is one of {formats}' },
  separator: { ru: "только CSV: ';' (по умолчанию), ',' или 'tab'", en: "CSV only: ';' (default), ',' or 'tab'" },
  separatorBad: { ru: "разделитель — ';', ',' или 'tab'", en: "the separator is ';', ',' or 'tab'" },
  out: { ru: 'записать файл сюда', en: 'write the file here' },
  noSend: {
    ru: 'только записать файл (с --out), ничего не отправлять',
    en: 'only write the file (with --out), send nothing',
  },
  nothing: { ru: 'с --no-send без --out FILE делать нечего', en: '--no-send leaves nothing to do without --out FILE' },
  wrongAccount: {
    ru: 'кабинет {id} — кабинет {channel}, а не {title}',
    en: 'account {id} is a {channel} account, not a {title} one',
  },
  wrote: { ru: 'Записано товаров: {count}, файл {file}', en: 'Wrote {count} product(s) to {file}' },
  wroteHub: {
    ru: 'Записан {file} ({bytes} байт) с работающего хаба',
    en: 'Wrote {file} ({bytes} bytes) from the running hub',
  },
  bar: { ru: 'выгрузка', en: 'export' },
  summary: {
    ru: 'Выгрузка {id}: {state}; товаров {products}, отправлено {sent}, не отправлено {invalid}, обработано {processed}, отклонено {failed}, предупреждений {warnings}',
    en: 'Export {id}: {state}; {products} product(s), {sent} sent, {invalid} not sent, {processed} processed, {failed} refused, {warnings} warning(s)',
  },
  feed: {
    ru: '  фид {id}: {state}, обработано {processed}/{total}, ошибок {failed}',
    en: '  feed {id}: {state}, {processed}/{total} processed, {failed} failed',
  },
  error: {
    ru: '  ошибка        {sku}{feed? (фид {feed})}: {message}',
    en: '  error   {sku}{feed? (feed {feed})}: {message}',
  },
  more: {
    ru: '  … и ещё ошибок: {count}: GET /api/v1/exports/catalog/{id}',
    en: '  … and {count} more error(s): GET /api/v1/exports/catalog/{id}',
  },
  warning: { ru: '  предупреждение {sku} (фид {feed}): {message}', en: '  warning {sku} (feed {feed}): {message}' },
} as const;
