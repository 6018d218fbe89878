import { isKey, t, type MessageKey } from '../web/i18n.ts';
import type { Language } from './users.ts';
import type { noteWords } from './words.ts';

/**
 * The notifications the bot sends, in Russian by default and English by the user's setting; the
 * words are the one dictionary's (`event.*`, `note.*`, src/notifications/words.ts).
 * Telegram's HTML parse mode: every value from outside goes through `escapeHtml`.
 */

export const eventTypes = [
  'new_order',
  'buyout',
  'cancellation',
  'return',
  'negative_review',
  'critical_stock',
  'cabinet_invalid',
  'findings_new',
] as const;
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
  findings_new: 'findings_new',
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
  /** findings_new: how many new findings of each kind one reconciliation run wrote, and the panel's page of them. */
  counts?: Record<string, number>;
  link?: string | null;
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
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const currencySign: Record<string, string> = { RUB: '₽', EUR: '€', USD: '$', PLN: 'zł', KZT: '₸' };

export function money(minor: number | undefined, currency = 'RUB', language: Language = 'ru'): string {
  const value = (minor ?? 0) / 100;
  const formatted = new Intl.NumberFormat(language === 'ru' ? 'ru-RU' : 'en-US', { maximumFractionDigits: 2 }).format(
    value,
  );
  return `${formatted} ${currencySign[currency] ?? currency}`;
}

const line = (label: string, value: unknown) => `${label}: <b>${escapeHtml(value)}</b>`;

/** The message of one event for one user. */
export function formatEvent(
  type: EventType,
  payload: EventPayload,
  language: Language,
  options: { test?: boolean } = {},
): OutgoingMessage {
  const w = (key: keyof typeof noteWords) => t(`note.${key}`, language);
  const parts: string[] = [];
  if (options.test) parts.push(`<i>${w('test')}</i>`);
  parts.push(`<b>${t(`event.${type}`, language)}</b>`);
  if (payload.cabinet)
    parts.push(line(w('cabinet'), payload.channel ? `${payload.cabinet} (${payload.channel})` : payload.cabinet));
  const buttons: InlineButton[] = [];
  switch (type) {
    case 'new_order':
    case 'buyout':
    case 'cancellation':
    case 'return':
      if (payload.order_id ?? payload.external_id)
        parts.push(line(w('order'), payload.external_id ?? payload.order_id));
      if (payload.product_name || payload.sku)
        parts.push(
          line(w('product'), [payload.product_name, payload.sku && `(${payload.sku})`].filter(Boolean).join(' ')),
        );
      if (payload.quantity) parts.push(line(w('quantity'), payload.quantity));
      if (payload.amount_minor !== undefined)
        parts.push(line(w('amount'), money(Math.abs(payload.amount_minor), payload.currency, language)));
      buttons.push(
        type === 'buyout' || type === 'return'
          ? { text: w('salesButton'), callback_data: 'sales' }
          : { text: w('ordersButton'), callback_data: 'orders' },
      );
      buttons.push({ text: w('statsButton'), callback_data: 'stats' });
      break;
    case 'negative_review':
      if (payload.product_name || payload.sku)
        parts.push(
          line(w('product'), [payload.product_name, payload.sku && `(${payload.sku})`].filter(Boolean).join(' ')),
        );
      parts.push(
        line(
          w('rating'),
          `${'★'.repeat(payload.rating ?? 0)}${'☆'.repeat(5 - (payload.rating ?? 0))} ${payload.rating ?? '?'}/5`,
        ),
      );
      if (payload.text) parts.push(`<blockquote>${escapeHtml(String(payload.text).slice(0, 1000))}</blockquote>`);
      break;
    case 'critical_stock':
      parts.push(
        line(w('product'), [payload.product_name, payload.sku && `(${payload.sku})`].filter(Boolean).join(' ')),
      );
      parts.push(
        `${w('available')}: <b>${escapeHtml(payload.available)}</b> (${w('threshold')} ${escapeHtml(payload.threshold)})`,
      );
      if (payload.sku)
        buttons.push({ text: w('stockButton'), callback_data: `stock:${String(payload.sku).slice(0, 50)}` });
      break;
    case 'cabinet_invalid':
      parts.push(escapeHtml(w('invalid')));
      if (payload.reason) parts.push(`<i>${escapeHtml(payload.reason)}</i>`);
      break;
    case 'findings_new': {
      const counts = Object.entries(payload.counts ?? {}).filter(([, n]) => n > 0);
      parts.push(t('note.findingsNew', language, { n: counts.reduce((sum, [, n]) => sum + n, 0) }));
      for (const [kind, n] of counts)
        parts.push(
          `• ${escapeHtml(isKey(`findings.kind.${kind}`) ? t(`findings.kind.${kind}` as MessageKey, language) : kind)}: <b>${n}</b>`,
        );
      if (payload.link) parts.push(`<a href="${escapeHtml(payload.link)}">${escapeHtml(w('findingsOpen'))}</a>`);
      break;
    }
  }
  return {
    text: parts.join('\n'),
    parse_mode: 'HTML',
    ...(buttons.length ? { reply_markup: { inline_keyboard: [buttons] } } : {}),
  };
}
