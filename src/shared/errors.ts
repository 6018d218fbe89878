/**
 * One class for every error a user can act on. The code is stable and documented;
 * `status` is how the HTTP layer reports it (mapped in one place: src/http/errors.ts).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 502 | 503 = 400,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string | number) =>
  new DomainError('NOT_FOUND', `${what} ${id} does not exist`, 404, { [what.toLowerCase().replace(/\s+/g, '_')]: id });
