/**
 * drizzle wraps a driver's error (pg and PGlite both carry `code` and `constraint`) in its own
 * DrizzleQueryError as `cause`; this looks through the chain for a unique violation of one index.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (
    let e = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === '23505')
      return e.constraint === constraint || String((e as Error).message ?? '').includes(constraint);
  }
  return false;
}

/** A deadlock (40P01) or a serialization failure (40001): the transaction was rolled back whole and may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === '40P01' || e.code === '40001') return true;
  }
  return false;
}
