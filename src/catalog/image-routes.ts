import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Hub } from '../hub.ts';
import { createRouter, errorResponses, IdParam, jsonResponse, security } from '../http/router.ts';
import { etagOf, expectedVersion, IfMatch } from './if-match.ts';
import { deleteProductImage, readProductImage, setProductImage } from './images.ts';
import { Product } from './schemas.ts';

const tags = ['Products'];

const Upload = z.object({
  file: z
    .instanceof(File, { message: 'attach the picture as a file in the form field "file"' })
    .openapi({ type: 'string', format: 'binary', description: 'JPEG, PNG or WebP, at most 10 MB' }),
});

const picture = { 'image/webp': { schema: z.string().openapi({ type: 'string', format: 'binary' }) } };

export function imageRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'put',
      path: '/products/{id}/image',
      tags,
      security,
      summary: 'Upload the product picture (multipart, field `file`)',
      description:
        'JPEG, PNG or WebP up to 10 MB, recognised by its content. It is turned upright by its EXIF, fitted into 1600×1600 (never enlarged), stored as WebP without metadata, with a 320×320 thumbnail.',
      request: {
        params: IdParam,
        headers: IfMatch,
        body: { required: true, content: { 'multipart/form-data': { schema: Upload } } },
      },
      responses: {
        200: jsonResponse(Product, 'The product with its new image'),
        ...errorResponses(404, 409, 413, 415, 422),
      },
    }),
    async (c) => {
      const file = c.req.valid('form').file;
      const bytes = new Uint8Array(await file.arrayBuffer());
      const product = await setProductImage(
        hub.db,
        c.req.valid('param').id,
        bytes,
        c.get('actor').name,
        expectedVersion(c.req.valid('header')),
      );
      c.header('etag', etagOf(product));
      return c.json(product, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/products/{id}/image',
      tags,
      security,
      summary: 'Remove the product picture',
      request: { params: IdParam, headers: IfMatch },
      responses: { 200: jsonResponse(Product, 'The product without an image'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const product = await deleteProductImage(
        hub.db,
        c.req.valid('param').id,
        c.get('actor').name,
        expectedVersion(c.req.valid('header')),
      );
      c.header('etag', etagOf(product));
      return c.json(product, 200);
    },
  );

  for (const size of ['full', 'thumbnail'] as const) {
    app.openapi(
      createRoute({
        method: 'get',
        path: size === 'full' ? '/products/{id}/image' : '/products/{id}/image/thumbnail',
        tags,
        security,
        summary: size === 'full' ? 'The product picture (WebP)' : 'The 320×320 thumbnail (WebP)',
        request: { params: IdParam },
        responses: {
          200: {
            description: 'The picture; send its ETag as If-None-Match to get 304 when unchanged',
            content: picture,
          },
          304: { description: 'Not changed since the ETag you sent' },
          ...errorResponses(404),
        },
      }),
      async (c) => servePicture(c, await readProductImage(hub.db, c.req.valid('param').id, size)),
    );
  }
  return app;
}

/** Browsers keep the picture and ask again with its ETag; a new upload changes the ETag. */
function servePicture(c: Context, stored: Awaited<ReturnType<typeof readProductImage>>) {
  const headers = {
    etag: stored.etag,
    'cache-control': 'private, no-cache',
    'last-modified': new Date(stored.updatedAt).toUTCString(),
  };
  const sent = c.req.header('if-none-match');
  if (sent && sent.split(',').some((tag) => tag.trim().replace(/^W\//, '') === stored.etag))
    return c.body(null, 304, headers);
  return c.body(new Uint8Array(stored.body), 200, { ...headers, 'content-type': stored.contentType });
}
