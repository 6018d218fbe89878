import type { Executor } from '../../db/database.ts';
import { observeGroup, releaseGroup, sleep, takeGroupToken } from '../core/http-client.ts';

/**
 * Per-method-group pacing inside one account. The shared HTTP client keeps one bucket per
 * account; WB and Ozon limit groups of methods separately (WB statistics: 1 request a
 * minute per report; Ozon stock updates: 80 a minute), so a connector paces each group
 * itself before handing the request to the client. Every wait is counted, so a benchmark
 * can tell forced waits from slack.
 *
 * Given a `SharedGroups` (the database and the account), the groups' state is not this
 * process's but a bucket per account and group in PostgreSQL (takeGroupToken), so every
 * worker in every process together keeps a group's limit, and WB's
 * `X-Ratelimit-Remaining`/`-Reset` answers adjust it (observeGroup: a simulator configured
 * with a shorter interval is followed, not the documentation). Without, a group is a plain
 * token bucket in memory at its documented limit (Ozon).
 */

/** Where a pacer keeps its groups when every process must see them: the account's rows in rate_buckets. */
export interface SharedGroups {
  db: Executor;
  accountId: number;
  /** Set by take, read by observe: one SharedGroups per request. */
  seq?: number;
}

export interface PaceLimit {
  /** One request's token comes back after this long. */
  intervalMs: number;
  /** Requests that may go at once. */
  burst: number;
}

export interface PaceRecord {
  group: string;
  /** When the request asked to go (ms, performance clock). */
  askedAt: number;
  waitedMs: number;
}

interface GroupState {
  tokens: number;
  at: number;
}

export class Pacer {
  private readonly groups = new Map<string, GroupState>();
  readonly records: PaceRecord[] = [];

  constructor(private readonly limits: Record<string, PaceLimit>) {}

  limit(group: string): PaceLimit {
    const limit = this.limits[group];
    if (!limit) throw new Error(`No pace limit for group ${group}`);
    return limit;
  }

  private state(group: string): GroupState {
    let s = this.groups.get(group);
    if (!s) this.groups.set(group, (s = { tokens: this.limit(group).burst, at: performance.now() }));
    return s;
  }

  /** Waits until a request of `group` may go; returns how long it waited. */
  async take(group: string, signal?: AbortSignal, shared?: SharedGroups): Promise<number> {
    const limit = this.limit(group);
    if (shared) {
      const askedAt = performance.now();
      const waitedMs = await takeGroupToken(shared.db, shared.accountId, group, limit, signal, shared);
      this.record({ group, askedAt, waitedMs });
      return waitedMs;
    }
    const s = this.state(group);
    const askedAt = performance.now();
    s.tokens = Math.min(limit.burst, s.tokens + (askedAt - s.at) / limit.intervalMs);
    s.at = askedAt;
    s.tokens -= 1;
    // Below zero is a reservation: wait until that token has come back.
    const waitMs = s.tokens < 0 ? -s.tokens * limit.intervalMs : 0;
    if (waitMs > 0) await sleep(waitMs, signal);
    this.record({ group, askedAt, waitedMs: waitMs });
    return waitMs;
  }

  private record(r: PaceRecord) {
    this.records.push(r);
    if (this.records.length > 200_000) this.records.splice(0, 100_000);
  }

  /**
   * Reads WB's rate headers from an answer into the shared bucket (observeGroup); an answer
   * without them only ends the request's turn. `sentAt` (performance.now() when the request
   * went out): the headers count from then, not from the answer.
   */
  async observe(group: string, headers: Headers | undefined, shared: SharedGroups, sentAt?: number): Promise<void> {
    const remaining = headers?.get('x-ratelimit-remaining');
    if (remaining === null || remaining === undefined || !Number.isFinite(Number(remaining))) return releaseGroup(shared.db, shared.accountId, group);
    const reset = Number(headers?.get('x-ratelimit-reset') ?? headers?.get('x-ratelimit-retry'));
    return observeGroup(shared.db, shared.accountId, group, this.limit(group), Number(remaining), Number.isFinite(reset) ? reset * 1000 : null, shared.seq, sentAt === undefined ? 0 : performance.now() - sentAt);
  }

  /** A shared take whose request ended without an answer to read: it is no longer on its way. */
  release(group: string, shared: SharedGroups): Promise<void> {
    return releaseGroup(shared.db, shared.accountId, group);
  }

  waitedMs(): number {
    return this.records.reduce((sum, r) => sum + r.waitedMs, 0);
  }
}

/** One pacer per account and process, so limits hold across the calls of one sync and the next. */
const pacers = new Map<string, Pacer>();

export function pacerFor(key: string, limits: Record<string, PaceLimit>): Pacer {
  let pacer = pacers.get(key);
  if (!pacer) pacers.set(key, (pacer = new Pacer(limits)));
  return pacer;
}
