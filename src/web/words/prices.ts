/**
 * The price pages' words (issue 20, docs/decisions/190): a product's base price, each account's
 * price or rule, the history and what each listing got; a part of the one dictionary
 * (src/web/i18n.ts registers it under `prices.`).
 */
export const priceWords = {
  title: { ru: 'Цены', en: 'Prices' },
  link: { ru: '₽ Цены', en: '₽ Prices' },
  all: { ru: 'Все цены', en: 'All prices' },
  titleOf: { ru: 'Цены: {name}', en: 'Prices: {name}' },
  intro: {
    ru: 'Базовая цена каждого товара и отказы каналов. Цену по кабинетам меняют на странице цен товара.',
    en: 'Each product’s base price, and the prices channels refused. A product’s prices per account are set on its prices page.',
  },
  product: { ru: 'Товар', en: 'Product' },
  account: { ru: 'Кабинет', en: 'Account' },
  listing: { ru: 'Объявление', en: 'Listing' },
  reason: { ru: 'Причина', en: 'Reason' },
  open: { ru: 'Цены товара', en: 'The product’s prices' },
  searchLabel: { ru: 'Поиск по названию, артикулу или EAN', en: 'Search by name, SKU or EAN' },
  noMatch: { ru: 'Ничего не нашлось по запросу «{q}».', en: 'Nothing matches “{q}”.' },
  noProducts: { ru: 'Товаров пока нет.', en: 'No products yet.' },

  base: { ru: 'Базовая цена', en: 'Base price' },
  baseNone: {
    ru: 'Базовой цены ещё нет: каналы получат цену, когда её зададут здесь или в кабинете.',
    en: 'No base price yet: the channels get a price once it is set here or on an account.',
  },
  notSet: { ru: 'не задана', en: 'not set' },
  since: { ru: 'с {at}', en: 'since {at}' },
  amount: { ru: 'Цена', en: 'Price' },
  amountHint: {
    ru: 'В рублях, злотых и т. п., через запятую или точку: 1299,90',
    en: 'In whole units with a point or a comma: 1299.90',
  },
  currency: { ru: 'Валюта', en: 'Currency' },
  currencyHint: { ru: 'Код ISO 4217: RUB, PLN, KZT, EUR', en: 'An ISO 4217 code: RUB, PLN, KZT, EUR' },
  why: { ru: 'Почему меняется', en: 'Why it changes' },
  whyHint: { ru: 'Останется в истории цен.', en: 'Kept in the price history.' },
  saveBase: { ru: 'Сохранить базовую цену', en: 'Save the base price' },
  baseSaved: {
    ru: 'Базовая цена сохранена: каналы получат её через очередь.',
    en: 'The base price is saved: the channels get it through the queue.',
  },
  accountSaved: {
    ru: 'Цена кабинета сохранена: канал получит её через очередь.',
    en: 'The account’s price is saved: the channel gets it through the queue.',
  },
  accountUnchanged: {
    ru: 'Ничего не изменилось: кабинет и так получает базовую цену.',
    en: 'Nothing changed: the account already gets the base price.',
  },

  accounts: { ru: 'Цены по кабинетам', en: 'Prices per account' },
  accountsNone: { ru: 'Нет кабинетов каналов, которые принимают цены.', en: 'No channel account takes prices.' },
  setting: { ru: 'Настройка', en: 'Setting' },
  gets: { ru: 'Получит канал', en: 'The channel gets' },
  step: { ru: 'Шаг канала', en: 'The channel’s step' },
  currencies: { ru: 'Валюты канала', en: 'The channel’s currencies' },
  anyCurrency: { ru: 'любая', en: 'any' },
  inherits: { ru: 'как базовая', en: 'the base price' },
  rule: { ru: 'база × {factor}', en: 'base × {factor}' },
  mode: { ru: 'Цена в этом кабинете', en: 'Price on this account' },
  modeInherit: { ru: 'Как базовая цена', en: 'The base price' },
  modeOwn: { ru: 'Своя цена', en: 'A price of its own' },
  modeRule: { ru: 'Правило: базовая × коэффициент', en: 'A rule: base × factor' },
  factor: { ru: 'Коэффициент', en: 'Factor' },
  factorHint: {
    ru: '1,15 — базовая цена плюс 15 %, округлённая до шага канала ({step}).',
    en: '1.15 is the base price plus 15%, rounded to the channel’s step ({step}).',
  },
  accountTitle: { ru: '{account}: цена товара «{name}»', en: '{account}: the price of “{name}”' },
  change: { ru: 'Изменить цену', en: 'Change the price' },
  accountNotFound: {
    ru: 'Кабинета {id} нет, или его канал не принимает цены.',
    en: 'Account {id} does not exist, or its channel takes no prices.',
  },

  history: { ru: 'История цен', en: 'Price history' },
  historyNone: { ru: 'Цена ещё не менялась.', en: 'The price has not changed yet.' },
  what: { ru: 'Что', en: 'What' },
  oldNew: { ru: 'Было → стало', en: 'Old → new' },

  listings: { ru: 'Объявления в каналах', en: 'Listings on the channels' },
  listingsNone: {
    ru: 'Товар не сопоставлен ни с одним объявлением в канале, который принимает цены.',
    en: 'The product is matched to no listing on a channel that takes prices.',
  },
  state: { ru: 'Состояние', en: 'State' },
  stateSent: { ru: 'отправлена', en: 'sent' },
  stateWaiting: { ru: 'ждёт отправки', en: 'waiting' },
  stateRefused: { ru: 'отказ канала', en: 'refused' },
  stateNone: { ru: 'цена не отправлялась', en: 'no price sent' },
  sentAt: { ru: '{amount}, {at}', en: '{amount}, {at}' },
  lastRefusal: { ru: 'Прошлый отказ: ', en: 'Refused before: ' },

  refused: { ru: 'Отказы каналов', en: 'Refused by the channels' },
  refusedNone: { ru: 'Ни один канал не отказал в цене.', en: 'No channel refused a price.' },
  refusedCount: { ru: 'Отказов: {n}', en: 'Refusals: {n}' },
  onlyCurrencies: {
    ru: '{channel} принимает цены только в {currencies}, не в {currency}',
    en: '{channel} takes prices in {currencies} only, not {currency}',
  },

  amountRequired: { ru: 'Введите цену.', en: 'Type a price.' },
  amountFormat: {
    ru: 'Цена — число, например 1299,90 или 1299.90.',
    en: 'A price is a number, such as 1299.90 or 1299,90.',
  },
  amountDigits: {
    ru: 'У {currency} не больше {n} знаков после запятой: {given} — это слишком точно.',
    en: '{currency} has at most {n} digits after the point: {given} is too precise.',
  },
  amountWhole: {
    ru: 'У {currency} нет дробной части: введите целое число.',
    en: '{currency} has no fractional part: type a whole number.',
  },
  amountTooBig: { ru: 'Слишком большая цена.', en: 'The price is too large.' },
  currencyBad: {
    ru: 'Код валюты — три латинские буквы, например RUB.',
    en: 'A currency code is three letters, such as RUB.',
  },
  factorBad: {
    ru: 'Коэффициент — число от 0,001 до 100, не больше трёх знаков после запятой: например 1,15.',
    en: 'A factor is a number from 0.001 to 100 with at most three digits after the point, such as 1.15.',
  },
  reasonLong: { ru: 'Не больше 500 знаков.', en: 'At most 500 characters.' },
} as const;
