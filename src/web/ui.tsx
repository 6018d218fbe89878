import type { Child } from 'hono/jsx';
import { moduleFor } from '../channels/core/module.ts';
import { jobKey, labelIn } from '../channels/core/words.ts';
import type { View } from './context.ts';
import { wordsOr } from './i18n.ts';

/** Problems of a form, by field name, as the panel shows them beside each field. */
export type FieldErrors = Record<string, string>;

interface FieldProps {
  name: string;
  label: string;
  value?: string | number | null;
  errors?: FieldErrors;
  hint?: string;
  type?: string;
  required?: boolean;
  multiline?: boolean;
  attrs?: Record<string, string | number | boolean | undefined>;
}

/** A labelled input whose error sits right under it and is announced with the field. */
export function Field({
  name,
  label,
  value,
  errors,
  hint,
  type = 'text',
  required,
  multiline,
  attrs = {},
}: FieldProps) {
  const id = `f-${name}`;
  const error = errors?.[name];
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name,
    required,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': described,
    ...attrs,
  };
  return (
    <Labelled id={id} name={name} label={label} required={required} error={error} hint={hint}>
      {multiline ? (
        <textarea {...common} rows={4}>
          {value ?? ''}
        </textarea>
      ) : (
        <input {...common} type={type} value={value ?? ''} />
      )}
    </Labelled>
  );
}

interface SelectProps {
  name: string;
  label: string;
  options: { value: string | number; label: string }[];
  value?: string | number | null;
  errors?: FieldErrors;
  required?: boolean;
  placeholder?: string;
  /** More attributes of the select (htmx's, say). */
  attrs?: Record<string, string | number | boolean | undefined>;
}

export function Select({ name, label, options, value, errors, required, placeholder, attrs = {} }: SelectProps) {
  const id = `f-${name}`;
  const error = errors?.[name];
  return (
    <Labelled id={id} name={name} label={label} required={required} error={error}>
      <select
        id={id}
        name={name}
        required={required}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...attrs}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option value={String(o.value)} selected={String(o.value) === String(value ?? '')}>
            {o.label}
          </option>
        ))}
      </select>
    </Labelled>
  );
}

interface LabelledProps {
  id: string;
  name: string;
  label: string;
  required?: boolean;
  error?: string;
  hint?: string;
  children: Child;
}

/** A form control with its label above and its hint and error below, the error tied to the field by name. */
function Labelled({ id, name, label, required, error, hint, children }: LabelledProps) {
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={id}>
        {label}
        {required && (
          <span class="req" aria-hidden="true">
            {' '}
            *
          </span>
        )}
      </label>
      {children}
      {hint && (
        <small class="hint" id={`${id}-hint`}>
          {hint}
        </small>
      )}
      {error && (
        <small class="error" id={`${id}-error`} data-error-for={name}>
          {error}
        </small>
      )}
    </div>
  );
}

export function Notice({ kind, children }: { kind: 'success' | 'error' | 'info' | 'warn'; children: Child }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** What an empty list says instead of an empty table. */
export function Empty({ children, action }: { children: Child; action?: Child }) {
  return (
    <div class="state state-empty">
      <svg viewBox="0 0 24 24" width="32" height="32" aria-hidden="true">
        <path
          d="M4 7h16v12H4zM4 7l2-3h12l2 3M9 11h6"
          fill="none"
          stroke="currentColor"
          stroke-width="1.5"
          stroke-linejoin="round"
        />
      </svg>
      <p>{children}</p>
      {action}
    </div>
  );
}

interface StatProps {
  value: Child;
  label: Child;
  tone?: 'warn' | 'bad';
  /** Where the tile leads; without it the tile is plain text. */
  href?: string;
  /** `data-stat`, so tests and scripts can find a tile by what it counts. */
  name?: string;
}

/** A headline number over what it counts, as the rows of `.stats` tiles show it. */
export function Stat({ value, label, tone, href, name }: StatProps) {
  const className = tone ? `stat ${tone}` : 'stat';
  const body = (
    <>
      <b>{value}</b>
      <span>{label}</span>
    </>
  );
  return href ? (
    <a class={className} href={href} data-stat={name}>
      {body}
    </a>
  ) : (
    <div class={className} data-stat={name}>
      {body}
    </div>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info'; children: Child }) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}

const statusTone: Record<string, 'ok' | 'warn' | 'bad' | 'muted' | 'info'> = {
  succeeded: 'ok',
  active: 'ok',
  running: 'info',
  queued: 'muted',
  partial: 'warn',
  needs_reauth: 'warn',
  failed: 'bad',
  disabled: 'muted',
};

export const toneOf = (status: string) => statusTone[status] ?? 'muted';

interface PagerProps {
  v: View;
  total: number;
  limit: number;
  offset: number;
  /** The current query, to keep the filters when paging. */
  params: Record<string, string | undefined>;
  base: string;
  /** The query parameter of the offset (default `offset`): a second list on the page pages by its own. */
  param?: string;
  /** Where on the page the links land, e.g. `#refused`. */
  hash?: string;
  /** Names the pager (`data-pager`) when a page has more than one. */
  name?: string;
}

export function Pager({ v, total, limit, offset, params, base, param = 'offset', hash = '', name }: PagerProps) {
  if (total === 0) return null;
  const link = (to: number) => {
    const query = new URLSearchParams();
    for (const [k, val] of Object.entries(params)) if (val) query.set(k, val);
    if (to > 0) query.set(param, String(to));
    const s = query.toString();
    return `${s ? `${base}?${s}` : base}${hash}`;
  };
  const from = offset + 1;
  const to = Math.min(offset + limit, total);
  return (
    <nav class="pager" aria-label={v.t('common.pages')} data-pager={name}>
      <span>{v.t('common.shown', { from, to, total })}</span>
      <span class="pager-links">
        {offset > 0 ? (
          <a class="button ghost small" href={link(Math.max(0, offset - limit))} rel="prev">
            ← {v.t('common.prev')}
          </a>
        ) : null}
        {to < total ? (
          <a class="button ghost small" href={link(offset + limit)} rel="next">
            {v.t('common.next')} →
          </a>
        ) : null}
      </span>
    </nav>
  );
}

/** A table's scrolling region on a wide screen; on a phone its table is a list of cards (panel.css). */
export function TableWrap({ children, label }: { children: Child; label: string }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabindex={0}>
      {children}
    </div>
  );
}

/**
 * A column heading: its text (`''` for an unnamed column), or text with the number alignment,
 * a tooltip, and `key` for a column a phone's card keeps (the others are left out at 640 px and
 * less; a table with no key column keeps them all).
 */
export type Column = string | { text: string; num?: boolean; title?: string; key?: boolean };

/** A heading for a column of numbers, aligned right like its cells. */
export const num = (text: string): Column => ({ text, num: true });

/** A column a phone's card keeps: `key('SKU')`, `key(num('Available'))`. */
export const key = (column: Column): Column =>
  typeof column === 'string' ? { text: column, key: true } : { ...column, key: true };

interface TableProps {
  label: string;
  columns: Column[];
  id?: string;
  class?: string;
  /** Rows under the body, such as totals. */
  foot?: Child;
  children: Child;
}

const columnOf = (c: Column) => (typeof c === 'string' ? { text: c } : c);

/** A JSX element as hono/jsx builds it, before it is rendered. */
interface Element {
  tag: unknown;
  props: Record<string, unknown>;
  children: unknown[];
}
const isElement = (node: unknown): node is Element =>
  typeof node === 'object' && node !== null && 'tag' in node && 'props' in node && 'children' in node;

/**
 * Each cell of the body's rows told its column (`data-label`, which a phone's card shows before
 * it) and whether the column is a key one (`class="key"`), so no page has to repeat it per cell.
 * A cell's own `data-label` wins; a row drawn by a component of its own is left as it is.
 */
function labelCells(node: unknown, columns: ReturnType<typeof columnOf>[]) {
  if (Array.isArray(node)) {
    for (const n of node) labelCells(n, columns);
    return;
  }
  if (!isElement(node)) return;
  if (node.tag !== 'tr') return labelCells(node.children, columns);
  let at = 0;
  const cells = (list: unknown[]): void => {
    for (const cell of list) {
      if (Array.isArray(cell)) {
        cells(cell);
        continue;
      }
      if (!isElement(cell) || (cell.tag !== 'td' && cell.tag !== 'th')) continue;
      const column = columns[at];
      const span = Number(cell.props.colSpan ?? cell.props.colspan ?? 1) || 1;
      at += span;
      if (!column) continue;
      if (span === 1 && column.text && cell.props['data-label'] === undefined) cell.props['data-label'] = column.text;
      if (column.key || span > 1) cell.props.class = [cell.props.class, 'key'].filter(Boolean).join(' ');
    }
  };
  cells(node.children);
}

/**
 * A table in its scrolling wrapper with one heading row; the body rows come as children. On a
 * phone it is a list of cards, one per row, each cell under its column's name (panel.css).
 */
export function Table({ label, columns, id, class: className, foot, children }: TableProps) {
  const heads = columns.map(columnOf);
  labelCells(children, heads);
  const keyed = heads.some((c) => c.key);
  return (
    <TableWrap label={label}>
      <table
        id={id}
        class={['cards', ...(className ?? '').split(' ').filter((c) => c && c !== 'cards')].join(' ')}
        data-keyed={keyed ? '' : undefined}
      >
        <thead>
          <tr>
            {heads.map((c) => (
              <th
                class={[c.num ? 'num' : '', c.key ? 'key' : ''].filter(Boolean).join(' ') || undefined}
                title={c.title}
              >
                {c.text}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
        {foot && <tfoot>{foot}</tfoot>}
      </table>
    </TableWrap>
  );
}

export function formatDateTime(v: View, iso: string | null | undefined): string {
  if (!iso) return v.t('common.none');
  return new Intl.DateTimeFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'medium',
    timeZone: 'UTC',
  }).format(new Date(iso));
}

export function formatNumber(v: View, n: number | null | undefined): string {
  return n === null || n === undefined
    ? v.t('common.none')
    : new Intl.NumberFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB').format(n);
}

/** A duration in the page's language and units: `850 ms`, `1.5 s`, `2 min 5 s` (`850 мс`, `1,5 с`, `2 мин 5 с`). */
export function formatDuration(v: View, ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return v.t('common.none');
  const locale = v.lang === 'ru' ? 'ru-RU' : 'en-GB';
  if (ms < 1000) return `${ms} ${v.t('unit.ms')}`;
  if (ms < 60_000)
    return `${new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ms / 1000)} ${v.t('unit.s')}`;
  return `${Math.floor(ms / 60_000)} ${v.t('unit.min')} ${Math.round((ms % 60_000) / 1000)} ${v.t('unit.s')}`;
}

/** A query parameter as a positive integer, or undefined when absent or not a number. */
export function intParam(value: string | undefined): number | undefined {
  if (!value || !/^\d{1,15}$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 ? n : undefined;
}

export const offsetParam = (value: string | undefined) => (value && /^\d{1,9}$/.test(value) ? Number(value) : 0);

/** A filter's day (YYYY-MM-DD) that is on the calendar; 2026-13-45 is no day and filters nothing, instead of reaching SQL. */
export function dayParam(value: string | undefined): string | undefined {
  const day = value?.trim();
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const time = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(day) ? day : undefined;
}

/** An amount in minor units (kopecks, groszy) as money in the page's language. */
export function formatMoney(v: View, minor: number | string | null | undefined, currency: string): string {
  if (minor === null || minor === undefined) return v.t('common.none');
  const format = new Intl.NumberFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(Number(minor) / 10 ** digits);
}

/** A channel's name as its connector titles it (`Ozon`, `Wix Stores`), or its code when none is known. */
export const channelName = (channel: string) => moduleFor(channel)?.connector.title ?? channel;

/** Who made a change: a person's key by its name, Sklad's own actors (`mirror sync`) in words. */
export const actorName = (v: View, actor: string) => wordsOr(v.t, `actor.${actor}`, actor);

/**
 * A job's or a sync run's type in words: a channel job (`ozon.stocks`) as its module names it,
 * a core one (`channels.sync`) as the panel's words do, anything else as the type itself.
 */
export function jobLabel(v: View, type: string): string {
  return labelIn(v.lang, jobKey(type)) ?? wordsOr(v.t, `run.${type}`, type);
}
