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

  constructor(code: C, message: string, status?: StatusOf<C>, readonly details?: unknown) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.status = status ?? errorCatalogue[code].status;
  }
}

export const notFound = (what: string, id: string | number) =>
  new DomainError('NOT_FOUND', `${what} ${id} does not exist`, 404, { [what.toLowerCase().replace(/\s+/g, '_')]: id });
