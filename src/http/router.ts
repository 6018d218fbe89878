import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Actor } from '../access/api-keys.ts';
import { validationFailed } from './errors.ts';

export type AppEnv = { Variables: { actor: Actor; requestId: string } };

/** Every domain builds its routes on this, so a bad input anywhere gets the same 400. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return validationFailed(c, result.error as never, result.target);
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

const errorContent = { 'application/json': { schema: ErrorSchema } };

/** Declares the usual error answers of a route in one line. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 502 | 503)[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid input; the fields are named in details',
    401: 'Missing or unknown API key',
    403: 'The key’s role may not do this',
    404: 'Not found',
    409: 'Conflicts with the current state',
    413: 'Too large',
    415: 'Unsupported media type',
    422: 'Understood but refused',
    429: 'Too many requests',
    502: 'The marketplace answered with an error',
    503: 'Not ready',
  };
  return Object.fromEntries(
    [400, 401, 403, ...statuses].map((s) => [s, { description: descriptions[s], content: errorContent }]),
  ) as Record<number, { description: string; content: typeof errorContent }>;
}

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ example: 50 }),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0).openapi({ example: 0 }),
});

export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1)
    .openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });

export const security: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
