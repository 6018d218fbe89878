import { z } from 'zod';
import { DomainError } from './errors.ts';

/**
 * A keyset cursor for lists sorted by one column with the id as tie-breaker: the last row's sort
 * value and id, base64url-encoded JSON. A page read by cursor stays right while rows are added
 * in front of it (offset paging skips or repeats rows then). A cursor that does not decode, or
 * was made for another sort, is a 400 naming the field.
 */
const position = z.object({ s: z.string().max(40), v: z.union([z.string().max(60), z.number()]), id: z.number().int().positive() });
export type Position = z.infer<typeof position>;

export const encodeCursor = (p: Position): string => Buffer.from(JSON.stringify(p)).toString('base64url');

export function decodeCursor(cursor: string, sort: string): Position {
  const parsed = position.safeParse(readJson(Buffer.from(cursor, 'base64url').toString('utf8')));
  if (!parsed.success || parsed.data.s !== sort) {
    throw new DomainError('VALIDATION_FAILED', 'cursor: not a cursor of this list and sort (take next_cursor of the previous page)', 400, { field: 'cursor' });
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
