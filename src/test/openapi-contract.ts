import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';

/**
 * Contract checks against the marketplaces' own OpenAPI 3.0 files in ../shared/specs (read at
 * run time, never copied). A test hands each request/answer pair (a simulator's request log
 * entry) to `checkExchange`, which names every way it departs from the spec.
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const specsDir = path.resolve(projectRoot, '../shared/specs');

export interface Exchange {
  method: string;
  path: string;
  query?: Record<string, string | string[] | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  status: number;
  responseBody?: unknown;
}

interface Operation {
  template: string;
  regex: RegExp;
  literalChars: number;
  methods: Record<string, any>;
  pathParameters: any[];
}

export interface Spec {
  file: string;
  doc: any;
  operations: Operation[];
  ajv: Ajv;
  coercingAjv: Ajv;
  cache: Map<string, ValidateFunction>;
}

const loaded = new Map<string, Promise<Spec>>();

/** `loadSpec('allegro/swagger.yaml')`: parsed once per process. */
export function loadSpec(relativePath: string): Promise<Spec> {
  let spec = loaded.get(relativePath);
  if (!spec) {
    spec = Promise.resolve().then(() => buildSpec(relativePath));
    loaded.set(relativePath, spec);
  }
  return spec;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// OpenAPI's own formats that JSON Schema does not define: accepted as they are.
const openApiFormats = [
  'int32',
  'int64',
  'float',
  'double',
  'byte',
  'binary',
  'password',
  'decimal',
  'uint64',
  'text',
  'ISO 8601',
];

/** A date, or a date-time with or without its offset (WB's reports: no offset means Moscow time). */
const LOCAL_DATE_TIME = /^\d{4}-\d\d-\d\d(?:[Tt ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[Zz]|[+-]\d\d:?\d\d)?)?$/;

function newAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    logger: false,
    validateSchema: false,
  });
  addFormats(ajv);
  for (const f of openApiFormats) ajv.addFormat(f, true);
  ajv.addFormat('local-date-time', LOCAL_DATE_TIME);
  return ajv;
}

/**
 * Errata: where a spec contradicts itself, its prose (the limits and examples a person reads)
 * wins over its schema, and the checker holds both sides to what the prose says. Each names
 * its file, what it changes and where the spec says so.
 */
export interface Erratum {
  file: RegExp;
  says: string;
  apply(doc: any): void;
}

const everyOperation = (doc: any, fn: (operation: any, path: string) => void) => {
  for (const [path, item] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries<any>(item))
      if (method !== 'parameters' && operation?.responses) fn(operation, path);
  }
};

const requestSchema = (doc: any, path: string) => {
  let node = doc.paths?.[path]?.post?.requestBody;
  for (let i = 0; node?.$ref && i < 10; i++)
    node = String(node.$ref)
      .slice(2)
      .split('/')
      .reduce((a: any, k) => a?.[k], doc);
  let schema = node?.content?.['application/json']?.schema;
  for (let i = 0; schema?.$ref && i < 10; i++)
    schema = String(schema.$ref)
      .slice(2)
      .split('/')
      .reduce((a: any, k) => a?.[k], doc);
  if (!schema) throw new Error(`Erratum: ${path} has no JSON request body in the spec any more`);
  return schema;
};

export const errata: Erratum[] = [
  {
    file: /^ozon\//,
    says: 'tag Errors: "You have reached request rate limit per second" for all methods (50 a second per Client ID); no operation lists its 429',
    apply(doc) {
      everyOperation(doc, (op) => {
        op.responses['429'] ??= {
          description: 'Too many requests (the Errors section)',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/rpcStatus' } } },
        };
      });
    },
  },
  {
    file: /^ozon\//,
    says: '/v2/products/stocks: "За один запрос можно изменить наличие для 100 пар товар-склад"; the schema has no maxItems',
    apply(doc) {
      requestSchema(doc, '/v2/products/stocks').properties.stocks.maxItems ??= 100;
    },
  },
  {
    file: /^ozon\//,
    says: '/v4/product/info/stocks: limit "Минимум — 1, максимум — 1000" in its description only',
    apply(doc) {
      Object.assign(requestSchema(doc, '/v4/product/info/stocks').properties.limit, { minimum: 1, maximum: 1000 });
    },
  },
  {
    file: /^wildberries\/12-reports/,
    says: 'dates are "RFC3339", yet its examples (dateFrom=2019-06-20T23:59:59, lastChangeDate 2022-03-06T10:11:07) have no offset: Moscow time',
    apply(doc) {
      const visit = (node: any) => {
        if (Array.isArray(node)) return node.forEach(visit);
        if (!node || typeof node !== 'object') return;
        if (node.format === 'date-time' && node.type === 'string') node.format = 'local-date-time';
        for (const v of Object.values(node)) visit(v);
      };
      visit(doc);
    },
  },
];

function buildSpec(relativePath: string): Spec {
  const file = path.join(specsDir, relativePath);
  const text = fs.readFileSync(file, 'utf8');
  const raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text, { maxAliasCount: -1 });
  for (const erratum of errata) if (erratum.file.test(relativePath)) erratum.apply(raw);
  const doc = normalise(raw);
  const ajv = newAjv(false);
  const coercingAjv = newAjv(true);
  ajv.addSchema(doc, 'spec');
  coercingAjv.addSchema(doc, 'spec');
  const operations: Operation[] = Object.entries(doc.paths ?? {}).map(([template, item]: [string, any]) => {
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
    return {
      template,
      regex: new RegExp(`^${pattern}/?$`),
      literalChars: template.replace(/\{[^}]+\}/g, '').length,
      methods: item,
      pathParameters: item.parameters ?? [],
    };
  });
  // The most specific template first: /offers/events before /offers/{id}.
  operations.sort((a, b) => b.literalChars - a.literalChars);
  return { file: relativePath, doc, operations, ajv, coercingAjv, cache: new Map() };
}

const jsonTypes = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
// `type` of a security scheme, not of a schema: left as it is.
const securitySchemeTypes = new Set(['apiKey', 'http', 'oauth2', 'openIdConnect', 'mutualTLS']);

/**
 * The nearest valid schema for a `type` the spec writes in prose or another language's
 * words ("array of strings", "int64", "float", "constant string 'X'"); Ajv refuses to
 * compile any of them. A word it cannot place loses its type (anything passes) rather than
 * failing every check that reaches it.
 */
export function schemaForTypeName(name: string): Record<string, unknown> {
  const text = name.trim();
  const lower = text.toLowerCase();
  const arrayOf = /^(?:array|list) of (.+?)s?$/.exec(lower);
  if (arrayOf) return { type: 'array', items: schemaForTypeName(arrayOf[1]) };
  const constant = /^constant (\w+) '(.*)'$/.exec(text);
  if (constant) return { ...schemaForTypeName(constant[1]), const: constant[2] };
  const word = lower.replace(/\s*<.*>$/, '');
  if (jsonTypes.has(word)) return { type: word };
  if (/^(int|int32|int64|long|short|uint\d*)$/.test(word)) return { type: 'integer' };
  if (/^(float|double|decimal|numeric)$/.test(word)) return { type: 'number' };
  if (/^(bool)$/.test(word)) return { type: 'boolean' };
  if (/^(uuid|date|datetime|date-time|timestamp|file|binary|str|text)$/.test(word)) return { type: 'string' };
  if (/^(dictionary|map|dict)$/.test(word)) return { type: 'object' };
  return {};
}

/** OpenAPI 3.0 schema dialect → what Ajv (draft-07) understands. */
function normalise(node: any): any {
  if (Array.isArray(node)) return node.map(normalise);
  if (!node || typeof node !== 'object') return node;
  const out: any = {};
  for (const [k, v] of Object.entries(node)) out[k] = normalise(v);
  if (typeof out.type === 'string' && !jsonTypes.has(out.type) && !securitySchemeTypes.has(out.type)) {
    const nearest = schemaForTypeName(out.type);
    delete out.type;
    for (const [k, v] of Object.entries(nearest)) out[k] ??= v;
  }
  // `maximum` on an array (Ozon's /v1/analytics/stocks skus: "maximum": 100) means its length.
  if (out.type === 'array' && typeof out.maximum === 'number') {
    out.maxItems ??= out.maximum;
    delete out.maximum;
  }
  if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (typeof out.exclusiveMinimum === 'boolean') delete out.exclusiveMinimum;
  if (out.exclusiveMaximum === true && typeof out.maximum === 'number') {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  } else if (typeof out.exclusiveMaximum === 'boolean') delete out.exclusiveMaximum;
  delete out.discriminator;
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else if (!out.type) {
      return { anyOf: [out, { type: 'null' }] };
    }
  } else if (out.nullable === false) delete out.nullable;
  return out;
}

const pointer = (...segments: string[]) =>
  'spec#/' + segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

function validator(spec: Spec, ref: string, coerce = false): ValidateFunction {
  const key = `${coerce}:${ref}`;
  let v = spec.cache.get(key);
  if (!v) {
    v = (coerce ? spec.coercingAjv : spec.ajv).compile({ $ref: ref });
    spec.cache.set(key, v);
  }
  return v;
}

const describeErrors = (where: string, v: ValidateFunction) =>
  (v.errors ?? [])
    .slice(0, 5)
    .map(
      (e) =>
        `${where}${e.instancePath || ''} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${(e.params as any).additionalProperty})` : ''}`,
    );

/** Finds the spec's operation for a method and concrete path. */
export function findOperation(spec: Spec, method: string, requestPath: string) {
  const m = method.toLowerCase();
  const candidates = spec.operations.filter((o) => o.regex.test(requestPath));
  const op = candidates.find((o) => o.methods[m]) ?? null;
  return op ? { template: op.template, operation: op.methods[m], pathItem: op.methods } : null;
}

const resolveRef = (spec: Spec, node: any): any => {
  let current = node;
  for (let i = 0; current?.$ref && i < 10; i++) {
    const parts = String(current.$ref)
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    current = parts.reduce((acc: any, p) => acc?.[p], spec.doc);
  }
  return current;
};

const isJsonType = (type: string) => /json/i.test(type) || type === '*/*';

export function checkExchange(spec: Spec, exchange: Exchange): string[] {
  const problems: string[] = [];
  const label = `${exchange.method} ${exchange.path}`;
  const found = findOperation(spec, exchange.method, exchange.path);
  if (!found) return [`${label}: no such operation in ${spec.file}`];
  const { template, operation, pathItem } = found;
  const m = exchange.method.toLowerCase();
  const base = ['paths', template, m];

  // Parameters: required ones present, query values of the declared type, no undeclared query names.
  const params: any[] = [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((p) =>
    resolveRef(spec, p),
  );
  const query = exchange.query ?? {};
  const declaredQuery = new Set(params.filter((p) => p.in === 'query').map((p) => p.name));
  for (const name of Object.keys(query)) {
    if (!declaredQuery.has(name) && !declaredQuery.has(name.replace(/\[\]$/, '')))
      problems.push(`${label}: query parameter "${name}" is not in the spec`);
  }
  const headers = Object.fromEntries(Object.entries(exchange.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  for (const p of params) {
    if (p.in === 'query') {
      const value = query[p.name];
      if (value === undefined) {
        if (p.required) problems.push(`${label}: required query parameter "${p.name}" is missing`);
        continue;
      }
      if (p.schema) {
        const schema = { type: 'object', properties: { v: p.schema } };
        const v = spec.coercingAjv.compile(schema);
        const single = Array.isArray(value) && p.schema.type !== 'array' ? value[0] : value;
        if (!v({ v: single })) problems.push(...describeErrors(`${label}: query.${p.name}`, v));
      }
    } else if (p.in === 'header' && p.required && headers[String(p.name).toLowerCase()] === undefined) {
      if (!/^(content-type|accept)$/i.test(p.name)) problems.push(`${label}: required header "${p.name}" is missing`);
    }
  }

  // Request body.
  const requestBody = operation.requestBody ? resolveRef(spec, operation.requestBody) : null;
  const hasBody = exchange.body !== undefined && exchange.body !== null && exchange.body !== '';
  if (requestBody) {
    const contentType = Object.keys(requestBody.content ?? {}).find(isJsonType);
    if (!hasBody && requestBody.required) problems.push(`${label}: the spec requires a request body`);
    if (hasBody && contentType && requestBody.content[contentType].schema) {
      const ref = operation.requestBody.$ref
        ? pointer(
            ...String(operation.requestBody.$ref).replace(/^#\//, '').split('/'),
            'content',
            contentType,
            'schema',
          )
        : pointer(...base, 'requestBody', 'content', contentType, 'schema');
      const v = validator(spec, ref);
      if (!v(exchange.body)) problems.push(...describeErrors(`${label}: request body`, v));
    }
  } else if (hasBody && m !== 'get') {
    problems.push(`${label}: sends a body the spec does not declare`);
  }

  // The answer: a documented status, and a body of the documented shape.
  const responses = operation.responses ?? {};
  const statusKey = [String(exchange.status), `${String(exchange.status)[0]}XX`, 'default'].find((k) => responses[k]);
  if (!statusKey) {
    problems.push(
      `${label}: answered ${exchange.status}, which the spec does not document (documented: ${Object.keys(responses).join(', ')})`,
    );
    return problems;
  }
  const response = resolveRef(spec, responses[statusKey]);
  const contentType = Object.keys(response?.content ?? {}).find(isJsonType);
  if (
    contentType &&
    response.content[contentType].schema &&
    exchange.responseBody !== undefined &&
    exchange.responseBody !== null &&
    exchange.responseBody !== ''
  ) {
    const ref = responses[statusKey].$ref
      ? pointer(...String(responses[statusKey].$ref).replace(/^#\//, '').split('/'), 'content', contentType, 'schema')
      : pointer(...base, 'responses', statusKey, 'content', contentType, 'schema');
    const v = validator(spec, ref);
    if (!v(exchange.responseBody)) problems.push(...describeErrors(`${label}: answer ${exchange.status}`, v));
  }
  return problems;
}

/** Checks a whole request log; returns the problems with the exchange they belong to. */
export function checkLog(spec: Spec, log: Exchange[], options: { ignorePaths?: RegExp } = {}): string[] {
  return log.filter((e) => !options.ignorePaths?.test(e.path)).flatMap((e) => checkExchange(spec, e));
}
