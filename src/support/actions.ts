import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { recordOperation } from '../audit/operations.ts';
import { aboutOrders, accountRuntime, guardCredentials } from '../channels/core/context.ts';
import { moduleFor } from '../channels/core/module.ts';
import { orderKey } from '../crm/flow.ts';
import { crmTargets } from '../crm/links.ts';
import { requestCrmExport } from '../crm/requests.ts';
import { listOrders, type OrderSummary } from '../orders/queries.ts';
import { DomainError, notFound } from '../shared/errors.ts';

/**
 * The support tools of seed 004: find an order by any id, fetch one the channel has and Sklad
 * does not (Ozon and Lamoda `upload_order`, Kaspi `fetchorder`, Namshi `notifyOrder`), export
 * one again to the CRM (by its posting number), re-send its status (`change_order_status`) and,
 * for a channel whose module asks for it (Namshi), add the CRM comment naming the warehouse
 * that ships it (`appendcomment`). Each action is a row in `operations` with the actor.
 */

/** The orders any of whose ids is `q` (ours, the marketplace's, the posting number, the deal id, the delivery number). */
export async function findOrders(hub: Hub, q: string): Promise<OrderSummary[]> {
  return (await listOrders(hub.db, { q: q.trim(), limit: 20, offset: 0 })).items;
}

/** The one order `ref` names (an id of any kind); 404 naming it when none, 409 when several. */
export async function resolveOrder(hub: Hub, ref: string): Promise<OrderSummary> {
  const found = await findOrders(hub, ref);
  if (!found.length) throw notFound('Order', ref);
  if (found.length > 1) {
    const ids = found.map((o) => o.id);
    throw new DomainError(
      'AMBIGUOUS_ORDER',
      `"${ref}" names ${found.length} orders (${ids.join(', ')}): give Sklad's order id`,
      409,
      { ref, order_ids: ids },
    );
  }
  return found[0];
}

/** Fetches one order from the channel by its number and imports it (or updates the one Sklad has). */
export async function reimportOrder(hub: Hub, accountId: number, number: string, actor: string) {
  const runtime = await accountRuntime(hub, accountId);
  const { module, connector } = runtime;
  const action = module.support?.fetchOrderAction ?? 'fetch_order';
  if (!connector.fetchOrder) {
    throw new DomainError('ORDER_ACTION_UNSUPPORTED', `${connector.title} cannot fetch one order by its number`, 409, {
      channel: connector.title,
      reason: 'нельзя получить один заказ по номеру',
    });
  }
  const ctx = aboutOrders(runtime.ctx, [number]);
  const fact = await guardCredentials(hub, accountId, () => connector.fetchOrder!(ctx, number));
  if (!fact) {
    throw new DomainError('ORDER_NOT_ON_CHANNEL', `${connector.title} has no order ${number}`, 404, {
      channel: connector.title,
      number,
    });
  }
  const [stored] = await ctx.ingest.orders([fact]);
  await hub.db.transaction(async (tx) => {
    // An order Sklad had already announced itself when it was stored; export it again unless its deal is there.
    if (!stored.created) await requestCrmExport(tx, stored.orderId, action);
    await recordOperation(tx, {
      entityType: 'order',
      entityId: stored.orderId,
      action,
      actor,
      changes: {
        imported: {
          before: stored.created ? null : 'present',
          after: { account_id: accountId, number, external_id: fact.externalId },
        },
      },
    });
  });
  return { action, order_id: stored.orderId, created: stored.created, unmatched: stored.unmatched };
}

/**
 * Exports the order to the CRM again (`reason` 're-export'), or re-sends its status
 * (`change_order_status`): either way the deal is found by our key and updated, or made.
 */
export async function reexportOrder(hub: Hub, ref: string, actor: string, action: 're_export' | 'change_order_status') {
  const order = await resolveOrder(hub, ref);
  const targets = await crmTargets(hub.db, [order.id]);
  if (!targets.size)
    throw new DomainError('NO_CRM_ACCOUNT', 'No active CRM account: add a Bitrix24 portal (or another CRM) first', 409);
  await hub.db.transaction(async (tx) => {
    await requestCrmExport(tx, order.id, action);
    await recordOperation(tx, {
      entityType: 'order',
      entityId: order.id,
      action,
      actor,
      changes: { crm_state: { before: order.crm_state, after: 'queued' } },
    });
  });
  const module = moduleFor(order.channel);
  return {
    action,
    order_id: order.id,
    queued: true,
    /** Namshi: after the status, the comment naming the warehouse (seed 004 §2). */
    next:
      action === 'change_order_status' && module?.support?.commentWarehouseAfterStatus
        ? ('appendcomment' as const)
        : null,
  };
}

/** Adds a comment to the order's deal; by default the one seed 004 asks for Namshi: which warehouse location ships it. */
export async function appendComment(hub: Hub, ref: string, actor: string, text?: string) {
  const order = await resolveOrder(hub, ref);
  const [row] = await rows<{
    crm_id: string | null;
    crm_account_id: number | null;
    warehouse: string | null;
    code: string | null;
  }>(
    hub.db,
    sql`select o.crm_id, o.crm_account_id, w.name as warehouse, w.code
          from orders o left join warehouses w on w.id = o.warehouse_id where o.id = ${order.id}`,
  );
  if (!row.crm_id || !row.crm_account_id) {
    throw new DomainError('ORDER_NOT_IN_CRM', `Order ${order.id} has no deal in the CRM yet: export it first`, 409, {
      order_id: order.id,
    });
  }
  const comment =
    text?.trim() ||
    (row.warehouse
      ? `Заказ ${order.posting_number ?? order.external_id} отгружается со склада «${row.warehouse}» (${row.code}). / Ships from warehouse "${row.warehouse}" (${row.code}).`
      : `Заказ ${order.posting_number ?? order.external_id}: склад отгрузки не выбран в Складе. / No shipping warehouse is set in Sklad.`);
  const runtime = await accountRuntime(hub, Number(row.crm_account_id));
  const crm = runtime.module.crm;
  if (!crm)
    throw new DomainError('NOT_A_CRM_ACCOUNT', `Account ${row.crm_account_id} is not a CRM's`, 409, {
      account_id: row.crm_account_id,
      channel: runtime.account.channel,
    });
  const ctx = aboutOrders(runtime.ctx, [orderKey(order), order.posting_number, order.external_id]);
  const commentId = await guardCredentials(hub, runtime.account.id, () => crm.addComment(ctx, row.crm_id!, comment));
  await recordOperation(hub.db, {
    entityType: 'order',
    entityId: order.id,
    action: 'appendcomment',
    actor,
    changes: { comment: { before: null, after: { deal_id: row.crm_id, comment_id: commentId, text: comment } } },
  });
  return {
    action: 'appendcomment' as const,
    order_id: order.id,
    deal_id: row.crm_id,
    comment_id: commentId,
    text: comment,
  };
}
