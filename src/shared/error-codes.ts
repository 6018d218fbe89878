/**
 * Every error code Sklad answers, in one place: its HTTP status and its message in English and
 * Russian. The API answers the English words of the place that threw (`DomainError.message`);
 * the panel and the bot say it in the user's language by code: the messages are a part of the
 * one dictionary (`code.*`, registered in src/web/i18n.ts), said with `errorText` there.
 *
 * A template's `{path}` is filled from the error's `details` (a dotted path reaches into an
 * object, a list is joined with ", "). `{path?text}` shows `text` when that detail is set (true,
 * non-empty), `{!path?text}` when it is not; the text may hold `{path}`s. `{message}` is the
 * error's own English message: for codes whose words depend on where they are thrown.
 * A template whose details are missing gives way to that message.
 */

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

interface ErrorEntry {
  /** The status the API answers with. */
  status: ErrorStatus;
  /** Other statuses a route answers this code with (an upstream refusal during a sync is a 502). */
  also?: readonly ErrorStatus[];
  en: string;
  ru: string;
}

export const errorCatalogue = {
  // ── The HTTP layer (src/http) ──────────────────────────────────────────────────────────
  VALIDATION_FAILED: { status: 400, en: '{message}', ru: 'Неверные данные: {message}' },
  MALFORMED_JSON: { status: 400, en: '{message}', ru: 'Тело запроса — не JSON в UTF-8' },
  BAD_REQUEST: { status: 400, en: '{message}', ru: 'Неверный запрос: {message}' },
  UNAUTHORIZED: {
    status: 401,
    en: '{message}',
    ru: 'Нужен действующий ключ API (X-API-SECRET-KEY или Authorization: Bearer)',
  },
  FORBIDDEN: { status: 403, en: '{message}', ru: 'Роль ключа не позволяет это сделать' },
  CSRF_REFUSED: {
    status: 403,
    en: '{message}',
    ru: 'Изменение через сессию панели принимается только со страниц Склада, с ключом защиты (CSRF) этой сессии',
  },
  NOT_FOUND: { status: 404, en: '{message}', ru: 'Не найдено: {message}' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    en: 'The image is {mb} MB; the limit is 10 MB',
    ru: 'Изображение весит {mb} МБ; можно не больше 10 МБ',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    en: 'The file is {format?a {format} image}{!format?not an image}; upload a JPEG, PNG or WebP picture',
    ru: 'Это не изображение JPEG, PNG или WebP; выберите другой файл',
  },
  INTERNAL: { status: 500, en: 'Internal error; it has been logged', ru: 'Внутренняя ошибка; она записана в журнал' },
  NOT_READY: { status: 503, en: '{message}', ru: 'Сервис ещё не готов: {message}' },

  // ── Catalog ────────────────────────────────────────────────────────────────────────────
  SKU_TAKEN: {
    status: 409,
    en: 'SKU "{sku}" is already used by product {product.id} "{product.name}"{product.archived? (archived: restore it or change its SKU)}',
    ru: 'Артикул «{sku}» уже занят товаром {product.id} «{product.name}»{product.archived? (в архиве: восстановите его или смените артикул)}',
  },
  VERSION_CONFLICT: {
    status: 409,
    en: 'Product {product_id} was changed by someone else (it is at version {current_version}, you edited version {expected_version}); reload it and try again',
    ru: 'Товар {product_id} уже изменил кто-то другой; откройте его заново и повторите правку',
  },
  IMAGE_TOO_LARGE: {
    status: 413,
    en: 'The image is {width}×{height} pixels; at most 100 megapixels',
    ru: 'В изображении {width}×{height} пикселей; можно не больше 100 мегапикселей',
  },
  IMAGE_UNREADABLE: {
    status: 422,
    en: 'The {format} file is damaged and could not be read: {reason}',
    ru: 'Файл {format} повреждён, его не прочитать: {reason}',
  },
  PRODUCTS_BULK_REFUSED: {
    status: 422,
    en: '{count} of the selected products cannot take this change ({rows}); nothing was changed',
    ru: 'Изменение не подходит для {count} из выбранных товаров ({rows}); ничего не изменено',
  },

  // ── Inventory ──────────────────────────────────────────────────────────────────────────
  STOCK_INSUFFICIENT: {
    status: 409,
    en: '{releasing?Only {reserved} reserved in {warehouse_code}; cannot release {requested}}{!releasing?Only {available} available in {warehouse_code}; {requested} requested}',
    ru: '{releasing?На складе {warehouse_code} в резерве только {reserved}, снять {requested} нельзя}{!releasing?На складе {warehouse_code} доступно только {available}, а запрошено {requested}}',
  },
  COUNT_BELOW_RESERVED: {
    status: 409,
    en: '{reserved} units are reserved, more than the {counted} counted: release the reservations first',
    ru: 'В резерве {reserved} шт., больше, чем насчитано ({counted}): сначала снимите резерв',
  },
  PRODUCT_ARCHIVED: {
    status: 409,
    en: 'Product {product_id} is archived: its stock no longer moves',
    ru: 'Товар в архиве: его остатки больше не двигаются',
  },
  WAREHOUSE_ARCHIVED: {
    status: 409,
    en: 'Warehouse {warehouse_code} is archived',
    ru: 'Склад {warehouse_code} в архиве',
  },
  WAREHOUSE_READ_ONLY: {
    status: 409,
    en: 'Warehouse {warehouse_code} is read-only (a mirror of a marketplace warehouse, set by sync)',
    ru: 'Склад {warehouse_code} только для чтения: его остатки задаёт синхронизация',
  },
  WAREHOUSE_NOT_MIRROR: {
    status: 409,
    en: 'Warehouse {warehouse_code} is one of our own: its stock moves through movements',
    ru: 'Склад {warehouse_code} — собственный: его остатки меняются движениями',
  },
  WAREHOUSE_CODE_TAKEN: {
    status: 409,
    en: 'The code {code} is taken by warehouse {warehouse_id} ({warehouse_name})',
    ru: 'Код {code} уже занят складом {warehouse_id} ({warehouse_name})',
  },
  WAREHOUSE_NOT_EMPTY: {
    status: 409,
    en: 'Warehouse {warehouse_code} still holds {on_hand} units: transfer or write them off before archiving it',
    ru: 'На складе {warehouse_code} ещё {on_hand} шт.: переместите или спишите их, прежде чем убрать склад в архив',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    en: 'This Idempotency-Key was used for a different request; send a new key for a new request',
    ru: 'Этот Idempotency-Key уже был у другого запроса; для нового запроса нужен новый ключ',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    en: 'The first request with this Idempotency-Key has no answer yet',
    ru: 'Первый запрос с этим Idempotency-Key ещё не получил ответа',
  },

  // ── Engine (jobs and schedules) ────────────────────────────────────────────────────────
  JOB_NOT_RETRYABLE: {
    status: 409,
    en: 'Job {job_id} is {status}; only a dead, failed or cancelled job can be retried',
    ru: 'Задача {job_id} в состоянии {status}; повторить можно только задачу в состоянии dead, failed или cancelled',
  },
  JOB_KEY_TAKEN: {
    status: 409,
    en: 'Another job with key {key} is already waiting or running',
    ru: 'Задача с ключом {key} уже ждёт или выполняется',
  },
  JOB_NOT_ACTIVE: {
    status: 409,
    en: 'Job {job_id} is {status} and cannot be cancelled',
    ru: 'Задача {job_id} в состоянии {status}: её уже не отменить',
  },
  INVALID_CRON: {
    status: 400,
    en: '"{cron}" is not a cron expression: {reason}',
    ru: '«{cron}» — не выражение cron: {reason}',
  },

  // ── Channel accounts (src/channels/core) ───────────────────────────────────────────────
  UNKNOWN_CHANNEL: { status: 400, en: 'No connector for channel "{channel}"', ru: 'Нет модуля для канала «{channel}»' },
  MASTER_KEY_MISSING: {
    status: 503,
    en: 'The master key is not loaded: set SKLAD_MASTER_KEY',
    ru: 'Мастер-ключ не загружен: задайте SKLAD_MASTER_KEY',
  },
  ACCOUNT_NAME_TAKEN: {
    status: 409,
    en: 'A {channel} account named "{name}" exists already',
    ru: 'Кабинет {channel} с названием «{name}» уже есть',
  },
  /** The service refused the key: the message is the service's refusal in its words (the panel shows it beside the key field). */
  CREDENTIALS_REJECTED: { status: 422, en: '{reason}', ru: '{reason}' },
  CHANNEL_UNAVAILABLE: {
    status: 502,
    en: 'The key could not be checked now: {reason}',
    ru: 'Ключ сейчас не проверить: {reason}',
  },
  ACCOUNT_NEEDS_REAUTH: {
    status: 409,
    also: [502],
    en: 'Account {account_id} needs new credentials{reason?: {reason}}',
    ru: 'Кабинету {account_id} нужен новый ключ{reason?: {reason}}',
  },
  ACCOUNT_DISABLED: { status: 409, en: 'Account {account_id} is disabled', ru: 'Кабинет {account_id} отключён' },
  WAREHOUSE_NOT_FOUND: { status: 422, en: 'No warehouse {warehouse_ids}', ru: 'Нет склада {warehouse_ids}' },
  PRODUCT_NOT_FOUND: { status: 422, en: 'Product {product_id} does not exist', ru: 'Товара {product_id} нет' },

  // ── Channels' own (Wix, iiko) ─────────────────────────────────────────────────────────
  INVALID_SKU: { status: 400, en: '{message}', ru: 'Не отправлено в Wix: {problems}' },
  NOT_A_WIX_ACCOUNT: { status: 409, en: '{message}', ru: 'Кабинет {account_id} — не кабинет Wix' },
  WIX_NOT_CONFIGURED: {
    status: 409,
    en: 'No active Wix account: add one at POST /api/v1/channels/accounts, or set WIX_API_KEY and WIX_SITE_ID',
    ru: 'Нет активного кабинета Wix: добавьте его (POST /api/v1/channels/accounts) или задайте WIX_API_KEY и WIX_SITE_ID',
  },
  IIKO_SETTING_MISSING: {
    status: 404,
    en: 'Channel account {account_id} has no iiko setting: create one with POST /api/v1/iiko/settings',
    ru: 'У кабинета {account_id} нет настройки iiko: создайте её (POST /api/v1/iiko/settings)',
  },
  IIKO_SYNC_FAILED: {
    status: 502,
    en: '{message}',
    ru: 'Синхронизация iiko не удалась; подробности — в запуске {sync_run_id}',
  },
  UNKNOWN_ORGANIZATION: {
    status: 404,
    en: '{message}',
    ru: 'Организация {organization_id} не входит в эту настройку iiko',
  },
  WEBHOOK_TOKEN_INVALID: {
    status: 401,
    en: 'The Authorization header does not carry a known iiko webhook token',
    ru: 'В заголовке Authorization нет известного токена вебхука iiko',
  },

  // ── CRM flow and support tools (seed 004; src/crm, src/support) ───────────────────────
  NOT_A_CRM_ACCOUNT: { status: 409, en: '{message}', ru: 'Кабинет {account_id} ({channel}) — не кабинет CRM' },
  NO_CRM_ACCOUNT: {
    status: 409,
    en: 'No active CRM account: add a Bitrix24 portal (or another CRM) first',
    ru: 'Нет активного кабинета CRM: сначала подключите портал Bitrix24 (или другую CRM)',
  },
  ORDER_ACTION_UNSUPPORTED: { status: 409, en: '{message}', ru: 'Канал {channel} не умеет это: {reason}' },
  ORDER_ACTION_NOT_NOW: {
    status: 409,
    en: '{message}',
    ru: 'Заказ {order_id} в статусе «{status}»: «{action}» сейчас нельзя{pending? — ждёт ответа канала предыдущее действие}',
  },
  ORDER_NOT_IN_CRM: {
    status: 409,
    en: 'Order {order_id} has no deal in the CRM yet: export it first',
    ru: 'У заказа {order_id} ещё нет сделки в CRM: сначала выгрузите его',
  },
  AMBIGUOUS_ORDER: {
    status: 409,
    en: '{message}',
    ru: '«{ref}» — номер нескольких заказов ({order_ids}): укажите номер заказа в Складе',
  },
  ORDER_NOT_ON_CHANNEL: { status: 404, en: '{message}', ru: '{channel}: заказа {number} нет' },
  // ── The reconciler (src/reconcile) ─────────────────────────────────────────────────────
  FINDING_CLOSED: {
    status: 409,
    en: 'Finding {finding_id} is closed: a later check no longer saw it',
    ru: 'Расхождение {finding_id} закрыто: последняя проверка его уже не видит',
  },
  FINDING_NO_FIX: {
    status: 409,
    en: 'Finding {finding_id} ({kind}) has no automatic fix: check it by hand',
    ru: 'У расхождения {finding_id} ({kind}) нет автоматического исправления: проверьте вручную',
  },
  RECONCILE_UNSUPPORTED: {
    status: 409,
    en: '{message}',
    ru: 'Кабинет {account_id} ({channel}) не сверяется: это не канал продаж',
  },

  // ── Catalog export (src/exports, seed 004 §3) ─────────────────────────────────────────
  LOOKUP_UNSUPPORTED: {
    status: 409,
    en: '{message}',
    ru: 'Канал {channel} не ищет предложения по артикулу: запустите полную синхронизацию кабинета {account_id}',
  },
  ACCOUNT_NOT_FOUND: {
    status: 404,
    en: 'Channel account {account_id} does not exist',
    ru: 'Кабинета {account_id} нет',
  },
  NO_CATALOG_FEED: {
    status: 409,
    en: 'Account {account_id} is on {channel}, which takes no catalog feed{channels?: export to an account on {channels}}',
    ru: 'Кабинет {account_id} — канал {channel}, он не принимает каталог{channels?: выгружайте в кабинет канала {channels}}',
  },

  // ── Bulk import (src/imports, issue 20) ──────────────────────────────────────────────────
  IMPORT_FILE_UNREADABLE: {
    status: 422,
    en: 'The file cannot be read: {reason}',
    ru: 'Файл не читается: {empty?он пуст}{noHeader?в нём нет строки заголовков}{notText?это не книга XLSX и не текст в UTF-8 (CSV)}{parse?{reason}}',
  },
  IMPORT_FILE_TOO_LARGE: { status: 413, en: 'The file is larger than {mb} MB', ru: 'Файл больше {mb} МБ' },
  IMPORT_MAPPING_INVALID: { status: 400, en: '{message}', ru: 'Неверное сопоставление колонок: {message}' },
  IMPORT_STATE: {
    status: 409,
    en: 'Import {import_id} is {state}: only an uploaded, invalid or failed one can be applied',
    ru: 'Импорт {import_id} в состоянии {state}: применить можно только загруженный, с ошибками или неудачный',
  },

  // ── Prices (src/pricing, issue 20) ─────────────────────────────────────────────────────
  PRICE_BASE_MISSING: {
    status: 409,
    en: 'Product {product_id} has no base price: a rule (base × factor) needs one; set it first or give the account a price of its own',
    ru: 'У товара {product_id} нет базовой цены: правилу (база × коэффициент) она нужна; задайте её или свою цену кабинета',
  },
  PRICE_NOT_TAKEN: {
    status: 409,
    en: 'The {channel} channel takes no prices',
    ru: 'Канал {channel} не принимает цены',
  },

  // ── Delivery (src/delivery, seed 004 §4) ─────────────────────────────────────────────────
  NOT_A_DELIVERY_ACCOUNT: {
    status: 409,
    en: 'Account {account_id} is {channel?a {channel} account, }not a delivery service’s',
    ru: 'Кабинет {account_id} — {channel?кабинет {channel}, а }не службы доставки',
  },
  PACKAGE_BUSY: {
    status: 409,
    en: 'Package {package_id} is being sent right now; try again in a moment',
    ru: 'Посылку {package_id} сейчас отправляют; повторите чуть позже',
  },
  PACKAGE_IN_FLIGHT: {
    status: 409,
    en: 'Package {package_id} is still on its way ({event}); wait for its outcome',
    ru: 'Посылка {package_id} ещё в работе ({event}); дождитесь результата',
  },
  PACKAGE_PENDING: {
    status: 409,
    en: 'Delivery order {number} is being checked by the service; it can be retried, not changed, until its verdict',
    ru: 'Служба доставки ещё проверяет заявку {number}: до её ответа заявку можно повторить, но не изменить',
  },
  PACKAGE_ALREADY_MADE: {
    status: 409,
    en: 'Package {package_id} is made already: delivery order {number}{tracking_number? (number {tracking_number})}',
    ru: 'Заявка на доставку {number} по посылке {package_id} уже создана{tracking_number? (номер {tracking_number})}',
  },
  PACKAGE_NOT_SENDABLE: {
    status: 422,
    en: 'Package {package_id} still lacks: {fields}',
    ru: 'В посылке {package_id} не хватает: {fields}',
  },

  // ── Notifications (seed 001) ───────────────────────────────────────────────────────────
  USER_REQUIRED: { status: 400, en: 'Give user_id or telegram_id', ru: 'Укажите user_id или telegram_id' },
  USER_NOT_FOUND: {
    status: 404,
    en: 'User {telegram_id?with telegram_id {telegram_id}}{!telegram_id?{user_id}} is not registered: POST /users/ first (or /start in the bot)',
    ru: 'Пользователь {telegram_id?с telegram_id {telegram_id}}{!telegram_id?{user_id}} не зарегистрирован: сначала POST /users/ (или /start в боте)',
  },
  CABINET_NOT_FOUND: {
    status: 404,
    en: 'User {user_id} has no cabinet {cabinet_id}',
    ru: 'У пользователя {user_id} нет кабинета {cabinet_id}',
  },
  NOTIFICATION_REFUSED: {
    status: 502,
    en: 'Telegram refused the notification: {reason}',
    ru: 'Telegram не принял уведомление: {reason}',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The statuses a code may be answered with: its own, and any it lists in `also`. */
export type StatusOf<C extends ErrorCode> =
  | (typeof errorCatalogue)[C]['status']
  | ((typeof errorCatalogue)[C] extends { also: readonly (infer S extends ErrorStatus)[] } ? S : never);
