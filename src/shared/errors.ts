import { errorCatalogue, type ErrorCode, type ErrorStatus, type StatusOf } from './error-codes.ts';

/**
 * One class for every error a user can act on. The code is one of the catalogue's
 * (src/shared/error-codes.ts) and gives the status the HTTP layer reports (src/http/errors.ts);
 * a status the catalogue does not list for the code is a type error. The message is English,
 * the API's language; the panel and the bot say it in the user's language by code (messageFor).
 */
export class DomainError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: ErrorCode;
  readonly status: ErrorStatus;

  constructor(
    code: C,
    message: string,
    status?: StatusOf<C>,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.status = status ?? errorCatalogue[code].status;
  }
}

export const notFound = (what: string, id: string | number) =>
  new DomainError('NOT_FOUND', `${what} ${id} does not exist`, 404, { [what.toLowerCase().replace(/\s+/g, '_')]: id });

/**
 * The SQLSTATE of a database error, looking through drizzle's wrapper ("Failed query: …",
 * the statement and its parameters) to the driver's error; null for any other error.
 */
export function databaseErrorCode(error: unknown): string | null {
  let wrapped = false;
  for (
    let e = error as { code?: unknown; severity?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 5;
    e = e.cause as typeof e, i++
  ) {
    if (typeof e.code === 'string' && typeof e.severity === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    if (e instanceof Error && (e.constructor.name === 'DrizzleQueryError' || e.message.startsWith('Failed query:')))
      wrapped = true;
  }
  return wrapped ? 'unknown' : null;
}

/**
 * What a person may read of an error (a run's error, a failed attempt, an answer): its own
 * message, except a database error's, which carries SQL: that one is named by its SQLSTATE
 * only, and the caller logs the error itself.
 */
export function userMessage(error: unknown): string {
  const code = databaseErrorCode(error);
  if (code) return `A database error (SQLSTATE ${code}) stopped this; the details are in the log`;
  return error instanceof Error ? error.message : String(error);
}
