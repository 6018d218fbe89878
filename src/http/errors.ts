import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { z as zod } from 'zod';
import { ChannelHttpError, CredentialsRejected } from '../channels/core/connector.ts';
import type { ErrorCode } from '../shared/error-codes.ts';
import { DomainError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';

/** The one error shape of the API: {"error":{"code","message","details"}}; the codes are src/shared/error-codes.ts's. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export const errorBody = (code: ErrorCode, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

export interface FieldProblem {
  field: string;
  message: string;
}

/** Names each field that failed, prefixed with where it came from (body, query, path). */
export function fieldProblems(error: zod.ZodError, target?: string): FieldProblem[] {
  const prefix = target === 'json' || target === 'form' ? 'body' : target === 'param' ? 'path' : target;
  return error.issues.flatMap((issue) => {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [base, key].filter(Boolean).join('.'), message: 'unknown field' }));
    }
    return [{ field: base || '(root)', message: issue.message }];
  });
}

export function validationFailed(c: Context, error: zod.ZodError, target?: string) {
  const problems = fieldProblems(error, target);
  const message = problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  return c.json(errorBody('VALIDATION_FAILED', message, problems), 400);
}

export function handleError(logger: Logger) {
  return (err: Error, c: Context) => {
    if (err instanceof DomainError) {
      return c.json(errorBody(err.code, err.message, err.details), err.status);
    }
    if (err instanceof zod.ZodError) return validationFailed(c, err);
    // A service's refusal reached through a route (iiko's organizations with a refused login): the
    // guard has flagged the account; the caller learns why. A service that fails is its failure, not ours.
    if (err instanceof CredentialsRejected) {
      return c.json(errorBody('CREDENTIALS_REJECTED', err.message, { field: 'credentials', reason: err.message }), 422);
    }
    if (err instanceof ChannelHttpError) {
      return c.json(
        errorBody('CHANNEL_UNAVAILABLE', `The service answered with an error: ${err.message}`, {
          reason: err.message,
          status: err.status,
        }),
        502,
      );
    }
    if (err instanceof HTTPException) {
      const status = err.status;
      const code: ErrorCode =
        status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 401
            ? 'UNAUTHORIZED'
            : status === 415
              ? 'UNSUPPORTED_MEDIA_TYPE'
              : /json/i.test(err.message)
                ? 'MALFORMED_JSON'
                : 'BAD_REQUEST';
      return c.json(errorBody(code, err.message || 'Bad request'), status as 400);
    }
    logger.error({ err, path: c.req.path, method: c.req.method }, 'unhandled error');
    return c.json(errorBody('INTERNAL', 'Internal error; it has been logged'), 500);
  };
}
