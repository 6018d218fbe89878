import type { Spec } from '../openapi-contract.ts';

/**
 * Answers built from a service's own OpenAPI schemas and examples (issue 21,
 * docs/decisions/160-spec-shaped-answers.md), not from our simulators. One variant shapes
 * the whole answer the way a real service may and our simulators never do: every array
 * empty, every optional field missing, unknown fields everywhere, numbers at their largest,
 * strings at their maximum length, each item listed twice, or pages always full (so a
 * paging loop meets the page cap). A seeded random source picks everything else, so a
 * failing seed answers the same again.
 */

export const variants = [
  'examples',
  'empty',
  'sparse',
  'extra',
  'large',
  'maxLength',
  'duplicates',
  'fullPages',
] as const;
export type Variant = (typeof variants)[number];

export interface GenerateOptions {
  variant: Variant;
  rng: () => number;
  /** Items of each array in the `fullPages` variant (the limit the request asked for). */
  pageItems?: number;
  /** Counter shared by one server: ids and cursors made from it differ between answers. */
  counter: { n: number };
  /** Set once the first array of an answer got its `pageItems` (fullPages fills only that one: the page). */
  pageFilled?: boolean;
}

/** mulberry32: a small seeded generator, enough for test data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Follows $ref pointers within the spec's document. */
export function resolve(spec: Spec, node: any): any {
  let current = node;
  for (let i = 0; current?.$ref && i < 20; i++) {
    const parts = String(current.$ref)
      .replace(/^#\//, '')
      .split('/')
      .map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
    current = parts.reduce((acc: any, p) => acc?.[p], spec.doc);
  }
  return current ?? {};
}

/** allOf members merged into one object schema (properties and required joined). */
function merged(spec: Spec, schema: any): any {
  if (!Array.isArray(schema.allOf)) return schema;
  const out: any = {
    ...schema,
    allOf: undefined,
    properties: { ...(schema.properties ?? {}) },
    required: [...(schema.required ?? [])],
  };
  for (const member of schema.allOf) {
    const m = merged(spec, resolve(spec, member));
    Object.assign(out.properties, m.properties ?? {});
    out.required.push(...(m.required ?? []));
    out.type ??= m.type;
    for (const key of [
      'items',
      'enum',
      'format',
      'maxLength',
      'minLength',
      'minimum',
      'maximum',
      'example',
      'additionalProperties',
    ])
      out[key] ??= m[key];
  }
  return out;
}

const typeOf = (schema: any): string | undefined => {
  const t = schema.type;
  if (Array.isArray(t)) return t.find((x: string) => x !== 'null');
  if (t) return t;
  if (schema.properties || schema.additionalProperties) return 'object';
  if (schema.items) return 'array';
  if (schema.enum) return typeof schema.enum[0];
  return undefined;
};

const pick = <T>(rng: () => number, list: readonly T[]): T => list[Math.floor(rng() * list.length) % list.length];
const hex = (rng: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');

/** A field whose values name things (ids, numbers, cursors): made unique from the counter, so pages and items differ. */
const naming = (name: string) =>
  /(^|_)(id|ids|number|cursor|rid|srid|sku|code|article)$|[a-z](Id|ID|Number|Code)$/.test(name);

function stringFor(schema: any, o: GenerateOptions, name: string): string {
  if (Array.isArray(schema.enum) && schema.enum.length)
    return String(
      pick(
        o.rng,
        schema.enum.filter((e: unknown) => e !== null),
      ) ?? schema.enum[0],
    );
  const n = ++o.counter.n;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  switch (schema.format) {
    case 'date-time':
    case 'local-date-time': {
      const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(o.rng() * 300 * 86_400_000)).toISOString();
      // WB's reports: Moscow time without an offset, as its own examples write it.
      return schema.format === 'local-date-time' ? at.slice(0, 19) : at;
    }
    case 'date':
      return new Date(Date.UTC(2026, 0, 1) + Math.floor(o.rng() * 300) * 86_400_000).toISOString().slice(0, 10);
    case 'uuid':
      return `${hex(o.rng, 8)}-${hex(o.rng, 4)}-4${hex(o.rng, 3)}-a${hex(o.rng, 3)}-${hex(o.rng, 12)}`;
    case 'uri':
    case 'url':
      return `https://example.com/${n}`;
    case 'email':
      return `buyer${n}@example.com`;
    default:
  }
  let value: string;
  const example = typeof schema.example === 'string' ? schema.example : undefined;
  if (o.variant === 'examples' && example !== undefined) value = example;
  else if (naming(name))
    value = example !== undefined && !/\s/.test(example) && example.length < 40 ? `${example}${n}` : `v${n}`;
  // Prices as decimal strings, currency codes, statuses: the service's own example, or one of their kind.
  else if (example !== undefined) value = example;
  else if (/currency/i.test(name)) value = 'RUB';
  else if (/price|amount|sum|cost|commission|payout/i.test(name)) value = (1 + Math.floor(o.rng() * 5_000)).toFixed(2);
  else value = `v${n}`;
  if (o.variant === 'maxLength' && max !== undefined) value = (value + 'ж'.repeat(max)).slice(0, max);
  if (max !== undefined && value.length > max) value = value.slice(-max);
  while (value.length < min) value += 'x';
  return value;
}

function numberFor(schema: any, integer: boolean, o: GenerateOptions, name: string): number {
  if (Array.isArray(schema.enum) && schema.enum.length)
    return Number(
      pick(
        o.rng,
        schema.enum.filter((e: unknown) => e !== null),
      ) ?? schema.enum[0],
    );
  const min =
    typeof schema.minimum === 'number'
      ? schema.minimum
      : typeof schema.exclusiveMinimum === 'number'
        ? schema.exclusiveMinimum + 1
        : undefined;
  const max =
    typeof schema.maximum === 'number'
      ? schema.maximum
      : typeof schema.exclusiveMaximum === 'number'
        ? schema.exclusiveMaximum - 1
        : undefined;
  if (o.variant === 'large') {
    const top = max ?? (schema.format === 'int32' ? 2_147_483_647 : integer ? Number.MAX_SAFE_INTEGER : 1e12 + 0.25);
    return integer ? Math.floor(top) : top;
  }
  let value: number;
  if (o.variant === 'examples' && typeof schema.example === 'number') value = schema.example;
  else if (integer && naming(name)) value = 1_000 + ++o.counter.n;
  else if (typeof schema.example === 'number') value = schema.example;
  else value = integer ? 1 + Math.floor(o.rng() * 20) : Math.round(o.rng() * 100_000) / 100;
  if (min !== undefined && value < min) value = min;
  if (max !== undefined && value > max) value = integer ? Math.floor(max) : max;
  return integer ? Math.trunc(value) : value;
}

/** A value of the schema. `depth` stops recursive schemas. */
export function generate(spec: Spec, node: any, o: GenerateOptions, depth = 0, name = ''): unknown {
  let schema = merged(spec, resolve(spec, node));
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const options = (schema.anyOf ?? schema.oneOf)
      .map((s: any) => resolve(spec, s))
      .filter((s: any) => s.type !== 'null');
    if (!options.length) return null;
    const { anyOf: _a, oneOf: _o, ...rest } = schema;
    schema = merged(spec, { ...rest, ...(o.variant === 'examples' ? options[0] : pick(o.rng, options)) });
  }
  if ('const' in schema) return schema.const;
  const type = typeOf(schema);
  if (depth > 7)
    return type === 'array'
      ? []
      : type === 'object'
        ? {}
        : type === 'string'
          ? 'deep'
          : type === 'boolean'
            ? false
            : type
              ? 0
              : null;
  switch (type) {
    case 'object':
      return objectFor(spec, schema, o, depth);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = schema.maxItems ?? Infinity;
      let count: number;
      if (o.variant === 'empty') count = min;
      else if (o.variant === 'fullPages' && !o.pageFilled) {
        o.pageFilled = true;
        count = o.pageItems ?? 3;
      } else count = 1 + Math.floor(o.rng() * 3);
      count = Math.max(min, Math.min(max, count));
      if (o.variant === 'duplicates' && count > 0) {
        // Each item twice: the same ids in one answer.
        const first = Array.from({ length: Math.max(1, Math.ceil(count / 2)) }, () =>
          generate(spec, schema.items ?? {}, o, depth + 1, name),
        );
        return [...first, ...first.map((x) => structuredClone(x))].slice(
          0,
          Math.max(count, Math.min(max, first.length * 2)),
        );
      }
      return Array.from({ length: count }, () => generate(spec, schema.items ?? {}, o, depth + 1, name));
    }
    case 'string':
      return stringFor(schema, o, name);
    case 'integer':
      return numberFor(schema, true, o, name);
    case 'number':
      return numberFor(schema, false, o, name);
    case 'boolean':
      return o.variant === 'examples' && typeof schema.example === 'boolean' ? schema.example : o.rng() < 0.5;
    default:
      return schema.example ?? null;
  }
}

function objectFor(spec: Spec, schema: any, o: GenerateOptions, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const required = new Set<string>(schema.required ?? []);
  for (const [name, prop] of Object.entries<any>(schema.properties ?? {})) {
    // Optional fields go missing in the sparse variant only: each variant tests one thing.
    const keep = required.has(name) || o.variant !== 'sparse';
    if (!keep) continue;
    const resolved = resolve(spec, prop);
    if (resolved.readOnly === undefined && resolved.writeOnly === true) continue;
    out[name] = generate(spec, prop, o, depth + 1, name);
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && !schema.properties) {
    const keys = o.variant === 'empty' ? 0 : 1 + Math.floor(o.rng() * 2);
    for (let i = 0; i < keys; i++)
      out[`key${++o.counter.n}`] = generate(spec, schema.additionalProperties, o, depth + 1);
  }
  if (o.variant === 'extra') {
    out[`x_unknown_${o.counter.n++}`] = 'a field the spec does not name';
    out.x_unknown_object = { nested: [1, 'two', null], deep: { flag: true } };
  }
  return out;
}
