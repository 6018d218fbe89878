/**
 * The notifications page's words (seed 001), a part of the one dictionary (src/web/i18n.ts
 * registers it under `notify.`): the page's own (`notify.*`), each event type's name
 * (`notify.type.*`) and each delivery's state (`notify.delivery.*`).
 */
const page = {
  title: { ru: 'Уведомления', en: 'Notifications' },
  users: { ru: 'Пользователи бота', en: 'Bot users' },
  noUsers: {
    ru: 'Пока никто не написал боту /start и не зарегистрирован через POST /users/.',
    en: 'Nobody has sent the bot /start or been registered with POST /users/ yet.',
  },
  telegram: { ru: 'Telegram', en: 'Telegram' },
  name: { ru: 'Имя', en: 'Name' },
  language: { ru: 'Язык', en: 'Language' },
  cabinets: { ru: 'Кабинеты', en: 'Cabinets' },
  switchesOn: { ru: 'Включено', en: 'On' },
  configure: { ru: 'Настроить', en: 'Settings' },
  events: { ru: 'Последние события', en: 'Recent events' },
  noEvents: {
    ru: 'Событий пока нет: они появятся после синхронизаций кабинетов.',
    en: 'No events yet: they appear after the cabinets are synced.',
  },
  cabinet: { ru: 'Кабинет', en: 'Cabinet' },
  type: { ru: 'Событие', en: 'Event' },
  sent: { ru: 'Отправлено', en: 'Sent' },
  waiting: { ru: 'В очереди', en: 'Waiting' },
  failed: { ru: 'Не доставлено', en: 'Not delivered' },
  statUsers: { ru: 'Пользователей', en: 'Users' },
  statCabinets: { ru: 'Кабинетов с участниками', en: 'Cabinets with members' },
  statEvents: { ru: 'Событий за сутки', en: 'Events in 24 h' },
  statFailed: { ru: 'Не доставлено за сутки', en: 'Not delivered in 24 h' },
  senderTelegram: {
    ru: 'Сообщения уходят в Telegram Bot API: {target}',
    en: 'Messages go to the Telegram Bot API: {target}',
  },
  senderDemo: {
    ru: 'Демо: сообщения уходят в симулятор Telegram {target} (переписка: {target}/__sim/telegram/chats/<telegram id>)',
    en: 'Demo: messages go to the Telegram simulator at {target} (chats: {target}/__sim/telegram/chats/<telegram id>)',
  },
  senderWebhook: {
    ru: 'Сообщения уходят на вебхук бота (BOT_WEBHOOK_URL): {target}',
    en: 'Messages go to the bot’s webhook (BOT_WEBHOOK_URL): {target}',
  },
  senderNone: {
    ru: 'Отправка не настроена: задайте TELEGRAM_BOT_TOKEN или BOT_WEBHOOK_URL. События записываются, но не отправляются.',
    en: 'Sending is not set up: set TELEGRAM_BOT_TOKEN or BOT_WEBHOOK_URL. Events are recorded, not sent.',
  },
  senderElsewhere: {
    ru: 'Отправитель работает в другом процессе (sklad notifier) или не запущен.',
    en: 'The sender runs in another process (sklad notifier) or is not running.',
  },
  back: { ru: '← Все пользователи', en: '← All users' },
  switches: { ru: 'Что присылать', en: 'What to send' },
  thresholds: { ru: 'Пороги', en: 'Thresholds' },
  maxRating: { ru: 'Негативный отзыв — оценка не выше', en: 'A negative review has a rating of at most' },
  maxRatingHint: { ru: 'От 1 до 5 звёзд (по умолчанию 3).', en: 'From 1 to 5 stars (3 by default).' },
  threshold: { ru: 'Критичный остаток — доступно не больше', en: 'Critical stock: available at most' },
  thresholdHint: {
    ru: 'Штук в кабинете; о каждом товаре — один раз, пока остаток не восстановится.',
    en: 'Units in the cabinet; once per product until it recovers.',
  },
  save: { ru: 'Сохранить', en: 'Save' },
  saved: { ru: 'Настройки сохранены.', en: 'Settings saved.' },
  test: { ru: 'Тестовое уведомление', en: 'Test notification' },
  testSend: { ru: 'Отправить тестовое', en: 'Send a test' },
  testQueued: { ru: 'Тестовое уведомление поставлено в очередь.', en: 'The test notification is queued.' },
  testSent: {
    ru: 'Тестовое уведомление отправлено: Telegram его принял.',
    en: 'The test notification is sent: Telegram took it.',
  },
  testRefused: {
    ru: 'Telegram не принял тестовое уведомление: {reason}',
    en: 'Telegram refused the test notification: {reason}',
  },
  testAboveRating: {
    ru: 'Не отправлено: такой отзыв выше его порога негативной оценки, настоящее уведомление тоже не пришло бы.',
    en: 'Not sent: such a review is above his negative-rating threshold; a real one would not be sent either.',
  },
  testAboveStock: {
    ru: 'Не отправлено: остаток выше его порога критичного остатка, настоящее уведомление тоже не пришло бы.',
    en: 'Not sent: the stock is above his critical-stock threshold; a real one would not be sent either.',
  },
  history: { ru: 'Что ему отправлено', en: 'What he was sent' },
  noHistory: { ru: 'Ему ещё ничего не отправлялось.', en: 'Nothing was sent to him yet.' },
  noCabinets: {
    ru: 'Не состоит ни в одном кабинете: уведомлений не получает.',
    en: 'A member of no cabinet: he gets no notifications.',
  },
  readonly: {
    ru: 'Ваш ключ только для чтения: настройки можно посмотреть, но не изменить.',
    en: 'Your key is read-only: you can look at the settings, not change them.',
  },
  adminOnly: {
    ru: 'Настройки пользователя меняет он сам в боте или администратор; тестовое уведомление отправить можно.',
    en: 'The user changes his settings in the bot, or an admin does; you can send him a test.',
  },
  ru: { ru: 'Русский', en: 'Russian' },
  en: { ru: 'Английский', en: 'English' },
};

const eventTypes = {
  new_order: { ru: '📦 Новый заказ', en: '📦 New order' },
  buyout: { ru: '💰 Выкуп', en: '💰 Buyout' },
  cancellation: { ru: '❌ Отмена', en: '❌ Cancellation' },
  return: { ru: '🔄 Возврат', en: '🔄 Return' },
  negative_review: { ru: '⭐ Негативный отзыв', en: '⭐ Negative review' },
  critical_stock: { ru: '📉 Критичный остаток', en: '📉 Critical stock' },
  cabinet_invalid: { ru: '⚠️ Кабинет отключён', en: '⚠️ Cabinet removed' },
  findings_new: { ru: '🔎 Расхождения сверки', en: '🔎 Reconciliation findings' },
};

const deliveries = {
  sent: { ru: 'отправлено', en: 'sent' },
  pending: { ru: 'в очереди', en: 'waiting' },
  sending: { ru: 'отправляется', en: 'sending' },
  failed: { ru: 'не доставлено', en: 'failed' },
  uncertain: { ru: 'неизвестно (не повторяется)', en: 'unknown (not repeated)' },
};

const prefixed = <P extends string, W extends Record<string, unknown>>(prefix: P, words: W) =>
  Object.fromEntries(Object.entries(words).map(([key, said]) => [`${prefix}.${key}`, said])) as {
    [K in keyof W & string as `${P}.${K}`]: W[K];
  };

export const notificationPageWords = { ...page, ...prefixed('type', eventTypes), ...prefixed('delivery', deliveries) };
