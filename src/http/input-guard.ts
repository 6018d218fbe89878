import type { MiddlewareHandler } from 'hono';
import { errorBody, type FieldProblem } from './errors.ts';

/**
 * What no schema can refuse, checked once for every route before it runs: a JSON body that
 * is not UTF-8 (decoding would silently turn it into U+FFFD and store that), and the NUL
 * character anywhere in a query, a path, a JSON or a form body (PostgreSQL cannot store it
 * in text, so it would fail deep in a query as a 500). Either is a 400 naming the field.
 */

const jsonType = /^application\/([a-z-.]+\+)?json(;|$)/i;
const formType = /^application\/x-www-form-urlencoded(;|$)/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';

const shown = (name: string) => name.replaceAll(NUL, '\\u0000');

/** Every place in a parsed JSON value where a key or a string holds NUL, as field paths. */
function nulFields(value: unknown, at: string, found: FieldProblem[]) {
  if (found.length >= 20) return;
  if (typeof value === 'string') {
    if (value.includes(NUL)) found.push({ field: at, message: NUL_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulFields(item, `${at}.${i}`, found));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const field = `${at}.${shown(key)}`;
      if (key.includes(NUL)) found.push({ field, message: NUL_MESSAGE });
      nulFields(item, field, found);
    }
  }
}

export const inputGuard: MiddlewareHandler = async (c, next) => {
  const problems: FieldProblem[] = [];
  let path = c.req.path;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A malformed escape is left to the router, which answers 404.
  }
  if (path.includes(NUL)) problems.push({ field: 'path', message: NUL_MESSAGE });
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (name.includes(NUL) || values.some((v) => v.includes(NUL))) problems.push({ field: `query.${shown(name)}`, message: NUL_MESSAGE });
  }

  const type = c.req.header('content-type') ?? '';
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && (jsonType.test(type) || formType.test(type))) {
    // Read through Hono's request, which keeps the bytes for the route's own parser.
    const bytes = await c.req.arrayBuffer();
    const json = jsonType.test(type);
    let text: string;
    try {
      // A form body is percent-encoded ASCII; JSON must be UTF-8 (RFC 8259).
      text = json ? strictUtf8.decode(bytes) : new TextDecoder().decode(bytes);
    } catch {
      return c.json(errorBody('MALFORMED_JSON', 'The request body is not valid UTF-8'), 400);
    }
    if (text.includes(NUL) || text.includes('\\u0000') || (!json && /%00/.test(text))) {
      if (json) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined; // malformed JSON: the route's validator answers MALFORMED_JSON
        }
        nulFields(parsed, 'body', problems);
      } else {
        for (const [name, value] of new URLSearchParams(text)) {
          if (name.includes(NUL) || value.includes(NUL)) problems.push({ field: `body.${shown(name)}`, message: NUL_MESSAGE });
        }
      }
    }
  }
  if (problems.length) return c.json(errorBody('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems), 400);
  await next();
};
