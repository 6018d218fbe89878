/**
 * The Russian-text check's words, shared by the panel's (src/web/every-page.test.ts) and the
 * CLI's (src/cli/cli.test.ts): which Latin words of a Russian text are left untranslated.
 */

/** Brand and product names, and words a Russian seller reads as they are. */
export const brandWords = [
  'sklad',
  'ozon',
  'wix',
  'stores',
  'wildberries',
  'allegro',
  'iiko',
  'bitrix',
  'kaspi',
  'lamoda',
  'namshi',
  'telegram',
  'cdek',
  'sellercenter',
  'yandex',
  'market',
  'moysklad',
  'baselinker',
  'cron',
  'htmx',
  'openapi',
  'swagger',
  'grafana',
  'webhook',
  'javascript',
  'jpeg',
  'png',
  'webp',
  'gif',
  'kz',
  'ru',
  'en',
  'generic',
  'demo',
  'bearer',
  'idempotency-key',
  'x-api-secret-key',
  'content-type',
  'authorization',
  'api_login',
  'sim',
  'chats',
  'kg',
  'ml',
  'fbo',
  'fbs',
  'realfbs',
  'rfbs',
  'fby',
  'notifier',
  // Allegro's own names of an app's credentials, as its developer portal shows them.
  'client',
  'secret',
  'refresh',
  'token',
];

/** Latin words of our own in Russian texts: outside codes, SKUs, addresses, abbreviations, brand names and the `allowed` ones; each with where it was. */
export function englishWordsIn(texts: readonly string[], allowed: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    for (const token of text.replace(/https?:\/\/\S+/g, ' ').split(/[\s,;:()«»"“”„'’!?…·—–|[\]{}<>=+*×/\\]+/)) {
      const word = token.replace(/^[.\-#№]+|[.\-]+$/g, '');
      if (!/[A-Za-z]/.test(word) || /[А-Яа-яЁё]/.test(word)) continue; // Russian, or Russian with a Latin part (API-ключ)
      if (word.startsWith('@')) continue; // a Telegram handle
      if (/\d/.test(word)) continue; // a code: SKU-001, OZ-123, Bitrix24
      if (/^[A-Z][A-Z_\-.]+$/.test(word)) continue; // an abbreviation, an SKU or a variable: EAN, DEMO-MUG-RED, WIX_API_KEY
      if (/^[\w.+-]+@[\w.-]+$/.test(word) || /^[\w-]+(\.[\w-]+)+$/.test(word)) continue; // an address or a file name
      if (allowed.has(word.toLowerCase())) continue;
      found.add(`${word} (in «${text.trim().replace(/\s+/g, ' ').slice(0, 60)}»)`);
    }
  }
  return [...found];
}
