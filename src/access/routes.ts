import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse, security } from '../http/router.ts';
import { createApiKey, listApiKeys, revokeApiKey, roleSchema } from './api-keys.ts';

const ApiKeySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: roleSchema,
    key_prefix: z.string().openapi({ description: 'The first characters of the key, to tell keys apart' }),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');

const NewApiKey = z.strictObject({ name: z.string().trim().min(1).max(100), role: roleSchema }).openapi('NewApiKey');

export function accessRoutes(hub: Hub) {
  // Admin only, as the permission table says (src/access/permissions.ts).
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/keys',
      tags: ['Access'],
      security,
      summary: 'List API keys (admin)',
      responses: {
        200: jsonResponse(z.object({ items: z.array(ApiKeySchema) }), 'Keys, without their secrets'),
        ...errorResponses(),
      },
    }),
    async (c) => c.json({ items: await listApiKeys(hub.database) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/keys',
      tags: ['Access'],
      security,
      summary: 'Create an API key (admin); the key is shown only in this answer',
      request: { body: jsonBody(NewApiKey) },
      responses: {
        201: jsonResponse(
          z.object({ id: z.number().int(), name: z.string(), role: roleSchema, key: z.string() }),
          'The new key',
        ),
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await createApiKey(hub.database, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/keys/{id}',
      tags: ['Access'],
      security,
      summary: 'Revoke an API key (admin)',
      request: { params: IdParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(404) },
    }),
    async (c) => {
      await revokeApiKey(hub.database, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  return app;
}
