import type { Language } from './users.ts';

/**
 * The texts the bot sends, in Russian by default and English by the user's setting.
 * Telegram's HTML parse mode: every value from outside goes through `escapeHtml`.
 */

export const eventTypes = ['new_order', 'buyout', 'cancellation', 'return', 'negative_review', 'critical_stock', 'cabinet_invalid'] as const;
export type EventType = (typeof eventTypes)[number];

/** The seed's names for the test endpoint (`order_buyout` …) and ours both work. */
export const testTypeAliases: Record<string, EventType> = {
  new_order: 'new_order',
  order_buyout: 'buyout',
  buyout: 'buyout',
  order_cancellation: 'cancellation',
  cancellation: 'cancellation',
  order_return: 'return',
  return: 'return',
  negative_review: 'negative_review',
  critical_stock: 'critical_stock',
  cabinet_invalid: 'cabinet_invalid',
};

export interface EventPayload {
  cabinet?: string;
  channel?: string;
  order_id?: number | string;
  external_id?: string;
  product_name?: string | null;
  sku?: string | null;
  quantity?: number;
  amount_minor?: number;
  currency?: string;
  rating?: number;
  text?: string | null;
  available?: number;
  threshold?: number;
  reason?: string;
  [key: string]: unknown;
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

export interface OutgoingMessage {
  text: string;
  parse_mode: 'HTML';
  reply_markup?: { inline_keyboard: InlineButton[][] };
}

export const escapeHtml = (value: unknown) =>
  String(value ?? '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const currencySign: Record<string, string> = { RUB: '₽', EUR: '€', USD: '$', PLN: 'zł', KZT: '₸' };

export function money(minor: number | undefined, currency = 'RUB', language: Language = 'ru'): string {
  const value = (minor ?? 0) / 100;
  const formatted = new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: 2 }).format(value);
  return `${formatted} ${currencySign[currency] ?? currency}`;
}

const titles: Record<EventType, Record<Language, string>> = {
  new_order: { ru: '📦 Новый заказ', en: '📦 New order' },
  buyout: { ru: '💰 Выкуп заказа', en: '💰 Order bought out' },
  cancellation: { ru: '❌ Отмена заказа', en: '❌ Order cancelled' },
  return: { ru: '🔄 Возврат заказа', en: '🔄 Order returned' },
  negative_review: { ru: '⭐ Негативный отзыв', en: '⭐ Negative review' },
  critical_stock: { ru: '📉 Критичный остаток', en: '📉 Critical stock' },
  cabinet_invalid: { ru: '⚠️ Кабинет отключён', en: '⚠️ Cabinet removed' },
};

const words = {
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
} satisfies Record<string, Record<Language, string>>;

const line = (label: string, value: unknown) => `${label}: <b>${escapeHtml(value)}</b>`;

/** The message of one event for one user. */
export function formatEvent(type: EventType, payload: EventPayload, language: Language, options: { test?: boolean } = {}): OutgoingMessage {
  const w = (key: keyof typeof words) => words[key][language];
  const parts: string[] = [];
  if (options.test) parts.push(`<i>${w('test')}</i>`);
  parts.push(`<b>${titles[type][language]}</b>`);
  if (payload.cabinet) parts.push(line(w('cabinet'), payload.channel ? `${payload.cabinet} (${payload.channel})` : payload.cabinet));
  const buttons: InlineButton[] = [];
  switch (type) {
    case 'new_order':
    case 'buyout':
    case 'cancellation':
    case 'return':
      if (payload.order_id ?? payload.external_id) parts.push(line(w('order'), payload.external_id ?? payload.order_id));
      if (payload.product_name || payload.sku) parts.push(line(w('product'), [payload.product_name, payload.sku && `(${payload.sku})`].filter(Boolean).join(' ')));
      if (payload.quantity) parts.push(line(w('quantity'), payload.quantity));
      if (payload.amount_minor !== undefined) parts.push(line(w('amount'), money(Math.abs(payload.amount_minor), payload.currency, language)));
      buttons.push(type === 'buyout' || type === 'return' ? { text: w('salesButton'), callback_data: 'sales' } : { text: w('ordersButton'), callback_data: 'orders' });
      buttons.push({ text: w('statsButton'), callback_data: 'stats' });
      break;
    case 'negative_review':
      if (payload.product_name || payload.sku) parts.push(line(w('product'), [payload.product_name, payload.sku && `(${payload.sku})`].filter(Boolean).join(' ')));
      parts.push(line(w('rating'), `${'★'.repeat(payload.rating ?? 0)}${'☆'.repeat(5 - (payload.rating ?? 0))} ${payload.rating ?? '?'}/5`));
      if (payload.text) parts.push(`<blockquote>${escapeHtml(String(payload.text).slice(0, 1000))}</blockquote>`);
      break;
    case 'critical_stock':
      parts.push(line(w('product'), [payload.product_name, payload.sku && `(${payload.sku})`].filter(Boolean).join(' ')));
      parts.push(`${w('available')}: <b>${escapeHtml(payload.available)}</b> (${w('threshold')} ${escapeHtml(payload.threshold)})`);
      if (payload.sku) buttons.push({ text: w('stockButton'), callback_data: `stock:${String(payload.sku).slice(0, 50)}` });
      break;
    case 'cabinet_invalid':
      parts.push(escapeHtml(w('invalid')));
      if (payload.reason) parts.push(`<i>${escapeHtml(payload.reason)}</i>`);
      break;
  }
  return { text: parts.join('\n'), parse_mode: 'HTML', ...(buttons.length ? { reply_markup: { inline_keyboard: [buttons] } } : {}) };
}
