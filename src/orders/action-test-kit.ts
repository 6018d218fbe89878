import { sql } from 'drizzle-orm';
import { connectorContextFor } from '../channels/core/context.ts';
import { requireModule } from '../channels/core/module.ts';
import { rows } from '../db/database.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import type { TestServer } from '../test/server.ts';

/**
 * What the order-action tests share (src/orders/actions*.test.ts): an order pulled from its
 * channel, an action asked through the API, its outcome awaited, the stock and the operations
 * it left. The server and warehouse are read when used, since a test's `beforeAll` makes them.
 */
export function orderActionKit(server: () => TestServer, warehouseId: () => number) {
  const order = async (id: number) => (await server().api(`/api/v1/orders/${id}`)).body;
  return {
    /** An order pulled as the support tools' re-import does: the connector's fetchOrder, then core ingestion. */
    async pulled(accountId: number, number: string): Promise<number> {
      const ctx = await connectorContextFor(server().hub, accountId);
      const fact = await requireModule(ctx.account.channel).connector.fetchOrder!(ctx, number);
      const [stored] = await ctx.ingest.orders([fact!]);
      return stored.orderId;
    },
    order,
    act: (id: number, action: string, json?: unknown) =>
      server().api(`/api/v1/orders/${id}/actions/${action}`, { method: 'POST', json }),
    /** The order read again once its newest action has settled: GET /orders/{id} reads the order before its actions. */
    async settled(id: number) {
      await waitFor(
        `order ${id}'s action`,
        async () => {
          const o = await order(id);
          return o.actions.length && o.actions[0].state !== 'queued' ? o : null;
        },
        30_000,
      );
      return order(id);
    },
    async onHand(sku: string) {
      const [row] = await rows<{ n: number }>(
        server().hub.db,
        sql`select l.on_hand::int as n from stock_levels l join products p on p.id = l.product_id
             where p.sku = ${sku} and l.warehouse_id = ${warehouseId()}`,
      );
      return row.n;
    },
    operations: (id: number) =>
      rows<{
        action: string;
        actor: string;
        changes: { action: { after: Record<string, unknown> & { state: string } } };
      }>(
        server().hub.db,
        sql`select action, actor, changes from operations where entity_type = 'order' and entity_id = ${String(id)} order by id`,
      ),
  };
}
