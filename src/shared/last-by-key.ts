/**
 * One item per key, the last one of each key winning (issue 21): a service that lists the
 * same id twice in one answer must not reach a batch upsert twice (`ON CONFLICT DO UPDATE`
 * cannot touch a row twice in one statement). `duplicates` is how many were dropped, for
 * the run's count.
 */
export function lastByKey<T>(items: readonly T[], key: (item: T) => string): { items: T[]; duplicates: number } {
  const byKey = new Map<string, T>();
  for (const item of items) byKey.set(key(item), item);
  return { items: [...byKey.values()], duplicates: items.length - byKey.size };
}
