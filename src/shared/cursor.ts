import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor } from '../db/database.ts';
import { DomainError } from './errors.ts';

/**
 * A keyset cursor for lists sorted by one column with the id as tie-breaker: the last row's sort
 * value and id, base64url-encoded JSON. A page read by cursor stays right while rows are added
 * in front of it (offset paging skips or repeats rows then). A product name sorts too, so a value
 * holds up to 300 characters. A cursor that does not decode, or
 * was made for another sort, is a 400 naming the field.
 */
const position = z.object({
  s: z.string().max(40),
  v: z.union([z.string().max(300), z.number()]),
  id: z.number().int().positive(),
});
export type Position = z.infer<typeof position>;

export const encodeCursor = (p: Position): string => Buffer.from(JSON.stringify(p)).toString('base64url');

export function decodeCursor(cursor: string, sort: string): Position {
  const parsed = position.safeParse(readJson(Buffer.from(cursor, 'base64url').toString('utf8')));
  if (!parsed.success || parsed.data.s !== sort) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'cursor: not a cursor of this list and sort (take next_cursor of the previous page)',
      400,
      { field: 'cursor' },
    );
  }
  return parsed.data;
}

function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** One sort of a list read by keyset: the cursor's key (`sku:asc`), the column and the id breaking ties. */
export interface KeysetSort {
  key: string;
  column: SQL;
  id: SQL;
  desc: boolean;
  /** The sort value as the cursor keeps it (a timestamp as text to the microsecond: iso() keeps milliseconds). */
  read: SQL;
  /** What the column holds, so a cursor's value is checked before it becomes SQL of that type. */
  kind: 'text' | 'time' | 'integer';
}

const castOf: Record<KeysetSort['kind'], (v: string | number) => SQL> = {
  text: (v) => sql`${String(v)}::text`,
  time: (v) => sql`${String(v)}::timestamptz`,
  integer: (v) => sql`${Number(v)}::bigint`,
};
const fits: Record<KeysetSort['kind'], (v: string | number) => boolean> = {
  text: (v) => typeof v === 'string',
  time: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(v) && !Number.isNaN(Date.parse(v)),
  integer: (v) => typeof v === 'number' && Number.isSafeInteger(v),
};

/** Where a page starts: after `cursor` (next_cursor), before `before` (prev_cursor), or at `offset`. */
export interface KeysetAsk {
  cursor?: string;
  before?: string;
  limit: number;
  offset?: number;
}

export interface KeysetPage<T> {
  items: T[];
  next_cursor: string | null;
  prev_cursor: string | null;
}

/**
 * A page of `select columns from … where …` in the sort's order, read by keyset either way: the
 * page before a cursor is read backwards and turned round. Each side's cursor is given only when
 * a row lies beyond it, so a first and a last page say so with null.
 */
export async function readKeysetPage<T extends { id: number }>(
  ex: Executor,
  sort: KeysetSort,
  ask: KeysetAsk,
  query: { columns: SQL; from: SQL; where: SQL },
): Promise<KeysetPage<T>> {
  if (ask.cursor && ask.before) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'cursor, before: give one of them (next_cursor as cursor, prev_cursor as before)',
      400,
      { field: 'before' },
    );
  }
  const after = ask.cursor ? decodeFitting(ask.cursor, sort, 'cursor') : null;
  const before = ask.before ? decodeFitting(ask.before, sort, 'before') : null;
  const at = sql`(${sort.column}, ${sort.id})`;
  const point = (p: Position) => sql`(${castOf[sort.kind](p.v)}, ${p.id})`;
  // Rows after a position in the list's order, or before it.
  const beyond = (p: Position, side: 'after' | 'before') =>
    (side === 'after') !== sort.desc ? sql`${at} > ${point(p)}` : sql`${at} < ${point(p)}`;
  const backwards = before !== null;
  const dir = backwards !== sort.desc ? sql`desc` : sql`asc`;
  const start = after ? sql`and ${beyond(after, 'after')}` : before ? sql`and ${beyond(before, 'before')}` : sql``;
  const found = await rows<T & { sort_value: string | number }>(
    ex,
    sql`
    select ${query.columns}, ${sort.read} as sort_value from ${query.from} where ${query.where} ${start}
     order by ${sort.column} ${dir}, ${sort.id} ${dir} limit ${ask.limit + 1} offset ${after || before ? 0 : (ask.offset ?? 0)}`,
  );
  const more = found.length > ask.limit;
  const page = found.slice(0, ask.limit);
  if (backwards) page.reverse();
  const positionOf = (row: T & { sort_value: string | number }): Position => ({
    s: sort.key,
    v: sort.kind === 'integer' ? Number(row.sort_value) : String(row.sort_value),
    id: Number(row.id),
  });
  const first = page[0] && positionOf(page[0]);
  const last = page.at(-1) && positionOf(page.at(-1)!);
  const exists = async (p: Position, side: 'after' | 'before') => {
    const [row] = await rows<{ yes: boolean }>(
      ex,
      sql`select exists (select 1 from ${query.from} where ${query.where} and ${beyond(p, side)}) as yes`,
    );
    return row.yes;
  };
  const hasNext = last ? (backwards ? await exists(last, 'after') : more) : false;
  const hasPrev = first
    ? backwards
      ? more
      : after || (ask.offset ?? 0) > 0
        ? await exists(first, 'before')
        : false
    : false;
  return {
    items: page.map(({ sort_value: _, ...row }) => row as unknown as T),
    next_cursor: hasNext && last ? encodeCursor(last) : null,
    prev_cursor: hasPrev && first ? encodeCursor(first) : null,
  };
}

/** A cursor of this sort whose value the column can hold (a made-up one is a 400, not a failed cast). */
function decodeFitting(cursor: string, sort: KeysetSort, field: 'cursor' | 'before'): Position {
  const p = decodeCursor(cursor, sort.key);
  if (!fits[sort.kind](p.v)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${field}: not a cursor of this list and sort (take ${field === 'cursor' ? 'next_cursor' : 'prev_cursor'} of a page)`,
      400,
      { field },
    );
  }
  return p;
}
