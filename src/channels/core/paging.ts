import type { ConnectorContext } from './connector.ts';

/**
 * The one guard of a paged call (issue 21): every connector's page loop asks it after each
 * page whether to read another. Paging stops on an empty page, a page the service says is
 * the last, a page shorter than the limit asked for, the total the service gave reached, an
 * empty next cursor, or a cursor seen before; and at the latest after the run's page cap
 * (SKLAD_PAGE_CAP). Why it stopped is kept with the sync run (`sync_runs.paging`); a
 * repeated cursor and the cap also are problems of the run naming the call (it ends
 * 'partial': what was read is kept, what was not is said), never an endless loop.
 *
 *   const pages = pageGuard(ctx, 'POST /v3/product/list', { start: lastId });
 *   do { const page = await …; lastId = page.last_id; }
 *   while (pages.more({ items: page.items.length, limit: 1000, next: lastId }));
 */

export type PageStop =
  | 'empty page'
  | 'last page'
  | 'short page'
  | 'total reached'
  | 'no cursor'
  | 'cursor repeated'
  | 'page cap';

/** What the guard is told of a page. Give only what the call documents. */
export interface PageSeen {
  /** Items on the page. */
  items: number;
  /** Items the request asked for: a shorter page is the last. */
  limit?: number;
  /** The total the service says it has; reached once the pages read hold as many items. */
  total?: number;
  /** The service says whether a next page exists (has_next, a next link). */
  hasNext?: boolean;
  /** The cursor the next request sends (last_id, offset, date): empty ends paging; one seen before ends it as a problem. */
  next?: string | number | null;
}

export interface PageGuard {
  /** Pages read so far. */
  readonly pages: number;
  /** Why paging stopped; null while it goes on. */
  readonly stop: PageStop | null;
  /** After each page: true when the next page should be read. */
  more(page: PageSeen): boolean;
}

/** The cap when the context has none (a context made by hand). */
const FALLBACK_CAP = 5_000;

export function pageGuard(
  ctx: Pick<ConnectorContext, 'run' | 'pageCap' | 'logger'>,
  call: string,
  options: { start?: string | number | null; cap?: number } = {},
): PageGuard {
  const cap = options.cap ?? ctx.pageCap ?? FALLBACK_CAP;
  const seen = new Set<string>();
  if (options.start !== undefined && options.start !== null && options.start !== '') seen.add(String(options.start));
  let pages = 0;
  let items = 0;
  let stop: PageStop | null = null;

  const end = (why: PageStop, problem?: string) => {
    stop = why;
    ctx.run?.paged?.(call, why, pages);
    if (problem) {
      if (ctx.run) ctx.run.problem(problem, { call, pages, stop: why });
      else ctx.logger.warn({ call, pages, stop: why }, problem);
    }
    return false;
  };

  return {
    get pages() {
      return pages;
    },
    get stop() {
      return stop;
    },
    more(page) {
      if (stop) return false;
      pages++;
      items += page.items;
      if (page.items <= 0) return end('empty page');
      if (page.hasNext === false) return end('last page');
      if (page.limit !== undefined && page.items < page.limit) return end('short page');
      if (page.total !== undefined && items >= page.total) return end('total reached');
      if ('next' in page) {
        if (page.next === undefined || page.next === null || page.next === '') return end('no cursor');
        const key = String(page.next);
        if (seen.has(key))
          return end(
            'cursor repeated',
            `${call} answered a cursor it had given before (${key.slice(0, 100)}) after ${pages} page(s): paging stopped, later pages were not read`,
          );
        seen.add(key);
      }
      if (pages >= cap)
        return end(
          'page cap',
          `${call} still had pages after ${pages} (the page cap of one run, SKLAD_PAGE_CAP): paging stopped, the rest waits for the next run`,
        );
      return true;
    },
  };
}
