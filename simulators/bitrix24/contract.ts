import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { LoggedRequest } from '../toolkit/index.ts';
import { must, section, ticks } from '../toolkit/contract-doc.ts';

/**
 * Answer schemas written from ../shared/specs/bitrix24/CONTRACT.md (the digest of Bitrix24's
 * REST docs), read at run time: the `time` keys of §1, the page size of §4, the batch limit of
 * §6, the system error codes and their statuses of §7 and the bucket of §8 come out of the
 * file itself, so a changed digest fails the tests instead of going unnoticed.
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CONTRACT_PATH = path.resolve(projectRoot, '../shared/specs/bitrix24/CONTRACT.md');

export interface BitrixContract {
  /** §1: the keys of the `time` object of every successful answer. */
  timeKeys: string[];
  /** §2: the writable deal field names (plain ones; UF_CRM_<n> and PARENT_ID_<n> are patterns). */
  dealFields: string[];
  /** §2: the stage ids of the default funnel. */
  defaultStages: string[];
  /** §4: the filter key prefixes. */
  filterPrefixes: string[];
  pageSize: number;
  maxBatch: number;
  /** §7 (and §8's 429): system error code → HTTP status. */
  systemErrors: Map<string, number>;
  /** §8: the leaky bucket of plans other than Enterprise. */
  bucket: { perSecond: number; burst: number };
}

let cached: BitrixContract | undefined;

export function loadBitrixContract(): BitrixContract {
  if (cached) return cached;
  const doc = fs.readFileSync(CONTRACT_PATH, 'utf8');
  const s1 = section(doc, 1);
  const s2 = section(doc, 2);
  const s4 = section(doc, 4);
  const s7 = section(doc, 7);
  const s8 = section(doc, 8);
  const useful = must(/Useful `fields`:([\s\S]*?)\n- Default funnel/, s2, 'which deal fields exist')[1];
  cached = {
    timeKeys: ticks(must(/`time` object\s*\(([^)]*)\)/, s1, 'what the time object holds')[1]),
    // A field opens its item: `NAME` then "(", "," or the end; `UTM_SOURCE|MEDIUM|…` names five.
    dealFields: [...useful.matchAll(/`([A-Z_|]+)`(?=\s*[(,]|\s*$)/g)].flatMap((m) => {
      const [first, ...rest] = m[1].split('|');
      return [first, ...rest.map((r) => first.replace(/[^_]+$/, r))];
    }),
    defaultStages: ticks(
      must(/Default funnel stage ids seen in docs:([^\n]*(?:\n {2}[^\n]*)*)/, s2, 'the default stage ids')[1],
    ).filter((t) => /^[A-Z_]+$/.test(t)),
    filterPrefixes: ticks(must(/Filter key prefixes:([^\n]*(?:\n {2}[^\n]*)*)/, s4, 'the filter prefixes')[1])
      .flatMap((t) => t.split('/'))
      .filter((t) => /^[!=<>@%]+$/.test(t)),
    pageSize: Number(must(/fixed page size (\d+)/, s4, 'the page size')[1]),
    maxBatch: Number(must(/Max (\d+) sub-requests/, section(doc, 6), 'the batch limit')[1]),
    systemErrors: new Map([...s7.matchAll(/`(\d{3}) ([A-Za-z_]+)`/g)].map((m) => [m[2], Number(m[1])])),
    bucket: (() => {
      const m = must(/All other plans: Y = (\d+)\/s, X = (\d+)/, s8, 'the bucket of ordinary plans');
      return { perSecond: Number(m[1]), burst: Number(m[2]) };
    })(),
  };
  return cached;
}

// --- schemas --------------------------------------------------------------------------------

const NUMERIC_KEYS = new Set(['start', 'finish', 'duration', 'processing', 'operating', 'operating_reset_at']);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
const idString = z.string().regex(/^\d+$/);
/** §4: numbers come back as strings; OPPORTUNITY is a decimal ("1000000.00"). */
const decimal = z.string().regex(/^-?\d+\.\d{2}$/);
const wireValue = z.union([z.string(), z.null(), z.array(z.string())]);

export function bitrixSchemas(contract = loadBitrixContract()) {
  const timeOf = (optional: string[]) =>
    z
      .object(
        Object.fromEntries(
          contract.timeKeys.map((k) => {
            const value = NUMERIC_KEYS.has(k) ? z.number() : isoDate;
            return [k, optional.includes(k) ? value.optional() : value];
          }),
        ),
      )
      .strict();
  const time = timeOf([]);
  /** batch.md shows sub-results' time without the operating pair. */
  const subTime = timeOf(['operating', 'operating_reset_at']);
  const error = z.object({ error: z.string(), error_description: z.string() }).strict();

  const dealKeys = new Set(['ID', ...contract.dealFields.filter((f) => f !== 'CONTACT_IDS')]);
  const deal = z
    .object({
      ID: idString,
      TITLE: z.string(),
      STAGE_ID: z.string(),
      CATEGORY_ID: idString,
      CURRENCY_ID: z.string(),
      OPPORTUNITY: decimal,
      ORIGIN_ID: z.string().nullable(),
      DATE_CREATE: isoDate,
      DATE_MODIFY: isoDate,
    })
    .catchall(wireValue)
    .superRefine((d, ctx) => {
      for (const key of dealKeys)
        if (!(key in d)) ctx.addIssue({ code: 'custom', message: `crm.deal.get answer lacks ${key}` });
      for (const key of Object.keys(d)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(key))
          ctx.addIssue({ code: 'custom', message: `not a Bitrix24 field name: ${key}` });
      }
    });
  /** A crm.deal.list row: what `select` asked for, ID always. */
  const dealRow = z
    .object({ ID: idString, OPPORTUNITY: decimal.optional(), CATEGORY_ID: idString.optional() })
    .catchall(wireValue);
  const stageRow = z
    .object({
      ID: idString,
      ENTITY_ID: z.string().regex(/^DEAL_STAGE(_\d+)?$/),
      STATUS_ID: z.string(),
      NAME: z.string(),
      NAME_INIT: z.string(),
      SORT: idString,
      SYSTEM: z.enum(['Y', 'N']),
      CATEGORY_ID: idString.nullable(),
      COLOR: z.string(),
      SEMANTICS: z.enum(['S', 'F']).nullable(),
      EXTRA: z.object({ SEMANTICS: z.enum(['process', 'success', 'failure', 'apology']), COLOR: z.string() }).strict(),
    })
    .strict();

  const one = <T extends z.ZodType>(result: T) => z.object({ result, time }).strict();
  const list = <T extends z.ZodType>(row: T) =>
    z
      .object({
        result: z.array(row).max(contract.pageSize),
        next: z.number().int().positive().optional(),
        total: z.number().int().nonnegative().optional(),
        time,
      })
      .strict();
  /** PHP arrays: `[]` when empty, else keyed by sub-request id (§6, batch.md). */
  const keyed = <T extends z.ZodType>(value: T) => z.union([z.record(z.string(), value), z.array(value)]);
  const batch = z
    .object({
      result: z
        .object({
          result: keyed(z.unknown()),
          result_error: keyed(error),
          result_total: keyed(z.number().int()),
          result_next: keyed(z.number().int()),
          result_time: keyed(subTime),
        })
        .strict(),
      time,
    })
    .strict();

  const methods: Record<string, z.ZodType> = {
    'crm.deal.add': one(z.number().int().positive()),
    'crm.deal.update': one(z.literal(true)),
    'crm.deal.get': one(deal),
    'crm.deal.list': list(dealRow),
    'crm.status.list': list(stageRow),
    'crm.timeline.comment.add': one(z.number().int().positive()),
    batch,
  };
  return { time, error, deal, dealRow, stageRow, batch, methods };
}

export type BitrixSchemas = ReturnType<typeof bitrixSchemas>;

/** The method a logged request called: `/rest/<user>/<code>/<method>[.json]`. */
export const methodOfPath = (p: string) =>
  /^\/rest\/[^/]+\/[^/]+\/([^/]+)$/
    .exec(p)?.[1]
    .toLowerCase()
    .replace(/\.json$/, '') ?? null;

const issues = (schema: z.ZodType, value: unknown, where: string) => {
  const r = schema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${where}: ${i.path.join('.') || '(root)'}: ${i.message}`);
};

/** Problems of one logged answer against the digest's shapes; empty = it fits. */
export function checkBitrixAnswer(
  entry: LoggedRequest,
  schemas = bitrixSchemas(),
  contract = loadBitrixContract(),
): string[] {
  const where = `${entry.method} ${entry.path} → ${entry.status}`;
  if (entry.fault === 'malformed' || entry.fault === 'timeout') return [];
  if (entry.status === 502)
    return typeof entry.responseBody === 'string' && entry.responseBody.includes('502')
      ? []
      : [`${where}: a gateway 502 is its HTML page`];
  if (entry.status !== 200) {
    const problems = issues(schemas.error, entry.responseBody, where);
    const code = (entry.responseBody as { error?: string } | null)?.error ?? '';
    const documented = contract.systemErrors.get(code);
    if (documented !== undefined && documented !== entry.status)
      problems.push(`${where}: §7 gives ${code} status ${documented}`);
    if (code === '' && entry.status !== 400) problems.push(`${where}: a method error (empty code) comes with 400`);
    return problems;
  }
  const method = methodOfPath(entry.path);
  const schema = method ? schemas.methods[method] : undefined;
  if (!schema) return [`${where}: no schema for ${method}`];
  const problems = issues(schema, entry.responseBody, where);
  if (method === 'batch') problems.push(...checkSubResults(entry, schemas, where));
  return problems;
}

/** Each batch sub-result against its own method's `result` schema, when the request's `cmd` was JSON. */
function checkSubResults(entry: LoggedRequest, schemas: BitrixSchemas, where: string): string[] {
  const cmd = (entry.body as { cmd?: Record<string, unknown> } | null)?.cmd;
  const results = (entry.responseBody as { result?: { result?: Record<string, unknown> } }).result?.result;
  if (!cmd || typeof cmd !== 'object' || !results || typeof results !== 'object') return [];
  return Object.entries(results).flatMap(([id, result]) => {
    const command = (cmd as Record<string, unknown>)[id];
    const method =
      typeof command === 'string'
        ? command
            .split('?')[0]
            .toLowerCase()
            .replace(/\.json$/, '')
        : '';
    const schema = schemas.methods[method] as z.ZodObject | undefined;
    return schema?.shape?.result ? issues(schema.shape.result as z.ZodType, result, `${where} [${id}] ${method}`) : [];
  });
}
