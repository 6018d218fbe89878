/** How a failed attempt is read and when the next one runs. */
import { databaseErrorCode, userMessage } from '../shared/errors.ts';

const MAX_DELAY_MS = 10 * 60_000;
const MAX_ERROR_CHARS = 4_000;

export interface Failure {
  message: string;
  httpStatus: number | null;
  retryAfterMs: number | null;
  /** No retry can fix it: the job goes straight to dead. */
  permanent: boolean;
  /** The channel account it concerns, when the error says (a job's own account is known anyway). */
  accountId: number | null;
  /** The one SKU it concerns, when the error says (support groups errors by it). */
  sku: string | null;
}

/**
 * Reads any thrown value: JobError and PermanentJobError, and any error with numeric
 * `retryAfterMs` / `httpStatus` (or a numeric HTTP `status`, as ChannelHttpError has), and
 * optional `accountId` / `sku` naming what it is about.
 */
export function readFailure(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  // A database error's text is SQL: it is logged by the worker, and outbox_errors and the panel get its SQLSTATE only.
  const named = error instanceof Error && error.name !== 'Error' && !databaseErrorCode(error);
  const message = `${named ? `${(error as Error).name}: ` : ''}${userMessage(error)}`;
  const status = [e.httpStatus, e.status].find((s) => typeof s === 'number' && s >= 100 && s <= 599) as
    | number
    | undefined;
  const retryAfter =
    typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs) && e.retryAfterMs >= 0
      ? e.retryAfterMs
      : null;
  return {
    message: message.slice(0, MAX_ERROR_CHARS) || 'unknown error',
    httpStatus: status ?? null,
    retryAfterMs: retryAfter,
    permanent: e.permanent === true,
    accountId:
      typeof e.accountId === 'number' && Number.isSafeInteger(e.accountId) && e.accountId > 0 ? e.accountId : null,
    sku: typeof e.sku === 'string' && e.sku ? e.sku.slice(0, 200) : null,
  };
}

/**
 * Exponential back-off with jitter: base × 2^(attempt−1), each delay drawn between half
 * and all of it (so workers that failed together do not retry together), capped at 10
 * minutes; a Retry-After the service sent wins when it is longer.
 */
export function retryDelayMs(
  attempt: number,
  baseMs: number,
  retryAfterMs: number | null,
  random = Math.random,
): number {
  const exponential = Math.min(MAX_DELAY_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential / 2 + (random() * exponential) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
