import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoggedRequest } from '../toolkit/index.ts';

/**
 * A small checker for ../shared/specs/telegram/api.json (a custom JSON scraped from
 * core.telegram.org, not OpenAPI): methods{name, returns[], fields[{name, types[], required}]},
 * types{name, fields[] | subtypes[]}. It checks a method's parameters (required present, no
 * unknown ones, types roughly right) and its result, inside the envelope SOURCE.txt
 * describes: {ok: true, result} or {ok: false, error_code, description, parameters?}.
 */

interface Field {
  name: string;
  types: string[];
  required: boolean;
}
interface MethodSpec {
  name: string;
  returns: string[];
  fields?: Field[];
}
interface TypeSpec {
  name: string;
  fields?: Field[];
  subtypes?: string[];
}
export interface TelegramSpec {
  version: string;
  methods: Record<string, MethodSpec>;
  types: Record<string, TypeSpec>;
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let cached: TelegramSpec | undefined;

export function loadTelegramSpec(): TelegramSpec {
  cached ??= JSON.parse(
    fs.readFileSync(path.resolve(projectRoot, '../shared/specs/telegram/api.json'), 'utf8'),
  ) as TelegramSpec;
  return cached;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems of `value` as one of `types` (e.g. ['Integer', 'String'] or ['Array of Update']); empty = fits. */
export function checkValue(spec: TelegramSpec, value: unknown, types: string[], where: string): string[] {
  let best: string[] | null = null;
  for (const type of types) {
    const problems = checkOne(spec, value, type, where);
    if (!problems.length) return [];
    if (!best || problems.length < best.length) best = problems;
  }
  return best ?? [`${where}: no type given`];
}

function checkOne(spec: TelegramSpec, value: unknown, type: string, where: string): string[] {
  if (type.startsWith('Array of ')) {
    if (!Array.isArray(value)) return [`${where}: expected ${type}, got ${typeof value}`];
    return value.flatMap((item, i) => checkOne(spec, item, type.slice('Array of '.length), `${where}[${i}]`));
  }
  switch (type) {
    case 'Integer':
      return Number.isInteger(value) ? [] : [`${where}: expected Integer, got ${JSON.stringify(value)}`];
    case 'Float':
      return typeof value === 'number' ? [] : [`${where}: expected Float, got ${JSON.stringify(value)}`];
    case 'String':
      return typeof value === 'string' ? [] : [`${where}: expected String, got ${JSON.stringify(value)}`];
    case 'Boolean':
    case 'True':
      return typeof value === 'boolean' ? [] : [`${where}: expected Boolean, got ${JSON.stringify(value)}`];
    case 'InputFile':
      return typeof value === 'string' || isObject(value) ? [] : [`${where}: expected InputFile`];
  }
  const t = spec.types[type];
  if (!t) return [`${where}: the spec has no type ${type}`];
  if (t.subtypes?.length) return checkValue(spec, value, t.subtypes, where);
  if (!isObject(value)) return [`${where}: expected ${type} object, got ${JSON.stringify(value)}`];
  return checkFields(spec, value, t.fields ?? [], `${where} (${type})`);
}

function checkFields(spec: TelegramSpec, value: Record<string, unknown>, fields: Field[], where: string): string[] {
  const problems: string[] = [];
  const known = new Map(fields.map((f) => [f.name, f]));
  for (const f of fields) {
    if (f.required && value[f.name] === undefined) problems.push(`${where}: required field ${f.name} is missing`);
  }
  for (const [name, v] of Object.entries(value)) {
    const f = known.get(name);
    if (!f) problems.push(`${where}: unknown field ${name}`);
    else if (v !== undefined) problems.push(...checkValue(spec, v, f.types, `${where}.${name}`));
  }
  return problems;
}

/** Problems of a call's parameters. */
export function checkRequest(spec: TelegramSpec, method: string, params: Record<string, unknown>): string[] {
  const m = spec.methods[method];
  if (!m) return [`${method}: not a Bot API method`];
  return checkFields(spec, params, m.fields ?? [], `${method} request`);
}

/** Problems of an answer: the envelope, and on success the result against the method's return type. */
export function checkResponse(spec: TelegramSpec, method: string, body: unknown): string[] {
  if (!isObject(body) || typeof body.ok !== 'boolean') return [`${method} response: not a {ok, …} envelope`];
  if (!body.ok) {
    const problems: string[] = [];
    if (!Number.isInteger(body.error_code)) problems.push(`${method} error: error_code is not an Integer`);
    if (typeof body.description !== 'string') problems.push(`${method} error: description is not a String`);
    if (body.parameters !== undefined)
      problems.push(...checkValue(spec, body.parameters, ['ResponseParameters'], `${method} error.parameters`));
    const extra = Object.keys(body).filter((k) => !['ok', 'error_code', 'description', 'parameters'].includes(k));
    if (extra.length) problems.push(`${method} error: unknown fields ${extra.join(', ')}`);
    return problems;
  }
  const m = spec.methods[method];
  if (!m) return [`${method}: not a Bot API method`];
  return checkValue(spec, body.result, m.returns, `${method} result`);
}

/** The method a logged request called: /bot<token>/<method>. */
export const methodOf = (requestPath: string) => /^\/bot[^/]+\/([A-Za-z]+)$/.exec(requestPath)?.[1] ?? null;

/** Every Bot API exchange in a simulator's log, checked both ways. */
export function checkTelegramLog(log: LoggedRequest[]): string[] {
  const spec = loadTelegramSpec();
  const problems: string[] = [];
  for (const entry of log) {
    const method = methodOf(entry.path);
    if (!method) continue; // file downloads and test controls
    const params = { ...flatQuery(entry.query), ...(isObject(entry.body) ? entry.body : {}) };
    problems.push(...checkRequest(spec, method, params).map((p) => `${entry.method} ${method}: ${p}`));
    problems.push(...checkResponse(spec, method, entry.responseBody).map((p) => `${entry.method} ${method}: ${p}`));
  }
  return problems;
}

function flatQuery(query: Record<string, string | string[]>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, coerce(Array.isArray(v) ? v[0] : v)]));
}

/** Query parameters are text; Telegram reads numbers and booleans out of them. */
function coerce(v: string): unknown {
  if (/^-?\d+$/.test(v)) return Number(v);
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^[[{]/.test(v)) {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}
