import type { MiddlewareHandler } from 'hono';
import { errorBody, type FieldProblem } from './errors.ts';

/**
 * What no schema can refuse, checked once for every route before it runs, before the API key
 * too (so any client may send it): a JSON body that is not UTF-8 (decoding would silently turn
 * it into U+FFFD and store that), one nested deeper than MAX_DEPTH (walking it would overflow
 * the stack), and text PostgreSQL cannot store: the NUL character anywhere in a query, a path,
 * a JSON or a form body, and a lone UTF-16 surrogate (`"\ud800"`) in JSON, which jsonb refuses.
 * Each is a 400 naming the field. The body's size is bounded before this (src/http/app.ts).
 */

const jsonType = /^application\/([a-z-.]+\+)?json(;|$)/i;
const formType = /^application\/x-www-form-urlencoded(;|$)/i;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
const SURROGATE_MESSAGE = 'must not contain a lone UTF-16 surrogate (\\ud800–\\udfff without its pair)';
const loneSurrogate = /\p{Surrogate}/u;
/** Deeper than any body Sklad takes (a product's attributes, a module's settings) by far. */
const MAX_DEPTH = 64;
const MAX_PROBLEMS = 20;

const shown = (name: string) => name.replaceAll(NUL, '\\u0000').replace(/\p{Surrogate}/gu, '\\u{?}');

/** Whether JSON text opens more than `max` objects or arrays inside each other; read without recursion. */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // a backslash escapes the next character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) return true;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return false;
}

function textProblem(text: string): string | null {
  if (text.includes(NUL)) return NUL_MESSAGE;
  if (loneSurrogate.test(text)) return SURROGATE_MESSAGE;
  return null;
}

/** Every place in a parsed JSON value (at most MAX_DEPTH deep) where a key or a string cannot be stored, as field paths. */
function badText(value: unknown, at: string, found: FieldProblem[]) {
  if (found.length >= MAX_PROBLEMS) return;
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) found.push({ field: at, message: problem });
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) badText(item, `${at}.${i}`, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const field = `${at}.${shown(key)}`;
      const problem = textProblem(key);
      if (problem) found.push({ field, message: problem });
      badText(item, field, found);
    }
  }
}

const refuse = (problems: FieldProblem[]) =>
  errorBody('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems);

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
    if (name.includes(NUL) || values.some((v) => v.includes(NUL)))
      problems.push({ field: `query.${shown(name)}`, message: NUL_MESSAGE });
  }

  const type = c.req.header('content-type') ?? '';
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && (jsonType.test(type) || formType.test(type))) {
    // Read through Hono's request, which keeps the bytes for the route's own parser.
    const bytes = await c.req.arrayBuffer();
    if (jsonType.test(type)) {
      let text: string;
      try {
        text = strictUtf8.decode(bytes); // JSON must be UTF-8 (RFC 8259)
      } catch {
        return c.json(errorBody('MALFORMED_JSON', 'The request body is not valid UTF-8'), 400);
      }
      if (nestsDeeperThan(text, MAX_DEPTH)) {
        return c.json(
          refuse([{ field: 'body', message: `nests objects or arrays deeper than ${MAX_DEPTH} levels` }]),
          400,
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined; // malformed JSON: the route's validator answers MALFORMED_JSON
      }
      badText(parsed, 'body', problems);
    } else {
      // A form body is percent-encoded ASCII: decoding it can give NUL, never a lone surrogate.
      const text = new TextDecoder().decode(bytes);
      if (/%00/.test(text) || text.includes(NUL)) {
        for (const [name, value] of new URLSearchParams(text)) {
          if (name.includes(NUL) || value.includes(NUL))
            problems.push({ field: `body.${shown(name)}`, message: NUL_MESSAGE });
        }
      }
    }
  }
  if (problems.length) return c.json(refuse(problems.slice(0, MAX_PROBLEMS)), 400);
  await next();
};
