/**
 * drizzle wraps a driver's error (pg and PGlite both carry `code` and `constraint`) in its own
 * DrizzleQueryError as `cause`; this looks through the chain for a unique violation of one index.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (let e = error as { code?: string; constraint?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '23505') return e.constraint === constraint || String((e as Error).message ?? '').includes(constraint);
  }
  return false;
}
