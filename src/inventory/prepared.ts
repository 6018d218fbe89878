import type { SQL } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';

interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): unknown };
  session: { prepareQuery(query: unknown, fields: undefined, name: string, arrayMode: boolean): { execute(): Promise<unknown> } };
}

/**
 * Rows of a statement run as a NAMED prepared statement: on PostgreSQL it is parsed and
 * planned once per connection instead of on every call (for the stock-movement CTE that is
 * most of its cost: docs/decisions/021). PGlite ignores the name. drizzle prepares only its
 * query builders publicly, so this goes through the session it uses for them (drizzle 0.45,
 * pinned). One name must always carry the same SQL text.
 */
export async function preparedRows<T>(ex: Executor, name: string, query: SQL): Promise<T[]> {
  const { dialect, session } = ex as unknown as DrizzleInternals;
  const result = await session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute();
  return (result as { rows: T[] }).rows;
}
