import type { Context } from 'hono';

/**
 * How a Bitrix24 method gets its parameters (CONTRACT.md §1): the query string and a body
 * that is JSON, `application/x-www-form-urlencoded` or `multipart/form-data`. Form keys are
 * PHP's nested keys (`fields[TITLE]=…`, `select[]=ID`, `filter[>ID]=5`), which is also how a
 * batch sub-request string `crm.deal.get?id=1` is read (§6).
 */

export type Params = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `fields[UF_CRM_1][]` → ['fields', 'UF_CRM_1', '']; a key without brackets is one segment. */
function keyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return [key];
  const path = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m && m.index === consumed; m = re.exec(rest)) {
    path.push(m[1]);
    consumed = re.lastIndex;
  }
  // PHP keeps what follows an unclosed bracket as part of the last name; a stray tail is dropped here.
  return path;
}

function put(target: Params, path: string[], value: string): void {
  let node: Record<string, unknown> = target;
  for (let i = 0; i < path.length; i++) {
    const last = i === path.length - 1;
    // `[]` appends, PHP style: the next free integer key.
    const key = path[i] === '' ? String(nextIndex(node)) : path[i];
    if (last) {
      node[key] = value;
      return;
    }
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
}

const nextIndex = (node: Record<string, unknown>) => {
  const ints = Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .map(Number);
  return ints.length ? Math.max(...ints) + 1 : 0;
};

/** PHP's parse_str over name/value pairs: nested objects; `[]` lists become objects with 0..n-1 keys. */
export function phpParams(entries: Iterable<[string, string]>): Params {
  const params: Params = {};
  for (const [key, value] of entries) put(params, keyPath(key), value);
  return params;
}

/** A PHP array read back: a list from an array or from an object with keys 0..n-1 (form `[]` keys). */
export function asList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (isObject(value)) return Object.values(value);
  if (typeof value === 'string' && value !== '') return [value];
  return undefined;
}

/** The request's parameters: query first, the body's on top (PHP's $_REQUEST order). */
export async function readParams(c: Context): Promise<Params> {
  const url = new URL(c.req.url);
  const fromQuery = phpParams(url.searchParams);
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return fromQuery;
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  let fromBody: Params = {};
  if (type.includes('multipart/form-data')) {
    const form = await c.req.formData().catch(() => null);
    const entries: [string, string][] = [];
    form?.forEach((v, k) => {
      entries.push([k, typeof v === 'string' ? v : v.name]);
    });
    fromBody = phpParams(entries);
  } else {
    const raw = await c.req.text().catch(() => '');
    // A JSON body counts only with its content type, as PHP reads it.
    fromBody = type.includes('application/json') ? jsonParams(raw) : phpParams(new URLSearchParams(raw));
  }
  return { ...fromQuery, ...fromBody };
}

/**
 * A JSON body. Not valid JSON, or not an object: no parameters at all (an assumption: the
 * digest does not say what Bitrix24 answers; a method then refuses its missing parameters).
 */
function jsonParams(raw: string): Params {
  try {
    const parsed = JSON.parse(raw) as unknown;
    return isObject(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** Old-style methods read their top-level parameters whatever the case: `FIELDS` as `fields` (§2). */
export function lowerKeys(params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A batch sub-request `method?a=1&fields[TITLE]=x` → its method and parameters (§6). */
export function parseCommand(command: string): { method: string; params: Params } {
  const q = command.indexOf('?');
  const method = (q < 0 ? command : command.slice(0, q)).trim();
  const query = q < 0 ? '' : command.slice(q + 1);
  return { method, params: phpParams(new URLSearchParams(query)) };
}

/** PHP truthiness, as `halt` is read: false, 0, '0', '' and null are false; 'false' is true. */
export function phpTrue(value: unknown): boolean {
  return !(value === undefined || value === null || value === false || value === 0 || value === '0' || value === '');
}
