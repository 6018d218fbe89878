import type { SQL } from 'drizzle-orm';
import type { Executor } from '../db/database.ts';

interface Query {
  sql: string;
  params: unknown[];
}
interface PreparedQuery {
  execute(values: Record<string, unknown>): Promise<unknown>;
}
interface DrizzleInternals {
  dialect: { sqlToQuery(query: SQL): Query };
  session: object & { prepareQuery(query: Query, fields: undefined, name: string, arrayMode: boolean): PreparedQuery };
}

/**
 * A statement run as a NAMED prepared statement: on PostgreSQL it is parsed and planned once
 * per connection instead of on every call (for the stock-movement CTE that is most of its
 * cost: docs/decisions/021). PGlite ignores the name. The query is written once, with
 * `sql.placeholder(...)` for its values, and compiled to text once; a call only fills in the
 * values (building and compiling the CTE on every call cost about half the JS time of a
 * write-off). drizzle prepares only its query builders publicly, so this goes through the
 * session it uses for them (drizzle 0.45, pinned).
 */
export function preparedStatement<T>(
  name: string,
  query: SQL,
): (ex: Executor, values: Record<string, unknown>) => Promise<T[]> {
  let compiled: Query | undefined;
  // drizzle's prepared query keeps no state between executions; one per session (the pool's, or a transaction's)
  const bySession = new WeakMap<object, PreparedQuery>();
  return async (ex, values) => {
    const { dialect, session } = ex as unknown as DrizzleInternals;
    compiled ??= dialect.sqlToQuery(query);
    let prepared = bySession.get(session);
    if (!prepared) bySession.set(session, (prepared = session.prepareQuery(compiled, undefined, name, false)));
    const result = await prepared.execute(values);
    return (result as { rows: T[] }).rows;
  };
}
