import crypto from 'node:crypto';

/**
 * CONTRACT.md §2, the simulator's own reading of it (the client has its own, so the two check
 * each other): every query parameter but `Signature`, sorted by name in byte order, name and
 * value RFC 3986-encoded (PHP `rawurlencode`), joined `name=value` with `&`, signed with
 * HMAC-SHA256 keyed by the API key as a literal string, written as lower-case hex.
 */

const rawUrlEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

export function expectedSignature(params: Record<string, string>, apiKey: string): string {
  const message = Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((name) => `${rawUrlEncode(name)}=${rawUrlEncode(params[name])}`)
    .join('&');
  return crypto.createHmac('sha256', apiKey).update(message).digest('hex');
}

/** Whether `Signature` is the one the key makes, compared in constant time. */
export function signatureMatches(params: Record<string, string>, apiKey: string): boolean {
  const given = Buffer.from(params.Signature ?? '');
  const expected = Buffer.from(expectedSignature(params, apiKey));
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
