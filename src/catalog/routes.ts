import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
  security,
} from '../http/router.ts';
import { bulkEditProducts, ProductBulkEdit } from './bulk.ts';
import { deleteProduct, productHistory } from './delete.ts';
import { etagOf, expectedVersion, IfMatch } from './if-match.ts';
import { imageRoutes } from './image-routes.ts';
import { createProduct, getProduct, listProducts, lookupProducts, replaceProduct, updateProduct } from './products.ts';
import { Product, ProductInput, ProductLookup, ProductPatch, ProductSearch } from './schemas.ts';

const tags = ['Products'];

const Operation = z
  .object({
    id: z.number().int(),
    entity_type: z.string(),
    entity_id: z.string(),
    action: z.string().openapi({ example: 'update' }),
    actor: z.string().openapi({ description: 'The name of the API key (or user) that made the change' }),
    at: z.string(),
    changes: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })),
  })
  .openapi('Operation');

const Archived = z
  .object({ archived: z.literal(true), product: Product, referenced_by: z.array(z.string()) })
  .openapi('ProductArchived');

export function catalogRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products',
      tags,
      security,
      summary: 'List and search products',
      description:
        '`q` matches part of the SKU, EAN or name; without a `sort`, an exact SKU or EAN match comes first. Archived products are left out unless ' +
        '`include_archived=true` (`archived=only`: those alone). `channel` and `account_id` keep the products listed there. Sorted by `sort` ' +
        '(the id breaks ties) and paged by keyset: `next_cursor` as `cursor` reads the next page, `prev_cursor` as `before` the one before.',
      request: { query: ProductSearch },
      responses: {
        200: jsonResponse(
          page(Product).extend({ next_cursor: z.string().nullable(), prev_cursor: z.string().nullable() }),
          'A page of products; next_cursor is null on the last page, prev_cursor on the first',
        ),
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await listProducts(hub.db, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/products/lookup',
      tags,
      security,
      summary: 'Products by a list of SKUs, paged',
      description:
        'Up to 10,000 SKUs (any case), answered a page at a time in SKU order, with `missing`: the SKUs of the list no product has. ' +
        'It reads and changes nothing. For up to 500, `GET /products?skus=A,B` pages the same list.',
      request: { body: jsonBody(ProductLookup) },
      responses: {
        200: jsonResponse(
          page(Product).extend({ missing: z.array(z.string()) }),
          'A page of the products found, and the SKUs not found',
        ),
        ...errorResponses(),
      },
    }),
    async (c) => c.json(await lookupProducts(hub.db, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/products/bulk',
      tags,
      security,
      summary: 'One change to many products: an attribute, archive or restore, a base price',
      description:
        'Up to 500 products, each with the version the editor saw if it should refuse a later change. Every product is checked first: ' +
        'if any is refused (missing, changed since, 200 attributes already), the answer is 422 `PRODUCTS_BULK_REFUSED` with each refused ' +
        'product in `details.errors` and nothing is written. Otherwise all change in one transaction, one `operations` row (and, for a price, ' +
        'one `price_changes` row) per product that differed; the others are left as they were.',
      request: { body: jsonBody(ProductBulkEdit) },
      responses: {
        200: jsonResponse(
          z.object({ changed: z.array(z.number().int()), unchanged: z.array(z.number().int()) }),
          'The products changed and those already so',
        ),
        ...errorResponses(422),
      },
    }),
    async (c) => c.json(await bulkEditProducts(hub.db, c.req.valid('json'), c.get('actor').name), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/products',
      tags,
      security,
      summary: 'Create a product',
      request: { body: jsonBody(ProductInput) },
      responses: { 201: jsonResponse(Product, 'The new product'), ...errorResponses(409) },
    }),
    async (c) => {
      const product = await createProduct(hub.db, c.req.valid('json'), c.get('actor').name);
      c.header('location', `/api/v1/products/${product.id}`);
      c.header('etag', etagOf(product));
      return c.json(product, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products/{id}',
      tags,
      security,
      summary: 'Read a product (archived ones too)',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Product, 'The product; its ETag is its version'), ...errorResponses(404) },
    }),
    async (c) => {
      const product = await getProduct(hub.db, c.req.valid('param').id);
      c.header('etag', etagOf(product));
      return c.json(product, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/products/{id}',
      tags,
      security,
      summary: 'Replace a product',
      description:
        'The product becomes exactly the body: optional fields left out (ean, description, attributes) are cleared. Stock, orders and sales refer to the product id, so a new SKU keeps them.',
      request: { params: IdParam, headers: IfMatch, body: jsonBody(ProductInput) },
      responses: { 200: jsonResponse(Product, 'The product as it is now'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const product = await replaceProduct(
        hub.db,
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('actor').name,
        expectedVersion(c.req.valid('header')),
      );
      c.header('etag', etagOf(product));
      return c.json(product, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/products/{id}',
      tags,
      security,
      summary: 'Change some fields of a product; `archived: false` restores it',
      description:
        'Only the fields sent change; `null` (or "" for ean) clears ean and description; `attributes` is replaced whole.',
      request: { params: IdParam, headers: IfMatch, body: jsonBody(ProductPatch) },
      responses: { 200: jsonResponse(Product, 'The product as it is now'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const product = await updateProduct(
        hub.db,
        c.req.valid('param').id,
        c.req.valid('json'),
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
      path: '/products/{id}',
      tags,
      security,
      summary: 'Delete a product, or archive it if anything refers to it',
      description:
        'A product that stock movements, orders, sales, listings or any other record refer to is archived (hidden from lists, still readable, history kept) and the answer is 200; one nothing refers to is removed (204). Its history is kept either way.',
      request: { params: IdParam, headers: IfMatch },
      responses: {
        200: jsonResponse(Archived, 'Archived, with the tables that refer to it'),
        204: { description: 'Removed' },
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const result = await deleteProduct(
        hub.db,
        c.req.valid('param').id,
        c.get('actor').name,
        expectedVersion(c.req.valid('header')),
      );
      if ('deleted' in result) return c.body(null, 204);
      return c.json(result, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products/{id}/history',
      tags,
      security,
      summary: 'Every change to a product, newest first',
      description:
        'Who (the API key name), when, and each changed field before and after. Kept for archived and deleted products.',
      request: { params: IdParam, query: PageQuery },
      responses: { 200: jsonResponse(page(Operation), 'A page of changes'), ...errorResponses(404) },
    }),
    async (c) => c.json(await productHistory(hub.db, c.req.valid('param').id, c.req.valid('query')), 200),
  );

  app.route('/', imageRoutes(hub));
  return app;
}
