/**
 * The notifier's words, a part of the one dictionary (src/web/i18n.ts registers it): what the
 * bot says (`bot.*`), the notifications it sends (`event.*`, `note.*`) and the names of the
 * per-user switches (`switch.*`). Values are HTML-escaped by the caller (Telegram's HTML mode).
 */

/** What the bot says in a chat. */
export const botWords = {
  welcome: {
    ru: 'Здравствуйте, {name}! Я бот Sklad: присылаю уведомления о заказах, выкупах, отменах, возвратах, негативных отзывах и критичных остатках ваших кабинетов.',
    en: 'Hello, {name}! I am the Sklad bot: I notify you of orders, buyouts, cancellations, returns, negative reviews and critical stock of your cabinets.',
  },
  cabinetsNone: {
    ru: 'У вас пока нет кабинетов. Добавьте ключ WB: /add_wb &lt;API-ключ&gt; [название].',
    en: 'You have no cabinets yet. Add a WB key: /add_wb &lt;API key&gt; [name].',
  },
  cabinetsList: { ru: 'Ваши кабинеты:', en: 'Your cabinets:' },
  help: {
    ru: '/orders [active|canceled] — последние заказы\n/sales — последние продажи\n/stats — статистика\n/stock &lt;SKU&gt; — остаток\n/settings — уведомления\n/cabinets — кабинеты\n/add_wb &lt;ключ&gt; [название] — добавить кабинет WB\n/link &lt;ключ Sklad&gt; — привязать ключ API Sklad (для правки товаров и списаний)\n/edit &lt;SKU&gt; — изменить товар\n/writeoff &lt;SKU&gt; &lt;кол-во&gt; [склад] — списать\n/language en — English',
    en: '/orders [active|canceled] — recent orders\n/sales — recent sales\n/stats — statistics\n/stock &lt;SKU&gt; — stock\n/settings — notifications\n/cabinets — cabinets\n/add_wb &lt;key&gt; [name] — add a WB cabinet\n/link &lt;Sklad key&gt; — link a Sklad API key (to edit products and write stock off)\n/edit &lt;SKU&gt; — edit a product\n/writeoff &lt;SKU&gt; &lt;qty&gt; [warehouse] — write stock off\n/language ru — русский',
  },
  notRegistered: { ru: 'Сначала нажмите /start.', en: 'Press /start first.' },
  ordersTitle: { ru: 'Последние заказы', en: 'Recent orders' },
  salesTitle: { ru: 'Последние продажи', en: 'Recent sales' },
  nothing: { ru: 'Пока ничего нет.', en: 'Nothing yet.' },
  statsTitle: { ru: '📊 Статистика', en: '📊 Statistics' },
  ordersStats: {
    ru: 'Заказы: <b>{total}</b> (активных {active}, отменённых {cancelled}, возвратов {returned})',
    en: 'Orders: <b>{total}</b> ({active} active, {cancelled} cancelled, {returned} returned)',
  },
  revenueStats: {
    ru: 'Выручка {currency}: <b>{revenue}</b> (отменено на {cancelled})',
    en: 'Revenue {currency}: <b>{revenue}</b> ({cancelled} cancelled)',
  },
  salesStats: {
    ru: 'Продажи: выкупов <b>{buyouts}</b>, возвратов <b>{returns}</b>, процент выкупа <b>{rate}</b>',
    en: 'Sales: <b>{buyouts}</b> buyouts, <b>{returns}</b> returns, buyout rate <b>{rate}</b>',
  },
  stockUsage: { ru: 'Напишите так: /stock SKU', en: 'Write: /stock SKU' },
  stockNone: { ru: 'Товара {sku} нет в ваших кабинетах.', en: 'No product {sku} in your cabinets.' },
  stockLine: { ru: '{cabinet}: доступно <b>{available}</b>', en: '{cabinet}: <b>{available}</b> available' },
  settingsTitle: { ru: '⚙️ Уведомления (нажмите, чтобы переключить)', en: '⚙️ Notifications (press to switch)' },
  languageSet: { ru: 'Язык: русский.', en: 'Language: English.' },
  linkUsage: { ru: 'Напишите так: /link &lt;ключ API Sklad&gt;', en: 'Write: /link &lt;Sklad API key&gt;' },
  linkBad: { ru: 'Ключ не подошёл (неизвестен или отозван).', en: 'The key did not work (unknown or revoked).' },
  linkWeak: {
    ru: 'Ключ «{name}» только для чтения: правка и списание требуют роли operator.',
    en: 'The key "{name}" is read-only: editing and writing off need the operator role.',
  },
  linked: {
    ru: 'Ключ «{name}» ({role}) привязан. Сообщение с ключом удалено.',
    en: 'Key "{name}" ({role}) linked. The message with the key was deleted.',
  },
  needLink: {
    ru: 'Для этого привяжите ключ API Sklad с ролью operator: /link &lt;ключ&gt;',
    en: 'This needs a linked Sklad API key with the operator role: /link &lt;key&gt;',
  },
  editUsage: { ru: 'Напишите так: /edit SKU', en: 'Write: /edit SKU' },
  productNotFound: { ru: 'Товар {sku} не найден.', en: 'Product {sku} not found.' },
  editWhat: { ru: 'Что изменить?', en: 'What to change?' },
  askValue: { ru: 'Пришлите новое значение поля «{field}» (или /cancel).', en: 'Send the new {field} (or /cancel).' },
  askPhoto: { ru: 'Пришлите фото товара (или /cancel).', en: 'Send the product photo (or /cancel).' },
  saved: { ru: '✅ Сохранено.', en: '✅ Saved.' },
  cancelled: { ru: 'Отменено.', en: 'Cancelled.' },
  invalid: { ru: '❌ {message}', en: '❌ {message}' },
  writeoffUsage: {
    ru: 'Напишите так: /writeoff SKU количество [код склада] [причина]',
    en: 'Write: /writeoff SKU quantity [warehouse code] [reason]',
  },
  writtenOff: {
    ru: '✅ Списано {quantity} шт. {sku} со склада {warehouse}; осталось {left}.',
    en: '✅ Wrote off {quantity} × {sku} from {warehouse}; {left} left.',
  },
  noWarehouse: { ru: 'Нет собственного склада с этим товаром.', en: 'No own warehouse holds this product.' },
  addUsage: {
    ru: 'Напишите так: /add_wb &lt;API-ключ WB&gt; [название]',
    en: 'Write: /add_wb &lt;WB API key&gt; [name]',
  },
  cabinetAdded: { ru: '✅ Кабинет «{name}» добавлен.', en: '✅ Cabinet "{name}" added.' },
  cabinetJoined: { ru: '✅ Вы подключены к кабинету «{name}».', en: '✅ You joined the cabinet "{name}".' },
  unknown: { ru: 'Не понял. /help — список команд.', en: 'I did not get that. /help lists the commands.' },
  menuOrders: { ru: '📋 Заказы', en: '📋 Orders' },
  menuSales: { ru: '💵 Продажи', en: '💵 Sales' },
  menuStats: { ru: '📊 Статистика', en: '📊 Statistics' },
  menuSettings: { ru: '⚙️ Настройки', en: '⚙️ Settings' },
  fieldName: { ru: 'название', en: 'name' },
  fieldSku: { ru: 'артикул (SKU)', en: 'SKU' },
  fieldEan: { ru: 'EAN', en: 'EAN' },
  fieldPhoto: { ru: 'фото', en: 'photo' },
};

/** The title of each event's notification. */
export const eventWords = {
  new_order: { ru: '📦 Новый заказ', en: '📦 New order' },
  buyout: { ru: '💰 Выкуп заказа', en: '💰 Order bought out' },
  cancellation: { ru: '❌ Отмена заказа', en: '❌ Order cancelled' },
  return: { ru: '🔄 Возврат заказа', en: '🔄 Order returned' },
  negative_review: { ru: '⭐ Негативный отзыв', en: '⭐ Negative review' },
  critical_stock: { ru: '📉 Критичный остаток', en: '📉 Critical stock' },
  cabinet_invalid: { ru: '⚠️ Кабинет отключён', en: '⚠️ Cabinet removed' },
  findings_new: { ru: '🔎 Сверка нашла расхождения', en: '🔎 Reconciliation found differences' },
};

/** The lines of a notification. */
export const noteWords = {
  cabinet: { ru: 'Кабинет', en: 'Cabinet' },
  order: { ru: 'Заказ', en: 'Order' },
  product: { ru: 'Товар', en: 'Product' },
  quantity: { ru: 'Количество', en: 'Quantity' },
  amount: { ru: 'Сумма', en: 'Amount' },
  rating: { ru: 'Оценка', en: 'Rating' },
  available: { ru: 'Доступно', en: 'Available' },
  threshold: { ru: 'порог', en: 'threshold' },
  invalid: {
    ru: 'API-ключ кабинета больше не действует, кабинет удалён из ваших. Добавьте новый ключ.',
    en: 'The cabinet’s API key no longer works; it was removed from your cabinets. Add a new key.',
  },
  test: { ru: '🧪 Тестовое уведомление', en: '🧪 Test notification' },
  ordersButton: { ru: '📋 Заказы', en: '📋 Orders' },
  statsButton: { ru: '📊 Статистика', en: '📊 Statistics' },
  salesButton: { ru: '💵 Продажи', en: '💵 Sales' },
  stockButton: { ru: '📦 Остаток', en: '📦 Stock' },
  findingsNew: { ru: 'Новых расхождений: <b>{n}</b>', en: 'New differences: <b>{n}</b>' },
  findingsOpen: { ru: 'Открыть сверку', en: 'Open the findings' },
};

/** The per-user switches of seed 001, as the bot's settings keyboard and the panel name them. */
export const switchWords = {
  notifications_enabled: { ru: 'Все уведомления', en: 'All notifications' },
  new_orders_enabled: { ru: 'Новые заказы', en: 'New orders' },
  order_buyouts_enabled: { ru: 'Выкупы', en: 'Buyouts' },
  order_cancellations_enabled: { ru: 'Отмены', en: 'Cancellations' },
  order_returns_enabled: { ru: 'Возвраты', en: 'Returns' },
  negative_reviews_enabled: { ru: 'Негативные отзывы', en: 'Negative reviews' },
  critical_stocks_enabled: { ru: 'Критичные остатки', en: 'Critical stock' },
  findings_new_enabled: { ru: 'Расхождения сверки', en: 'Reconciliation findings' },
};
