/**
 * The words of `sklad order …` and `sklad crm backlog` (seed 004), a part of the one dictionary
 * (src/web/i18n.ts registers it under `cli.order.`).
 */
export const supportCliWords = {
  command: {
    ru: 'Найти заказ по любому номеру, посмотреть его путь и исправить',
    en: 'Find an order by any id, see its trace, and mend it (seed 004)',
  },
  find: {
    ru: 'Заказы, у которых любой из номеров — <id>: Склада, маркетплейса, отправления, сделки CRM, OZ-…',
    en: "Orders any of whose ids is <id>: Sklad's, the marketplace's, the posting number, the CRM deal id, OZ-…",
  },
  none: { ru: 'Заказа с номером «{ref}» нет', en: 'No order has the id "{ref}"' },
  noneHint: {
    ru: 'Заказа с номером «{ref}» нет. Если он есть в канале: sklad order reimport <accountId> {ref}',
    en: 'No order has the id "{ref}". If the channel has it: sklad order reimport <accountId> {ref}',
  },
  many: {
    ru: '«{ref}» — это {count} заказа(ов) ({ids}): укажите номер заказа в Складе',
    en: '"{ref}" names {count} orders ({ids}): give Sklad\'s order id',
  },
  'col.id': { ru: 'ID', en: 'ID' },
  'col.channel': { ru: 'КАНАЛ', en: 'CHANNEL' },
  'col.order': { ru: 'ЗАКАЗ', en: 'ORDER' },
  'col.posting': { ru: 'ОТПРАВЛЕНИЕ', en: 'POSTING' },
  'col.status': { ru: 'СТАТУС', en: 'STATUS' },
  'col.crm': { ru: 'CRM', en: 'CRM' },
  'col.delivery': { ru: 'ДОСТАВКА', en: 'DELIVERY' },
  trace: {
    ru: 'Путь заказа маркетплейс → Склад → CRM → доставка, его события в очереди, ошибки и запросы о нём',
    en: "The order's path marketplace → Sklad → CRM → delivery, its outbox events and errors, and the requests about it",
  },
  'trace.head': { ru: 'Заказ {id} · {channel} {number} · {status}', en: 'Order {id} · {channel} {number} · {status}' },
  'trace.error': { ru: '            ошибка: {error}', en: '            error: {error}' },
  'trace.events': { ru: 'События в очереди ({count}):', en: 'Outbox events ({count}):' },
  'trace.event': {
    ru: '  #{id} {name} {state} попыток={attempts}{error? последняя ошибка: {error}}',
    en: '  #{id} {name} {state} attempts={attempts}{error? last error: {error}}',
  },
  'trace.attempt': {
    ru: '      попытка {attempt} {at} {status} {error}',
    en: '      attempt {attempt} {at} {status} {error}',
  },
  'trace.calls': { ru: 'Запросы о нём ({count}):', en: 'Requests about it ({count}):' },
  'trace.noAnswer': { ru: 'нет ответа', en: 'no answer' },
  reimport: {
    ru: 'Получить один заказ из канала по номеру и загрузить его (Ozon/Lamoda upload_order, Kaspi fetchorder, Namshi notifyOrder)',
    en: 'Fetch one order from the channel by its number and import it (Ozon/Lamoda upload_order, Kaspi fetchorder, Namshi notifyOrder)',
  },
  'reimported.created': { ru: '{action}: заказ {id} загружен', en: '{action}: order {id} imported' },
  'reimported.updated': {
    ru: '{action}: заказ {id} обновлён и поставлен в очередь в CRM',
    en: '{action}: order {id} updated and queued for the CRM',
  },
  're-export': {
    ru: 'Выгрузить заказ (по любому номеру, например номеру отправления) в CRM ещё раз',
    en: 'Export the order (by any id, e.g. its posting number) to the CRM again',
  },
  'change-status': {
    ru: 'Отправить статус заказа в CRM ещё раз (change_order_status)',
    en: "Re-send the order's status to the CRM (change_order_status)",
  },
  queued: {
    ru: '{action}: заказ {id} поставлен в очередь в CRM{next?; затем: sklad order comment {ref}}',
    en: '{action}: order {id} queued for the CRM{next?; then: sklad order comment {ref}}',
  },
  comment: {
    ru: 'Добавить комментарий к сделке заказа; без --text — о складе, который его отгружает (appendcomment)',
    en: "Add a comment to the order's deal; without --text, the one naming the warehouse that ships it (appendcomment)",
  },
  'comment.text': { ru: 'текст комментария', en: 'the comment' },
  commented: {
    ru: 'appendcomment: сделка {deal}, комментарий {comment}: {text}',
    en: 'appendcomment: deal {deal}, comment {comment}: {text}',
  },
  crm: { ru: 'Выгрузка в CRM', en: 'The CRM export' },
  backlog: {
    ru: 'Выгрузить каждый заказ, которого ещё нет в CRM (по 50 сделок за запрос)',
    en: 'Export every order not yet in the CRM (50 deals a request)',
  },
  'backlog.queued': {
    ru: 'В очереди в CRM заказов: {count}; их отправят обработчики работающего Склада',
    en: '{count} orders queued for the CRM; the workers of a running Sklad send them',
  },
} as const;
