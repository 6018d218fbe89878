import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  page,
  PageQuery,
  security,
} from '../http/router.ts';
import { answerOnce, requestHash } from './idempotency.ts';
import { listLevels } from './levels.ts';
import { listMovements, MAX_QUANTITY, movementRuleProblems, movementTypes, recordMovement } from './movements.ts';
import {
  createWarehouse,
  listWarehouses,
  updateWarehouse,
  warehouseCode,
  warehouseKinds,
  warehouseName,
  warehouseSource,
  warehouseStockType,
} from './warehouses.ts';

const tags = ['Stock'];
const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const idQuery = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const isoDate = z.string().datetime({ offset: true });
/** `a,b`: a list of at most 50 names of up to 200 characters each. */
const stockFilter = z
  .string()
  .max(2000)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().max(200)).min(1).max(50));

const Warehouse = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    kind: z.enum(warehouseKinds),
    source: z.string().nullable(),
    stock_type: z
      .string()
      .nullable()
      .openapi({ description: "What the channel calls a mirror's stock ('FBO', 'FBS', 'analytics' …)" }),
    read_only: z.boolean(),
    archived_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Warehouse');

const NewWarehouse = z
  .strictObject({
    code: warehouseCode,
    name: warehouseName,
    kind: z.enum(warehouseKinds).default('own'),
    // where a mirror's numbers come from, e.g. 'ozon' (a stock API) or 'ozon:analytics'
    source: warehouseSource.nullish(),
    stock_type: warehouseStockType.nullish(),
    read_only: z.boolean().optional().openapi({ description: 'Refuse movements; defaults to true for a mirror' }),
  })
  .openapi('NewWarehouse');

const WarehousePatch = z
  .strictObject({
    code: warehouseCode.optional(),
    name: warehouseName.optional(),
    source: warehouseSource.nullable().optional(),
    stock_type: warehouseStockType.nullable().optional(),
    read_only: z.boolean().optional(),
    archived: z
      .boolean()
      .optional()
      .openapi({ description: 'Archive (true) or restore (false); an own warehouse must be empty' }),
  })
  .openapi('WarehousePatch');

const Level = z
  .object({
    product_id: z.number().int(),
    sku: z.string(),
    product_name: z.string(),
    warehouse_id: z.number().int(),
    warehouse_code: z.string(),
    warehouse_name: z.string(),
    source: z
      .string()
      .nullable()
      .openapi({ description: "Where the row's numbers come from: the warehouse's source (null for our own)" }),
    stock_type: z
      .string()
      .nullable()
      .openapi({ description: "What the channel calls this stock ('FBO', 'FBS', 'analytics' …)" }),
    on_hand: z.number().int(),
    reserved: z.number().int(),
    available: z.number().int().openapi({ description: 'Free to sell: on_hand − reserved' }),
    promised: z
      .number()
      .int()
      .openapi({ description: "In the channel's confirmed future supplies: not on hand yet (0 for our own)" }),
    updated_at: z.string(),
  })
  .openapi('StockLevel');

const Movement = z
  .object({
    id: z.number().int(),
    type: z.enum(movementTypes),
    product_id: z.number().int(),
    warehouse_id: z.number().int(),
    quantity: z.number().int().openapi({ description: 'Signed change of on_hand' }),
    reserved_delta: z.number().int().openapi({ description: 'Signed change of reserved' }),
    on_hand_after: z.number().int(),
    reserved_after: z.number().int(),
    available_after: z.number().int(),
    transfer_id: z.string().nullable().openapi({ description: 'Shared by the two rows of a transfer' }),
    reason: z.string().nullable(),
    reference: z.string().nullable(),
    actor: z.string(),
    created_at: z.string(),
  })
  .openapi('StockMovement');

const fieldNames = { quantity: 'quantity', toWarehouseId: 'to_warehouse_id', reason: 'reason' } as const;

const NewMovement = z
  .strictObject({
    type: z.enum(movementTypes),
    product_id: id,
    warehouse_id: id.openapi({ description: 'Where the stock is (for a transfer: where it comes from)' }),
    to_warehouse_id: id.optional().openapi({ description: 'Transfers only: where the stock goes' }),
    quantity: z.number().int().min(0).max(MAX_QUANTITY).openapi({
      description: 'How many units move; for an adjustment, the counted quantity (0 allowed)',
      example: 1,
    }),
    reason: z.string().trim().max(500).optional().openapi({ description: 'Required for an adjustment' }),
  })
  .superRefine((b, ctx) => {
    const problems = movementRuleProblems({
      type: b.type,
      quantity: b.quantity,
      warehouseId: b.warehouse_id,
      toWarehouseId: b.to_warehouse_id,
      reason: b.reason,
    });
    for (const p of problems) ctx.addIssue({ code: 'custom', path: [fieldNames[p.field]], message: p.message });
  })
  .openapi('NewStockMovement');

const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().openapi({
    description: 'The same key returns the first answer (status and body) and writes nothing twice',
  }),
});

export function inventoryRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/warehouses',
      tags,
      security,
      summary: 'List warehouses',
      request: {
        query: PageQuery.extend({
          kind: z.enum(warehouseKinds).optional(),
          include_archived: z.enum(['true', 'false']).optional(),
        }),
      },
      responses: { 200: jsonResponse(page(Warehouse), 'Warehouses by code'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listWarehouses(hub.db, {
        kind: q.kind,
        includeArchived: q.include_archived === 'true',
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/warehouses',
      tags,
      security,
      summary: 'Create a warehouse',
      request: { body: jsonBody(NewWarehouse) },
      responses: { 201: jsonResponse(Warehouse, 'The new warehouse'), ...errorResponses(409) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const input = {
        code: b.code,
        name: b.name,
        kind: b.kind,
        source: b.source,
        stockType: b.stock_type,
        readOnly: b.read_only ?? b.kind === 'mirror',
      };
      const made = await hub.db.transaction((tx) => createWarehouse(tx, input, c.get('actor').name));
      return c.json(made, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/warehouses/{id}',
      tags,
      security,
      summary: 'Rename, freeze or archive a warehouse',
      request: { params: IdParam, body: jsonBody(WarehousePatch) },
      responses: { 200: jsonResponse(Warehouse, 'The warehouse after the change'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const patch = {
        code: b.code,
        name: b.name,
        source: b.source,
        stockType: b.stock_type,
        readOnly: b.read_only,
        archived: b.archived,
      };
      const after = await hub.db.transaction((tx) =>
        updateWarehouse(tx, c.req.valid('param').id, patch, c.get('actor').name),
      );
      return c.json(after, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stock',
      tags,
      security,
      summary: 'Stock levels per product and warehouse',
      request: {
        query: PageQuery.extend({
          product_id: idQuery.optional(),
          warehouse_id: idQuery.optional(),
          source: stockFilter
            .optional()
            .openapi({ description: "Rows of these sources only (comma-separated, any case; 'none': our own)" }),
          stock_type: stockFilter
            .optional()
            .openapi({ description: "Rows of these stock types only (comma-separated, any case; 'none': no type)" }),
        }),
      },
      responses: { 200: jsonResponse(page(Level), 'Levels by SKU, then warehouse code'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listLevels(hub.db, {
        productId: q.product_id,
        warehouseId: q.warehouse_id,
        sources: q.source,
        stockTypes: q.stock_type,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stock/movements',
      tags,
      security,
      summary: 'The stock ledger, newest first',
      request: {
        query: PageQuery.extend({
          product_id: idQuery.optional(),
          warehouse_id: idQuery.optional(),
          type: z.enum(movementTypes).optional(),
          reference: z.string().min(1).max(200).optional(),
          from: isoDate.optional().openapi({ description: 'Created at or after (ISO-8601)' }),
          to: isoDate.optional().openapi({ description: 'Created before (ISO-8601)' }),
        }),
      },
      responses: { 200: jsonResponse(page(Movement), 'A page of movements'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await listMovements(hub.db, {
        productId: q.product_id,
        warehouseId: q.warehouse_id,
        type: q.type,
        reference: q.reference,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
      });
      return c.json({ ...result, limit: q.limit, offset: q.offset }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/stock/movements',
      tags,
      security,
      summary: 'Record a stock movement',
      description:
        'receipt, return (+); write_off, sale (−); transfer (to_warehouse_id, one atomic pair); adjustment (quantity = ' +
        'the counted quantity, reason required); reserve, release. Stock never goes negative: 409 STOCK_INSUFFICIENT ' +
        'names what is available. With `Idempotency-Key` the first answer, success or refusal, is returned again.',
      request: { headers: IdempotencyHeader, body: jsonBody(NewMovement) },
      responses: {
        201: jsonResponse(z.object({ movements: z.array(Movement) }), 'The ledger rows written (two for a transfer)'),
        ...errorResponses(404, 409, 422),
      },
    }),
    async (c) => {
      const b = c.req.valid('json');
      const actor = c.get('actor');
      const input = {
        type: b.type,
        productId: b.product_id,
        warehouseId: b.warehouse_id,
        toWarehouseId: b.to_warehouse_id,
        quantity: b.quantity,
        reason: b.reason,
      };
      const key = c.req.valid('header')['idempotency-key'];
      if (!key) {
        const result = await recordMovement(hub.db, input, actor.name);
        return c.json({ movements: result.movements }, 201);
      }
      // Keys are per API key: two clients choosing the same key do not see each other's answers.
      const scope = `POST /api/v1/stock/movements:${actor.keyId}`;
      const answer = await answerOnce(hub.db, { scope, key, requestHash: requestHash(b) }, async (tx) => {
        const result = await recordMovement(tx, input, actor.name);
        return { status: 201, body: { movements: result.movements } };
      });
      if (answer.replayed) c.header('idempotent-replayed', 'true');
      return c.json(answer.body as never, answer.status as 201);
    },
  );

  return app;
}
