/**
 * The order page's words for a seller's actions and the order's detail (issue 20), a part of the
 * one dictionary (src/web/i18n.ts registers it under `orders.act.`).
 */
export const orderActionWords = {
  title: { ru: 'Действия в канале', en: 'Actions on the channel' },
  none: {
    ru: 'Канал не принимает действия с заказом из Склада, или статус заказа их не допускает.',
    en: 'The channel takes no actions on this order from Sklad, or the order’s status allows none.',
  },
  confirm: { ru: 'Подтвердить', en: 'Confirm' },
  ship: { ru: 'Отгрузить', en: 'Mark shipped' },
  cancel: { ru: 'Отменить заказ', en: 'Cancel the order' },
  trackingNumber: { ru: 'Трек-номер', en: 'Tracking number' },
  carrier: { ru: 'Перевозчик', en: 'Carrier' },
  reason: { ru: 'Причина отмены', en: 'Why it is cancelled' },
  queued: {
    ru: 'Действие «{action}» поставлено в очередь: заказ сменит статус, когда канал подтвердит.',
    en: '“{action}” is queued: the order changes its status when the channel says yes.',
  },
  history: { ru: 'Запрошенные действия', en: 'Actions asked for' },
  stateQueued: { ru: 'ждёт канал', en: 'waiting for the channel' },
  stateDone: { ru: 'выполнено', en: 'done' },
  stateFailed: { ru: 'отказ', en: 'refused' },
  shipping: { ru: 'Доставка', en: 'Delivery' },
  method: { ru: 'Способ', en: 'Method' },
  address: { ru: 'Адрес', en: 'Address' },
  movements: { ru: 'Списания по заказу', en: 'Stock the order moved' },
  noMovements: { ru: 'Заказ ничего не списал со склада.', en: 'The order moved no stock.' },
  moveSale: { ru: 'списание', en: 'written off' },
  moveReturn: { ru: 'возврат', en: 'returned' },
  packages: { ru: 'Отправления службы доставки', en: 'Delivery service parcels' },
  account: { ru: 'Аккаунт', en: 'Account' },
  allAccounts: { ru: 'Все аккаунты', en: 'All accounts' },
  sort: { ru: 'Сортировка', en: 'Sort by' },
  sort_newest: { ru: 'сначала новые', en: 'newest first' },
  sort_oldest: { ru: 'сначала старые', en: 'oldest first' },
  sort_largest: { ru: 'по сумме, больше сначала', en: 'largest total first' },
  sort_updated: { ru: 'недавно изменённые', en: 'recently changed' },
} as const;
