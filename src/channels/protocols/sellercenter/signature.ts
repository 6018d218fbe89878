import crypto from 'node:crypto';

/**
 * How a SellerCenter request is signed (CONTRACT.md §2, from the Falabella and Jumia docs and
 * the SDK's Signature.php): every query parameter but `Signature`, sorted by name in byte
 * order (PHP `ksort`), name and value encoded per RFC 3986 (PHP `rawurlencode`: a space is
 * %20, `@` %40, `:` %3A, `+` %2B; only A–Z a–z 0–9 - _ . ~ stay), joined `name=value` with
 * `&`; the signature is HMAC-SHA256 of that string keyed by the API key as a literal string,
 * in lower-case hex, appended as `Signature`. The body of a POST is not signed.
 */

/** PHP's rawurlencode: encodeURIComponent leaves !'()* alone, RFC 3986 does not. */
export const rawUrlEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** The query string to send: the signed pairs in signing order, then `Signature`. */
export function signedQuery(params: Record<string, string>, apiKey: string): string {
  const message = Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort(byteOrder)
    .map((name) => `${rawUrlEncode(name)}=${rawUrlEncode(params[name])}`)
    .join('&');
  return `${message}&Signature=${crypto.createHmac('sha256', apiKey).update(message).digest('hex')}`;
}

/** §1: ISO-8601 with a UTC offset, e.g. 2015-07-01T11:11:11+00:00. */
export const requestTimestamp = (at = new Date()) => at.toISOString().replace(/\.\d{3}Z$/, '+00:00');
