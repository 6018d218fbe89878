import { asList, lowerKeys, parseCommand, phpTrue, type Params } from './params.ts';
import type { BitrixDeal, BitrixPortal, BitrixStage, BitrixWebhook } from './state.ts';

/**
 * The REST methods the simulator answers, as ../shared/specs/bitrix24/CONTRACT.md digests
 * Bitrix24's docs: crm.deal.add/update/get/list (§2–§4), crm.timeline.comment.add (§5),
 * crm.status.list (deal stages per funnel) and batch (§6). A method returns its `result`
 * (and `total`/`next` for lists) or throws a BitrixError, which becomes `{error, error_description}` (§7).
 */

export class BitrixError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${code || '(empty code)'}: ${description}`);
  }
}

export interface MethodCall {
  portal: BitrixPortal;
  webhook: BitrixWebhook;
  params: Params;
  now: Date;
}

export interface MethodResult {
  result: unknown;
  total?: number;
  next?: number;
}

interface MethodSpec {
  /** The webhook scope the method needs (§1: crm for crm.*; §6: batch is `basic`). */
  scope: string;
  run(call: MethodCall): MethodResult;
}

/** §4: list methods answer fixed pages of 50. */
export const PAGE_SIZE = 50;
/** §6: at most 50 sub-requests in one batch. */
export const MAX_BATCH = 50;

// --- deals: what a deal is on the wire ------------------------------------------------------

/** The standard deal fields crm.deal.get answers (crm-deal-get.md, as §2 lists the writable ones). */
const STANDARD_FIELDS = [
  'ID',
  'TITLE',
  'TYPE_ID',
  'STAGE_ID',
  'PROBABILITY',
  'CURRENCY_ID',
  'OPPORTUNITY',
  'IS_MANUAL_OPPORTUNITY',
  'TAX_VALUE',
  'LEAD_ID',
  'COMPANY_ID',
  'CONTACT_ID',
  'QUOTE_ID',
  'BEGINDATE',
  'CLOSEDATE',
  'ASSIGNED_BY_ID',
  'CREATED_BY_ID',
  'MODIFY_BY_ID',
  'DATE_CREATE',
  'DATE_MODIFY',
  'OPENED',
  'CLOSED',
  'COMMENTS',
  'ADDITIONAL_INFO',
  'LOCATION_ID',
  'CATEGORY_ID',
  'STAGE_SEMANTIC_ID',
  'IS_NEW',
  'IS_RECURRING',
  'IS_RETURN_CUSTOMER',
  'IS_REPEATED_APPROACH',
  'SOURCE_ID',
  'SOURCE_DESCRIPTION',
  'ORIGINATOR_ID',
  'ORIGIN_ID',
  'MOVED_BY_ID',
  'MOVED_TIME',
  'LAST_ACTIVITY_TIME',
  'UTM_SOURCE',
  'UTM_MEDIUM',
  'UTM_CAMPAIGN',
  'UTM_CONTENT',
  'UTM_TERM',
  'LAST_ACTIVITY_BY',
];

/** §2: the fields a client may set; anything else is ignored (§3: "unknown fields are ignored"). */
const WRITABLE = new Set([
  'TITLE',
  'TYPE_ID',
  'CATEGORY_ID',
  'STAGE_ID',
  'CURRENCY_ID',
  'OPPORTUNITY',
  'IS_MANUAL_OPPORTUNITY',
  'TAX_VALUE',
  'COMPANY_ID',
  'CONTACT_IDS',
  'CONTACT_ID',
  'BEGINDATE',
  'CLOSEDATE',
  'OPENED',
  'CLOSED',
  'COMMENTS',
  'ASSIGNED_BY_ID',
  'SOURCE_ID',
  'SOURCE_DESCRIPTION',
  'ADDITIONAL_INFO',
  'ORIGINATOR_ID',
  'ORIGIN_ID',
  'UTM_SOURCE',
  'UTM_MEDIUM',
  'UTM_CAMPAIGN',
  'UTM_CONTENT',
  'UTM_TERM',
  'PROBABILITY',
  'LEAD_ID',
  'QUOTE_ID',
  'LOCATION_ID',
]);

/** §4: LIKE does not work on crm_status / crm_contact / crm_company fields. */
const NO_LIKE = new Set(['STAGE_ID', 'TYPE_ID', 'SOURCE_ID', 'CURRENCY_ID', 'COMPANY_ID', 'CONTACT_ID']);

const isUserField = (key: string) => /^UF_CRM_\w+$/.test(key);
const isParentField = (key: string) => /^PARENT_ID_\d+$/.test(key);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dates as Bitrix24 writes them: ISO 8601 with the portal's offset (a Moscow portal here: +03:00). */
export function bitrixDate(d: Date): string {
  const local = new Date(d.getTime() + 3 * 3600_000);
  return `${local.toISOString().slice(0, 19)}+03:00`;
}

const dayStart = (d: Date) =>
  bitrixDate(new Date(Math.floor((d.getTime() + 3 * 3600_000) / 86_400_000) * 86_400_000 - 3 * 3600_000));

/**
 * A money value as Bitrix24 answers it: a decimal string with two places ("1000000.00" in
 * crm-deal-get.md). Done on the digits, so a client's "12345678901234.565" is not rounded by a double.
 */
export function money(value: unknown): string {
  const text =
    typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().replace(',', '.') : '';
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && !m[3])) return '0.00';
  const frac = (m[3] ?? '').padEnd(3, '0');
  let cents = BigInt(`${m[2] || '0'}${frac.slice(0, 2)}`);
  if (Number(frac[2]) >= 5) cents += 1n;
  const digits = cents.toString().padStart(3, '0');
  return `${m[1] && cents !== 0n ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** §4: numeric values come back as strings ("ID": "37"); a multiple custom field as a list of them. */
const wire = (v: unknown): unknown => {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((x) => wire(x));
  if (isObject(v)) return asList(v)!.map((x) => wire(x));
  if (typeof v === 'boolean') return v ? 'Y' : 'N';
  return String(v);
};

const stageOf = (portal: BitrixPortal, deal: BitrixDeal): BitrixStage | undefined =>
  portal.funnel(Number(deal.fields.CATEGORY_ID ?? 0))?.stages.find((s) => s.statusId === deal.fields.STAGE_ID);

/** STAGE_SEMANTIC_ID: P in progress, S successful, F unsuccessful (crm-deal-get.md). */
const semanticId = (stage: BitrixStage | undefined) =>
  stage?.semantics === 'success' ? 'S' : stage?.semantics === 'failure' || stage?.semantics === 'apology' ? 'F' : 'P';

/** A deal in the shape crm.deal.get answers: every standard field, then PARENT_ID_* and UF_CRM_*. */
export function renderDeal(portal: BitrixPortal, deal: BitrixDeal): Record<string, unknown> {
  const f = deal.fields;
  const stage = stageOf(portal, deal);
  const contacts = asList(f.CONTACT_IDS);
  const computed: Record<string, unknown> = {
    ID: String(deal.id),
    OPPORTUNITY: money(f.OPPORTUNITY),
    TAX_VALUE: money(f.TAX_VALUE),
    CATEGORY_ID: String(f.CATEGORY_ID ?? 0),
    STAGE_SEMANTIC_ID: semanticId(stage),
    CLOSED: wire(f.CLOSED) ?? (stage && stage.semantics !== 'process' ? 'Y' : 'N'),
    OPENED: wire(f.OPENED) ?? 'Y',
    IS_MANUAL_OPPORTUNITY: wire(f.IS_MANUAL_OPPORTUNITY) ?? 'N',
    IS_NEW: stage && portal.funnel(Number(f.CATEGORY_ID ?? 0))?.stages[0] === stage ? 'Y' : 'N',
    IS_RECURRING: 'N',
    IS_RETURN_CUSTOMER: 'N',
    IS_REPEATED_APPROACH: 'N',
    CONTACT_ID: wire(contacts?.[0] ?? f.CONTACT_ID),
    // §2: BEGINDATE defaults to the creation day, CLOSEDATE to seven days after it.
    BEGINDATE: wire(f.BEGINDATE) ?? dayStart(deal.createdAt),
    CLOSEDATE: wire(f.CLOSEDATE) ?? dayStart(new Date(deal.createdAt.getTime() + 7 * 86_400_000)),
    CREATED_BY_ID: String(deal.createdBy),
    MODIFY_BY_ID: String(deal.modifiedBy),
    MOVED_BY_ID: String(deal.movedBy),
    DATE_CREATE: bitrixDate(deal.createdAt),
    DATE_MODIFY: bitrixDate(deal.modifiedAt),
    MOVED_TIME: bitrixDate(deal.movedAt),
    LAST_ACTIVITY_TIME: bitrixDate(deal.modifiedAt),
    LAST_ACTIVITY_BY: String(deal.modifiedBy),
  };
  const out: Record<string, unknown> = {};
  for (const key of STANDARD_FIELDS) out[key] = key in computed ? computed[key] : wire(f[key]);
  for (const key of Object.keys(f).filter(isParentField)) out[key] = wire(f[key]);
  const userFields = portal.userFields ?? Object.keys(f).filter(isUserField);
  for (const key of userFields) out[key] = wire(f[key]);
  return out;
}

/** §4 select: `*` all standard fields, `UF_*` all custom ones, else names; none given = both. ID always comes (an assumption). */
function selectFields(row: Record<string, unknown>, select: unknown[] | undefined): Record<string, unknown> {
  const wanted = (select ?? []).map(String).filter((s) => s !== 'CONTACT_IDS');
  if (!wanted.length) return row;
  const out: Record<string, unknown> = { ID: row.ID };
  for (const [key, value] of Object.entries(row)) {
    const custom = isUserField(key);
    if (wanted.includes(key) || (wanted.includes('*') && !custom) || (wanted.includes('UF_*') && custom))
      out[key] = value;
  }
  return out;
}

// --- filter and order (§4) ------------------------------------------------------------------

/** Longest first, so `>=` is not read as `>` and `!@` not as `!`. */
const OPERATORS = ['>=', '<=', '!@', '=%', '%=', '!=', '>', '<', '@', '%', '=', '!'] as const;
type Operator = (typeof OPERATORS)[number] | '';

export function parseFilterKey(key: string): { op: Operator; field: string } {
  const op = OPERATORS.find((o) => key.startsWith(o)) ?? '';
  return { op, field: key.slice(op.length) };
}

const numeric = (s: string) => s.trim() !== '' && !Number.isNaN(Number(s));
const dateLike = (s: string) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s));

/** Compares two wire values: as numbers, as dates, else as strings. */
function compare(a: string, b: string): number {
  if (numeric(a) && numeric(b)) return Number(a) - Number(b);
  if (dateLike(a) && dateLike(b)) return Date.parse(a) - Date.parse(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

const like = (value: string, pattern: string) => {
  const re = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${re}$`, 'is').test(value);
};

/** Whether one value (of a possibly multiple field) passes one condition. */
function passes(op: Operator, field: string, value: string, wanted: unknown): boolean {
  const list = Array.isArray(wanted) || isObject(wanted) ? asList(wanted)!.map((w) => String(w ?? '')) : null;
  const w = String(wanted ?? '');
  const equal = () => (list ? list.some((x) => compare(value, x) === 0) : compare(value, w) === 0);
  if ((op === '%' || op === '=%' || op === '%=') && NO_LIKE.has(field)) return equal(); // docs: LIKE does not apply; acts as `=` here
  switch (op) {
    case '':
    case '=':
    case '@':
      return equal();
    case '!':
    case '!=':
    case '!@':
      return !equal();
    case '>':
      return compare(value, w) > 0;
    case '>=':
      return compare(value, w) >= 0;
    case '<':
      return compare(value, w) < 0;
    case '<=':
      return compare(value, w) <= 0;
    case '%':
      return value.toLowerCase().includes(w.toLowerCase());
    case '=%':
    case '%=':
      return like(value, w);
  }
}

/** Every condition holds (AND); a multiple field passes when one of its values does (NOT: when none fails). */
export function matchesFilter(row: Record<string, unknown>, filter: Params): boolean {
  return Object.entries(filter).every(([key, wanted]) => {
    const { op, field } = parseFilterKey(key);
    if (field === 'CONTACT_IDS') return true; // §4: cannot be filtered here
    const raw = row[field];
    const values = Array.isArray(raw) ? (raw.length ? raw.map((v) => String(v ?? '')) : ['']) : [String(raw ?? '')];
    const negated = op === '!' || op === '!=' || op === '!@';
    return negated
      ? values.every((v) => passes(op, field, v, wanted))
      : values.some((v) => passes(op, field, v, wanted));
  });
}

function sortRows(rows: Record<string, unknown>[], order: unknown): Record<string, unknown>[] {
  // The docs name no default order; ID ascending here, so a client that needs one should send `order`.
  const keys = isObject(order) && Object.keys(order).length ? Object.entries(order) : [['ID', 'ASC']];
  return [...rows].sort((a, b) => {
    for (const [field, dir] of keys) {
      const d = compare(String(a[field as string] ?? ''), String(b[field as string] ?? ''));
      if (d) return String(dir).toUpperCase() === 'DESC' ? -d : d;
    }
    return 0;
  });
}

/** §4 paging: `start` is an offset, pages are 50; `next` only while rows are left; `start=-1` skips `total`. */
function page(rows: Record<string, unknown>[], start: unknown): MethodResult {
  if (String(start) === '-1') return { result: rows.slice(0, PAGE_SIZE) };
  const offset = Math.max(0, Math.floor(Number(start ?? 0)) || 0);
  const result = rows.slice(offset, offset + PAGE_SIZE);
  const next = offset + PAGE_SIZE < rows.length ? offset + PAGE_SIZE : undefined;
  return { result, total: rows.length, ...(next !== undefined ? { next } : {}) };
}

// --- crm.deal.* -----------------------------------------------------------------------------

const badRequest = (description: string, code = '') => new BitrixError(400, code, description);

/** §2/§3: `fields` must be a PHP array (an object, or a list); upper-case `FIELDS` counts too. */
function fieldsParam(params: Params): Record<string, unknown> {
  const fields = params.fields;
  if (!isObject(fields) && !Array.isArray(fields)) throw badRequest("Parameter 'fields' must be array.");
  return isObject(fields) ? fields : {};
}

/** §3: "ID is not defined or invalid" unless a positive integer. */
function idParam(params: Params): number {
  const id = Number(params.id);
  if (!Number.isInteger(id) || id <= 0) throw badRequest('ID is not defined or invalid.');
  return id;
}

/** Keeps the fields Bitrix24 would store: the writable standard ones, PARENT_ID_*, and the portal's UF_ fields. */
function knownFields(portal: BitrixPortal, fields: Record<string, unknown>): Record<string, unknown> {
  const keep = (key: string) =>
    WRITABLE.has(key) ||
    isParentField(key) ||
    (isUserField(key) && (!portal.userFields || portal.userFields.includes(key)));
  return Object.fromEntries(Object.entries(fields).filter(([key]) => keep(key)));
}

function checkCurrency(portal: BitrixPortal, fields: Record<string, unknown>): void {
  // §2: an invalid currency value is refused with an empty code.
  if (fields.CURRENCY_ID !== undefined && !portal.currencies.includes(String(fields.CURRENCY_ID))) {
    throw badRequest(`The field "Currency" contains an invalid value: ${String(fields.CURRENCY_ID)}.`);
  }
}

/** A stage must belong to the deal's funnel (`C1:NEW` in funnel 1, §2). Refusing it is the simulator's choice: the digest is silent. */
function checkStage(portal: BitrixPortal, categoryId: number, stageId: unknown): void {
  if (stageId === undefined) return;
  if (!portal.funnel(categoryId)?.stages.some((s) => s.statusId === String(stageId))) {
    throw badRequest(`Stage ${String(stageId)} is not in funnel ${categoryId}.`);
  }
}

function existingDeal(portal: BitrixPortal, id: number): BitrixDeal {
  const deal = portal.deal(id);
  if (!deal) throw badRequest('Not found'); // §3
  return deal;
}

function dealAdd({ portal, webhook, params, now }: MethodCall): MethodResult {
  const p = lowerKeys(params);
  const fields = knownFields(portal, fieldsParam(p));
  const categoryId = Number(fields.CATEGORY_ID ?? 0);
  if (!Number.isInteger(categoryId) || categoryId < 0 || !portal.funnel(categoryId))
    throw badRequest(`Funnel ${String(fields.CATEGORY_ID)} not found.`);
  checkStage(portal, categoryId, fields.STAGE_ID);
  checkCurrency(portal, fields);
  if (fields.TITLE === '' || fields.TITLE === undefined) delete fields.TITLE; // §2: default "Deal #{id}"
  const deal = portal.addDeal({ ...fields, CATEGORY_ID: categoryId }, webhook.userId, now);
  return { result: deal.id }; // §2: the new id, an integer
}

function dealUpdate({ portal, webhook, params, now }: MethodCall): MethodResult {
  const p = lowerKeys(params);
  const id = idParam(p);
  const deal = existingDeal(portal, id);
  const fields = knownFields(portal, fieldsParam(p));
  delete fields.CATEGORY_ID; // §3: moving a deal to another funnel is not done by crm.deal.update
  checkStage(portal, Number(deal.fields.CATEGORY_ID ?? 0), fields.STAGE_ID);
  checkCurrency(portal, fields);
  portal.editDeal(id, fields, webhook.userId, now); // §3: CONTACT_IDS, like every field, is replaced wholesale
  return { result: true };
}

function dealGet({ portal, params }: MethodCall): MethodResult {
  const p = lowerKeys(params);
  return { result: renderDeal(portal, existingDeal(portal, idParam(p))) };
}

function dealList({ portal, params }: MethodCall): MethodResult {
  const p = lowerKeys(params);
  const filter = isObject(p.filter) ? p.filter : {};
  const rows = sortRows(
    portal
      .deals()
      .map((d) => renderDeal(portal, d))
      .filter((row) => matchesFilter(row, filter)),
    p.order,
  );
  const paged = page(rows, p.start);
  return {
    ...paged,
    result: (paged.result as Record<string, unknown>[]).map((row) => selectFields(row, asList(p.select))),
  };
}

// --- crm.status.list: the deal stages of every funnel ---------------------------------------

/** §2: `DEAL_STAGE` for funnel 0, `DEAL_STAGE_<n>` otherwise; rows as crm-status-list.md shows them. */
export function stageRows(portal: BitrixPortal): Record<string, unknown>[] {
  return [...portal.funnels.values()].flatMap((funnel) =>
    funnel.stages.map((s, i) => {
      const system = i === 0 || s.semantics === 'success' || s.semantics === 'failure';
      return {
        ID: String(s.rowId),
        ENTITY_ID: funnel.id === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${funnel.id}`,
        STATUS_ID: s.statusId,
        NAME: s.name,
        NAME_INIT: system ? s.name : '',
        SORT: String(s.sort),
        SYSTEM: system ? 'Y' : 'N',
        CATEGORY_ID: funnel.id === 0 ? null : String(funnel.id),
        COLOR: s.color,
        SEMANTICS: s.semantics === 'success' ? 'S' : s.semantics === 'process' ? null : 'F',
        EXTRA: { SEMANTICS: s.semantics, COLOR: s.color },
      };
    }),
  );
}

function statusList({ portal, params }: MethodCall): MethodResult {
  const p = lowerKeys(params);
  const filter = isObject(p.filter) ? p.filter : {};
  const order = isObject(p.order) ? p.order : { ENTITY_ID: 'ASC', SORT: 'ASC' };
  return page(
    sortRows(
      stageRows(portal).filter((row) => matchesFilter(row, filter)),
      order,
    ),
    p.start,
  );
}

// --- crm.timeline.comment.add (§5) ----------------------------------------------------------

const ENTITY_TYPES = /^(deal|lead|contact|company|order|dynamic_\d+)$/;

function commentAdd({ portal, webhook, params, now }: MethodCall): MethodResult {
  // §5: since crm 23.100.0 only the lower-case `fields` is read; `FIELDS` is as if nothing came.
  const fields = params.fields;
  if (!isObject(fields)) throw badRequest('Could not find value for parameter {fields}', '100');
  const missing = ['ENTITY_ID', 'ENTITY_TYPE', 'COMMENT'].filter((k) => fields[k] === undefined || fields[k] === null);
  if (missing.length) throw badRequest(`Required fields not provided: ${missing.join(', ')}`, '100');
  const comment = String(fields.COMMENT);
  if (!comment.trim()) throw badRequest('Empty comment.', 'INVALID_ARG_VALUE');
  const entityType = String(fields.ENTITY_TYPE).toLowerCase();
  if (!ENTITY_TYPES.test(entityType)) throw badRequest('Not found.', 'NOT_FOUND');
  const entityId = Number(fields.ENTITY_ID);
  // Only deals live in the simulator: a comment on anything else has no owner.
  if (entityType !== 'deal' || !Number.isInteger(entityId) || !portal.deal(entityId))
    throw badRequest('Owner of the element not found.', 'OWNER_NOT_FOUND');
  const authorId = Number(fields.AUTHOR_ID ?? webhook.userId) || webhook.userId;
  return {
    result: portal.addComment({ entityType, entityId, comment, authorId, files: fields.FILES ?? null }, now).id,
  };
}

export const METHODS: Record<string, MethodSpec> = {
  'crm.deal.add': { scope: 'crm', run: dealAdd },
  'crm.deal.update': { scope: 'crm', run: dealUpdate },
  'crm.deal.get': { scope: 'crm', run: dealGet },
  'crm.deal.list': { scope: 'crm', run: dealList },
  'crm.status.list': { scope: 'crm', run: statusList },
  'crm.timeline.comment.add': { scope: 'crm', run: commentAdd },
};

// --- batch (§6) -----------------------------------------------------------------------------

export type SubResult =
  | ({ ok: true; time: Record<string, unknown> } & MethodResult)
  | { ok: false; error: string; error_description: string; status?: number };

/** PHP's json_encode of an array: `[]` when empty, a list for keys 0..n-1, else an object (batch.md shows `"result_error": []`). */
export function phpArray(entries: [string, unknown][]): unknown {
  if (entries.every(([k], i) => k === String(i))) return entries.map(([, v]) => v);
  return Object.fromEntries(entries);
}

/** `$result[<id>][<field>]…` in a later sub-request's values → that earlier result's value (§6). */
function substitute(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$result\[([^\]]+)\]((?:\[[^\]]*\])*)/g, (ref, id: string, path: string) => {
      let node: unknown = results.get(id);
      for (const [, seg] of path.matchAll(/\[([^\]]*)\]/g))
        node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[seg] : undefined;
      return node === undefined || node === null || typeof node === 'object' ? ref : String(node);
    });
  }
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  return value;
}

/** Runs `cmd` in order through `invoke`; per-id results and errors, `halt` stops at the first error. */
export function runBatch(params: Params, invoke: (method: string, params: Params) => SubResult): MethodResult {
  const p = lowerKeys(params);
  const commands: [string, unknown][] = Array.isArray(p.cmd)
    ? p.cmd.map((v, i) => [String(i), v])
    : isObject(p.cmd)
      ? Object.entries(p.cmd)
      : [];
  if (commands.length > MAX_BATCH)
    throw new BitrixError(
      400,
      'ERROR_BATCH_LENGTH_EXCEEDED',
      `Max batch length exceeded: ${commands.length} > ${MAX_BATCH}`,
    );
  const halt = phpTrue(p.halt);
  const results = new Map<string, unknown>();
  const out = {
    result: [] as [string, unknown][],
    error: [] as [string, unknown][],
    total: [] as [string, unknown][],
    next: [] as [string, unknown][],
    time: [] as [string, unknown][],
  };
  for (const [id, command] of commands) {
    const sub = runOne(command, results, invoke);
    if (!sub.ok) {
      out.error.push([id, { error: sub.error, error_description: sub.error_description }]);
      if (halt) break;
      continue;
    }
    results.set(id, sub.result);
    out.result.push([id, sub.result]);
    if (sub.total !== undefined) out.total.push([id, sub.total]);
    if (sub.next !== undefined) out.next.push([id, sub.next]);
    out.time.push([id, sub.time]);
  }
  return {
    result: {
      result: phpArray(out.result),
      result_error: phpArray(out.error),
      result_total: phpArray(out.total),
      result_next: phpArray(out.next),
      result_time: phpArray(out.time),
    },
  };
}

function runOne(
  command: unknown,
  results: Map<string, unknown>,
  invoke: (method: string, params: Params) => SubResult,
): SubResult {
  if (typeof command !== 'string' || !command.trim())
    return { ok: false, error: '', error_description: 'Wrong command: a sub-request is a "method?params" string.' };
  const { method, params } = parseCommand(command);
  const name = method.toLowerCase().replace(/\.json$/, '');
  // §6: nested batch is forbidden since rest 24.0.0.
  if (name === 'batch')
    return {
      ok: false,
      error: 'ERROR_BATCH_METHOD_NOT_ALLOWED',
      error_description: 'Method is not allowed for batch usage',
    };
  return invoke(name, substitute(params, results) as Params);
}
