import type { Child } from 'hono/jsx';
import type { View } from '../context.ts';

/**
 * Paging and sorting for lists the API reads by keyset cursor (orders, products): the URL keeps
 * the filters, the sort and the page's cursor (`cursor` after, `before` before), so a link or a
 * reload shows the same page, and a row stored meanwhile does not shift the pages after it.
 */

type Params = Record<string, string | undefined>;

/** The list's URL with these parameters (empty ones left out). */
export function listUrl(base: string, params: Params): string {
  const query = new URLSearchParams();
  for (const [k, val] of Object.entries(params)) if (val) query.set(k, val);
  const s = query.toString();
  return s ? `${base}?${s}` : base;
}

/** A cursor from the URL, bounded as the API bounds it; the API checks what it says. */
export const cursorParam = (value: string | undefined) =>
  value && /^[A-Za-z0-9_-]{1,1000}$/.test(value) ? value : undefined;

interface CursorPagerProps {
  v: View;
  shown: number;
  total: number;
  next: string | null;
  prev: string | null;
  /** The filters and sort, kept when paging. */
  params: Params;
  base: string;
}

export function CursorPager({ v, shown, total, next, prev, params, base }: CursorPagerProps) {
  if (total === 0) return null;
  const { t } = v;
  return (
    <nav class="pager" aria-label={t('common.pages')}>
      <span>{t('lists.shown', { n: shown, total })}</span>
      <span class="pager-links">
        {prev && (
          <>
            <a class="button ghost small" href={listUrl(base, params)} rel="first">
              « {t('lists.first')}
            </a>
            <a class="button ghost small" href={listUrl(base, { ...params, before: prev })} rel="prev">
              ← {t('common.prev')}
            </a>
          </>
        )}
        {next && (
          <a class="button ghost small" href={listUrl(base, { ...params, cursor: next })} rel="next">
            {t('common.next')} →
          </a>
        )}
      </span>
    </nav>
  );
}

interface SortHeadProps {
  v: View;
  label: string;
  /** The list sorted by this column now: which way. */
  current?: 'asc' | 'desc';
  /** Where a click leads: the same filters sorted by this column (the other way if it is sorted so now). */
  href: string;
  num?: boolean;
  keyColumn?: boolean;
}

/** A column heading that sorts the list by its column; a screen reader hears which way it is sorted. */
export function SortHead({ v, label, current, href, num, keyColumn }: SortHeadProps) {
  const className = [num ? 'num' : '', keyColumn ? 'key' : ''].filter(Boolean).join(' ') || undefined;
  return (
    <th class={className} aria-sort={current === 'asc' ? 'ascending' : current === 'desc' ? 'descending' : undefined}>
      <a href={href} title={v.t('lists.sortBy', { column: label })} data-sort-link>
        {label}
        {current && <span aria-hidden="true">{current === 'asc' ? ' ↑' : ' ↓'}</span>}
      </a>
    </th>
  );
}

/** A plain heading beside sortable ones. */
export function Head({ label, num, keyColumn }: { label: Child; num?: boolean; keyColumn?: boolean }) {
  return <th class={[num ? 'num' : '', keyColumn ? 'key' : ''].filter(Boolean).join(' ') || undefined}>{label}</th>;
}
