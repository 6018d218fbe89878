/**
 * The CLI's words (`sklad …` in a terminal), a part of the one dictionary (src/web/i18n.ts
 * registers it under `cli.`): the commands' sentences, table headers, progress labels, errors
 * and `--help` descriptions. The domains' own commands keep theirs beside them
 * (src/support/cli-words.ts, src/delivery/cli-words.ts, src/exports/cli-words.ts,
 * src/reconcile/cli-words.ts). `--json` output keeps its machine-readable keys.
 */
export const cliWords = {
  // The program, its help and its language.
  program: {
    ru: 'Склад: одна правда о товарах, остатках и заказах',
    en: 'Sklad: one truth about products, stock and orders',
  },
  lang: {
    ru: 'язык вывода: ru или en (иначе SKLAD_LANG, затем LANG)',
    en: 'the language of the output: ru or en (else SKLAD_LANG, then LANG)',
  },
  'lang.bad': { ru: 'язык — ru или en', en: 'the language is ru or en' },
  help: { ru: 'показать справку по команде', en: 'display help for command' },
  'help.command': { ru: 'показать справку по команде', en: 'display help for command' },
  'help.Usage:': { ru: 'Использование:', en: 'Usage:' },
  'help.Options:': { ru: 'Параметры:', en: 'Options:' },
  'help.Commands:': { ru: 'Команды:', en: 'Commands:' },
  'help.Arguments:': { ru: 'Аргументы:', en: 'Arguments:' },
  'help.Global Options:': { ru: 'Общие параметры:', en: 'Global Options:' },
  error: { ru: 'sklad: {message}', en: 'sklad: {message}' },
  'help.[options]': { ru: '[параметры]', en: '[options]' },
  'help.[command]': { ru: '[команда]', en: '[command]' },
  'help.default:': { ru: 'по умолчанию:', en: 'default:' },
  'help.choices:': { ru: 'варианты:', en: 'choices:' },
  // Commander's own refusals of a command line, by their English words (src/cli/lang.ts).
  'commander.unknownCommand': { ru: 'ошибка: неизвестная команда «{name}»', en: "error: unknown command '{name}'" },
  'commander.unknownOption': { ru: 'ошибка: неизвестный параметр «{name}»', en: "error: unknown option '{name}'" },
  'commander.invalidOption': {
    ru: 'ошибка: неверное значение «{value}» параметра {name}: {why}',
    en: "error: option '{name}' argument '{value}' is invalid. {why}",
  },
  'commander.invalidArgument': {
    ru: 'ошибка: неверное значение «{value}» аргумента {name}: {why}',
    en: "error: command-argument value '{value}' is invalid for argument '{name}'. {why}",
  },
  'commander.missingArgument': {
    ru: 'ошибка: не хватает аргумента {name}',
    en: "error: missing required argument '{name}'",
  },
  'commander.optionMissingArgument': {
    ru: 'ошибка: у параметра {name} нет значения',
    en: "error: option '{name}' argument missing",
  },
  'commander.missingOption': {
    ru: 'ошибка: нужен параметр {name}',
    en: "error: required option '{name}' not specified",
  },
  'commander.excessArguments': {
    ru: 'ошибка: лишние аргументы: ожидалось {expected}, получено {got}',
    en: 'error: too many arguments. Expected {expected} but got {got}.',
  },
  'commander.didYouMean': { ru: '(Может быть, {names}?)', en: '(Did you mean {names}?)' },
  json: { ru: 'вывести JSON', en: 'print JSON' },
  positiveInt: { ru: 'целое положительное число', en: 'a positive whole number' },
  accountIdBad: { ru: 'номер кабинета — целое положительное число', en: 'an account id is a positive whole number' },
  onlyAccount: { ru: 'только этот кабинет', en: 'only this account' },

  // Which way a command went (stderr).
  'via.hub': { ru: '(через работающий хаб {url}, процесс {pid})', en: '(via the running hub at {url}, process {pid})' },
  'via.database': {
    ru: '(хаб не запущен: открываю {where} напрямую)',
    en: '(no hub running: opening {where} directly)',
  },
  'via.postgres': { ru: 'базу PostgreSQL', en: 'the PostgreSQL database' },
  'via.embedded': { ru: 'встроенную базу в {dir}', en: 'the embedded database in {dir}' },
  'via.note': { ru: '({note})', en: '({note})' },
  'hub.noKey': {
    ru: 'Склад работает на {url} (процесс {pid}), но ключа CLI {file} нет: перезапустите его или обращайтесь к API со своим ключом',
    en: 'Sklad is running at {url} (process {pid}), but its CLI key {file} is missing: restart it, or use the API with a key of your own',
  },
  'hub.staleFile': {
    ru: '{file} указывает на процесс {pid} на {url}, который не запущен (устарело)',
    en: '{file} names process {pid} at {url}, which is not running (stale)',
  },
  'hub.staleLock': {
    ru: 'блокировка {file} указывает на процесс {pid}, который не запущен (устарело)',
    en: 'the lock {file} names process {pid}, which is not running (stale)',
  },
  'hub.stale': { ru: '{notes}: открываю базу напрямую', en: '{notes}: opening the database directly' },
  'hub.silent': {
    ru: 'Работающий хаб {url} не отвечает ({cause}); он ещё запускается или останавливается?',
    en: 'The running hub at {url} does not answer ({cause}); is it still starting or stopping?',
  },
  'hub.http': { ru: '{method} {path}: HTTP {status}', en: '{method} {path}: HTTP {status}' },
  'job.retry': {
    ru: '{error}; хаб повторит в {at} (попытка {attempt} из {max})',
    en: '{error}; the hub tries again at {at} (attempt {attempt} of {max})',
  },
  'job.ended': { ru: 'задание {id}: {status}', en: 'job {id} {status}' },

  // Progress bars: `  <title> <verdict>: <done> of <total>`.
  'bar.of': { ru: '  {title}: {verdict}, {done} из {total}', en: '  {title} {verdict}: {done} of {total}' },
  'bar.counted': { ru: '  {title}: {verdict}, сосчитано {done}', en: '  {title} {verdict}, {done} counted' },
  'bar.plain': { ru: '  {title}: {verdict}', en: '  {title} {verdict}' },
  'verdict.done': { ru: 'готово', en: 'done' },
  'verdict.failed': { ru: 'ошибка', en: 'failed' },
  'verdict.partly': { ru: 'завершено с ошибками', en: 'finished with failures' },
  'verdict.sent': { ru: 'отправлено', en: 'sent' },

  // sklad start, api, migrate, worker, scheduler, notifier.
  start: {
    ru: 'Запустить API, панель, обработчики заданий и планировщик в одном процессе',
    en: 'Run the API, the admin panel, the workers and the scheduler in one process',
  },
  'start.running': { ru: 'Склад работает на {where}', en: 'Sklad is running on {where}' },
  'start.embedded': { ru: 'встроенной базе в {dir}', en: 'the embedded database in {dir}' },
  'start.postgres': { ru: 'PostgreSQL', en: 'PostgreSQL' },
  'start.panel': { ru: '  Панель:       {url}/', en: '  Admin panel: {url}/' },
  'start.docs': { ru: '  Описание API: {url}/docs', en: '  API docs:    {url}/docs' },
  'start.firstKey': {
    ru: '  Первый ключ администратора (показан один раз, сохраните его): {key}',
    en: '  First admin API key (shown once, keep it): {key}',
  },
  api: {
    ru: 'Запустить только HTTP API и панель (масштабирование; нужен DATABASE_URL)',
    en: 'Run only the HTTP API and admin panel (scale-out; needs DATABASE_URL)',
  },
  'api.running': { ru: 'API Склада на {url} (описание: {url}/docs)', en: 'Sklad API on {url} (docs: {url}/docs)' },
  migrate: { ru: 'Применить миграции базы и выйти', en: 'Apply database migrations and exit' },
  'migrate.hub': {
    ru: 'Работающий хаб {url} применил миграции при запуске: база в актуальном состоянии',
    en: 'The running hub at {url} applied the migrations when it started: the database is up to date',
  },
  'migrate.done': { ru: 'База в актуальном состоянии', en: 'Database is up to date' },
  worker: {
    ru: 'Запустить только обработчики заданий (масштабирование: сколько угодно; нужен DATABASE_URL)',
    en: 'Run only the job workers (scale-out: start as many as you like; needs DATABASE_URL)',
  },
  'worker.concurrency': {
    ru: 'сколько заданий выполнять одновременно в этом процессе',
    en: 'jobs run at once in this process',
  },
  'worker.count': { ru: 'целое число от 1 до 1000', en: 'a whole number from 1 to 1000' },
  'worker.running': {
    ru: 'Обработчик заданий Склада работает ({concurrency} одновременно, процесс {pid})',
    en: 'Sklad worker running ({concurrency} at once, pid {pid})',
  },
  scheduler: {
    ru: 'Запустить только планировщик (ведёт один на все процессы; нужен DATABASE_URL)',
    en: 'Run only the scheduler (one leads across all processes; needs DATABASE_URL)',
  },
  'scheduler.running': { ru: 'Планировщик Склада работает (процесс {pid})', en: 'Sklad scheduler running (pid {pid})' },
  'scaleOut.needsPostgres': {
    ru: '`sklad {role}` работает рядом с другими процессами, а встроенная база обслуживает только один процесс. Задайте DATABASE_URL сервера PostgreSQL или используйте `sklad start`, который запускает обработчики и планировщик в одном процессе.',
    en: '`sklad {role}` runs beside other processes, which the embedded database cannot serve (it is one process). Set DATABASE_URL to a PostgreSQL server, or use `sklad start`, which runs the workers and the scheduler in one process.',
  },
  notifier: {
    ru: 'Запустить только уведомления: поиск событий, отправку, бота Telegram (масштабирование; нужен DATABASE_URL)',
    en: 'Run only the notifications: event detection, sending, the Telegram bot (scale-out; needs DATABASE_URL)',
  },
  'notifier.running': { ru: 'Уведомления Склада работают (процесс {pid})', en: 'Sklad notifier running (pid {pid})' },

  // sklad keys.
  keys: { ru: 'Ключи API', en: 'Manage API keys' },
  'keys.create': {
    ru: 'Создать ключ API; он выводится один раз, последним словом последней строки',
    en: 'Create an API key; it is printed once, as the last word of the last line',
  },
  'keys.name': {
    ru: 'кто пользуется ключом; так он назван в истории',
    en: 'who uses the key; shown as the actor in history',
  },
  'keys.role': { ru: 'одна из ролей: {roles}', en: 'one of {roles}' },
  'keys.roleBad': { ru: 'роль — одна из: {roles}', en: 'role must be one of {roles}' },
  'keys.created': {
    ru: 'Создан ключ «{name}» с ролью {role} (id {id}). Он показан только сейчас: {key}',
    en: 'Created {role} key "{name}" (id {id}). It is shown only now: {key}',
  },
  'keys.list': { ru: 'Список ключей API (без секретов)', en: 'List API keys (without their secrets)' },
  'keys.none': {
    ru: 'Ключей API пока нет: sklad keys create --name ИМЯ --role admin',
    en: 'No API keys yet: sklad keys create --name NAME --role admin',
  },
  'keys.col.id': { ru: 'ID', en: 'ID' },
  'keys.col.role': { ru: 'РОЛЬ', en: 'ROLE' },
  'keys.col.name': { ru: 'ИМЯ', en: 'NAME' },
  'keys.col.prefix': { ru: 'НАЧАЛО', en: 'PREFIX' },
  'keys.col.created': { ru: 'СОЗДАН', en: 'CREATED' },
  'keys.col.used': { ru: 'ПОСЛЕДНИЙ ВХОД', en: 'LAST USED' },
  'keys.col.state': { ru: 'СОСТОЯНИЕ', en: 'STATE' },
  'keys.active': { ru: 'действует', en: 'active' },
  'keys.revokedAt': { ru: 'отозван {at}', en: 'revoked {at}' },
  'keys.revoke': { ru: 'Отозвать ключ API по id', en: 'Revoke an API key by id' },
  'keys.revoked': { ru: 'Ключ {id} отозван', en: 'Revoked key {id}' },

  // sklad sync.
  sync: {
    ru: "Синхронизировать кабинет сейчас: 'full' (по умолчанию: карточки, сопоставление, отправка), 'reconcile' или задание коннектора, например 'orders'; или полная синхронизация канала с индикатором: 'sync ozon [accountId]'",
    en: "Run an account's sync now: 'full' (default: listings, matching, pushes), 'reconcile', or a connector job such as 'orders'; or a channel's full sync with a progress bar: 'sync ozon [accountId]'",
  },
  'sync.json': { ru: 'вывести запуск синхронизации в JSON', en: 'print the sync run as JSON' },
  'sync.idOrChannel': {
    ru: 'номер кабинета — целое положительное число или канал: {channels}',
    en: 'accountId is a positive whole number, or a channel: {channels}',
  },
  'sync.id': { ru: 'номер кабинета — целое положительное число', en: 'accountId is a positive whole number' },
  'sync.full': { ru: 'полная синхронизация', en: 'full sync' },
  'sync.reconcile': { ru: 'сверка', en: 'reconcile' },
  'sync.run': { ru: 'Кабинет {id}, {title}: {status}, {counts}', en: 'Account {id} {title}: {status}, {counts}' },
  'sync.nothing': { ru: 'Кабинет {id}, {title}: ничего не запущено', en: 'Account {id} {title}: nothing ran' },
  'sync.problem': { ru: '  проблема: {message}', en: '  problem: {message}' },
  'sync.error': { ru: '  ошибка: {message}', en: '  error: {message}' },
  'sync.counts': {
    ru: 'получено {fetched}, создано {created}, обновлено {updated}, отправлено {pushed}, ошибок {failed} за {seconds} с',
    en: 'fetched {fetched}, created {created}, updated {updated}, pushed {pushed}, failed {failed} in {seconds} s',
  },
  'status.succeeded': { ru: 'успешно', en: 'succeeded' },
  'status.failed': { ru: 'ошибка', en: 'failed' },
  'status.running': { ru: 'идёт', en: 'running' },
  'status.partial': { ru: 'частично', en: 'partial' },

  // A channel's own commands (`sklad <channel> test|sync`), the channel named by its title.
  'channel.command': {
    ru: 'Кабинеты {title}: проверить ключи, запустить полную синхронизацию',
    en: '{title} accounts: check the keys, run a full sync',
  },
  'channel.accounts': { ru: 'Кабинеты {title}', en: '{title} accounts' },
  'channel.test': {
    ru: 'Проверить ключи каждого кабинета {title} в {title} (или одного: --account ID); кабинеты остаются как есть',
    en: "Check each {title} account's keys against {title} (or one: --account ID); the accounts are left as they are",
  },
  'channel.sync': {
    ru: 'Полная синхронизация каждого кабинета {title} сейчас, на переднем плане (или одного: --account ID)',
    en: 'Run a full sync of each {title} account now, in the foreground (or one: --account ID)',
  },
  'channel.none': {
    ru: 'Кабинета {title} нет: сначала добавьте его',
    en: 'There is no {title} account: add one first',
  },
  'channel.notIt': { ru: 'Кабинет {id} — не кабинет {title}', en: 'Account {id} is not an account of {title}' },
  'channel.account': { ru: 'Кабинет {title} {id} «{name}»', en: '{title} account {id} "{name}"' },
  'channel.ok': { ru: '{account}: в порядке — {text}', en: '{account}: OK — {text}' },
  'channel.bad': { ru: '{account}: ОШИБКА — {text}', en: '{account}: FAILED — {text}' },
  'channel.fullSync': { ru: '{account}: полная синхронизация', en: '{account}: full sync' },
  'channel.partFailed': { ru: '  {part}: ошибка: {message}', en: '  {part} failed: {message}' },
  'channel.partRun': { ru: '  {part} {status} {counts}', en: '  {part} {status} {counts}' },
  'channel.partProblem': { ru: '           проблема: {message}', en: '           problem: {message}' },
  'channel.total': { ru: '  {verdict} за {seconds} с', en: '  {verdict} in {seconds} s' },
  // What a key check (`sklad <channel> test`, POST …/accounts/{id}/test) says when the module says nothing of its own.
  'check.disabled': { ru: 'кабинет выключен: сначала включите его', en: 'disabled: enable it first' },
  'check.accepted': { ru: '{title} принял ключи', en: '{title} accepted the keys' },
  'check.silent': {
    ru: '{title} не ответил на проверку: {message}',
    en: '{title} did not answer the check: {message}',
  },
  'part.stock': { ru: 'остатки', en: 'stock' },
  'part.postings': { ru: 'отправления', en: 'postings' },
  'part.listings': { ru: 'карточки', en: 'listings' },
} as const;
