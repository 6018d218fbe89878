import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { addToOutbox } from '../engine/outbox.ts';
import { recordMovement } from '../inventory/movements.ts';
import { DomainError } from '../shared/errors.ts';
import { runOrderHooks } from './hooks.ts';

export const orderStatuses = ['new', 'confirmed', 'shipped', 'delivered', 'cancelled', 'returned'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

/** Statuses in which the goods have left (or are leaving) our stock. */
const holdsStock = (status: OrderStatus) => status !== 'cancelled';

const isoDate = z.string().datetime({ offset: true });

export const orderLineInput = z.object({
  productId: z.number().int().positive().nullable(),
  sku: z.string().trim().min(1).max(200),
  externalSku: z.string().max(200).nullish(),
  name: z.string().trim().min(1).max(500),
  quantity: z.number().int().positive().max(1_000_000),
  priceMinor: z.number().int().min(0),
});

/** What a connector hands over for one order; parsed here so no channel can write a bad one. */
export const orderInput = z.object({
  accountId: z.number().int().positive().nullable(),
  channel: z.string().min(1).max(50),
  externalId: z.string().trim().min(1).max(200),
  postingNumber: z.string().trim().max(200).nullish(),
  status: z.enum(orderStatuses),
  channelStatus: z.string().max(200).nullish(),
  orderedAt: isoDate,
  currency: z.string().regex(/^[A-Z]{3}$/),
  totalMinor: z.number().int(),
  warehouseId: z.number().int().positive().nullish(),
  customer: z.record(z.string(), z.unknown()).nullish(),
  shipping: z.record(z.string(), z.unknown()).nullish(),
  lines: z.array(orderLineInput).min(1).max(1000),
  raw: z.unknown().optional(),
});
export type OrderInput = z.input<typeof orderInput>;

export interface UpsertOrderResult {
  orderId: number;
  created: boolean;
  statusChanged: boolean;
  previousStatus: OrderStatus | null;
}

/**
 * Creates or updates an order by (channel, account, external id): a re-import never
 * duplicates. A new order that holds stock writes each matched line off once (the ledger
 * reference makes a replay a no-op); a cancellation returns exactly what was written off.
 */
export async function upsertOrder(tx: Tx, input: OrderInput, actor: string): Promise<UpsertOrderResult> {
  const order = orderInput.parse(input);
  const [existing] = await rows<{ id: number; status: OrderStatus; warehouse_id: number | null; lines_revision: number }>(
    tx,
    sql`select id, status, warehouse_id, lines_revision from orders
         where channel = ${order.channel} and coalesce(account_id, 0) = ${order.accountId ?? 0} and external_id = ${order.externalId}
         for update`,
  );

  if (!existing) {
    const [created] = await rows<{ id: number }>(
      tx,
      sql`insert into orders (account_id, channel, external_id, posting_number, status, channel_status, ordered_at,
                              currency, total_minor, warehouse_id, customer, shipping, raw)
          values (${order.accountId}, ${order.channel}, ${order.externalId}, ${order.postingNumber ?? null}, ${order.status},
                  ${order.channelStatus ?? null}, ${order.orderedAt}, ${order.currency}, ${order.totalMinor},
                  ${order.warehouseId ?? null}, ${json(order.customer)}::jsonb, ${json(order.shipping)}::jsonb, ${json(order.raw)}::jsonb)
          returning id`,
    );
    await insertLines(tx, created.id, order.lines);
    await addStatusHistory(tx, created.id, order.status, order.channelStatus ?? null, actor);
    if (holdsStock(order.status) && order.warehouseId) await writeOffLines(tx, created.id, order.warehouseId, 0, actor);
    await addToOutbox(tx, { topic: 'order.created', key: created.id, payload: { status: order.status, accountId: order.accountId } });
    await runOrderHooks(tx, stored(order, created.id, true, false));
    return { orderId: created.id, created: true, statusChanged: false, previousStatus: null };
  }

  const statusChanged = existing.status !== order.status;
  const linesChanged = await replaceLinesIfChanged(tx, existing, order.lines, actor);
  await tx.execute(sql`
    update orders set status = ${order.status}, channel_status = ${order.channelStatus ?? null},
           posting_number = coalesce(${order.postingNumber ?? null}, posting_number),
           total_minor = ${order.totalMinor}, customer = coalesce(${json(order.customer)}::jsonb, customer),
           shipping = coalesce(${json(order.shipping)}::jsonb, shipping),
           raw = coalesce(${json(order.raw)}::jsonb, raw), updated_at = now()
     where id = ${existing.id}`);
  if (statusChanged) {
    await addStatusHistory(tx, existing.id, order.status, order.channelStatus ?? null, actor);
    const warehouseId = existing.warehouse_id;
    const revision = existing.lines_revision + (linesChanged ? 1 : 0);
    if (warehouseId && holdsStock(existing.status) && !holdsStock(order.status)) await returnLines(tx, existing.id, warehouseId, revision, actor);
    if (warehouseId && !holdsStock(existing.status) && holdsStock(order.status)) await writeOffLines(tx, existing.id, warehouseId, revision, actor);
  }
  if (statusChanged || linesChanged) {
    await addToOutbox(tx, {
      topic: 'order.changed',
      key: existing.id,
      payload: { status: order.status, previousStatus: existing.status, accountId: order.accountId, ...(linesChanged ? { linesChanged: true } : {}) },
    });
  }
  await runOrderHooks(tx, stored(order, existing.id, false, statusChanged));
  return { orderId: existing.id, created: false, statusChanged, previousStatus: existing.status };
}

const stored = (order: z.output<typeof orderInput>, orderId: number, created: boolean, statusChanged: boolean) => ({
  orderId,
  created,
  statusChanged,
  accountId: order.accountId,
  channel: order.channel,
  externalId: order.externalId,
  postingNumber: order.postingNumber ?? null,
  status: order.status,
  shipping: order.shipping ?? null,
});

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

async function addStatusHistory(tx: Executor, orderId: number, status: string, channelStatus: string | null, actor: string) {
  await tx.execute(sql`
    insert into order_status_history (order_id, status, channel_status, actor) values (${orderId}, ${status}, ${channelStatus}, ${actor})`);
}

type OrderLine = z.output<typeof orderLineInput>;

async function insertLines(tx: Executor, orderId: number, lines: OrderLine[]) {
  for (const [index, line] of lines.entries()) {
    await tx.execute(sql`
      insert into order_lines (order_id, line_no, product_id, sku, external_sku, name, quantity, price_minor)
      values (${orderId}, ${index + 1}, ${line.productId}, ${line.sku}, ${line.externalSku ?? null}, ${line.name},
              ${line.quantity}, ${line.priceMinor})`);
  }
}

const lineKey = (l: { product_id: number | null; sku: string; quantity: number; price_minor: number }) =>
  `${l.product_id ?? '-'}|${l.sku}|${l.quantity}|${l.price_minor}`;

/**
 * A re-import that brings other lines (SKU, product, quantity or price) than the stored ones
 * replaces them. While the order holds stock, the old lines' write-offs are returned and the new
 * lines written off under the next lines revision, so the ledger follows the corrected order.
 */
async function replaceLinesIfChanged(
  tx: Tx,
  existing: { id: number; status: OrderStatus; warehouse_id: number | null; lines_revision: number },
  lines: OrderLine[],
  actor: string,
): Promise<boolean> {
  const current = await rows<{ product_id: number | null; sku: string; quantity: number; price_minor: number }>(
    tx, sql`select product_id, sku, quantity, price_minor from order_lines where order_id = ${existing.id} order by line_no`);
  const before = current.map((l) => lineKey({ ...l, product_id: l.product_id === null ? null : Number(l.product_id), quantity: Number(l.quantity), price_minor: Number(l.price_minor) }));
  const after = lines.map((l) => lineKey({ product_id: l.productId, sku: l.sku, quantity: l.quantity, price_minor: l.priceMinor }));
  // The same lines in another order are the same order (some channels list them in any order).
  before.sort();
  after.sort();
  if (before.length === after.length && before.every((k, i) => k === after[i])) return false;
  const warehouseId = existing.warehouse_id;
  const heldStock = warehouseId !== null && holdsStock(existing.status);
  if (heldStock) await returnLines(tx, existing.id, warehouseId, existing.lines_revision, actor, 'corrected');
  await tx.execute(sql`delete from order_lines where order_id = ${existing.id}`);
  await insertLines(tx, existing.id, lines);
  const revision = existing.lines_revision + 1;
  await tx.execute(sql`update orders set lines_revision = ${revision} where id = ${existing.id}`);
  if (heldStock) await writeOffLines(tx, existing.id, warehouseId, revision, actor);
  return true;
}

/** The ledger reference of a line's movements: revision 0 keeps the original form. */
const lineRef = (orderId: number, revision: number, lineNo: number) =>
  revision ? `order:${orderId}:v${revision}:line:${lineNo}` : `order:${orderId}:line:${lineNo}`;

interface StockLine {
  line_no: number;
  product_id: number;
  quantity: number;
}

const stockLines = (tx: Executor, orderId: number) =>
  rows<StockLine>(tx, sql`select line_no, product_id, quantity from order_lines where order_id = ${orderId} and product_id is not null order by line_no`);

/** How much is currently out for a line: sales written off minus returns booked, by their references. */
async function outstanding(tx: Executor, orderId: number, revision: number, lineNo: number): Promise<number> {
  const [row] = await rows<{ out: number }>(
    tx,
    sql`select coalesce(-sum(quantity), 0)::int as out from stock_movements
         where reference like ${`${lineRef(orderId, revision, lineNo)}:%`} and type in ('sale', 'return')`,
  );
  return row.out;
}

/** Which cycle of write-off/return this is: an order cancelled and reopened writes off again under a new reference. */
async function cycle(tx: Executor, orderId: number): Promise<number> {
  const [row] = await rows<{ n: number }>(
    tx,
    sql`select count(*)::int as n from order_status_history where order_id = ${orderId}`,
  );
  return row.n;
}

async function writeOffLines(tx: Tx, orderId: number, warehouseId: number, revision: number, actor: string) {
  const notes: string[] = [];
  const n = await cycle(tx, orderId);
  for (const line of await stockLines(tx, orderId)) {
    const [level] = await rows<{ available: number }>(
      tx,
      sql`select (on_hand - reserved)::int as available from stock_levels where product_id = ${line.product_id} and warehouse_id = ${warehouseId}`,
    );
    const quantity = Math.min(line.quantity, Math.max(0, level?.available ?? 0));
    if (quantity < line.quantity) notes.push(`line ${line.line_no}: ${line.quantity} sold, ${quantity} in stock`);
    if (quantity === 0) continue;
    // A savepoint: a shortage found at write time must not abort the order's transaction.
    try {
      await tx.transaction((sp) =>
        recordMovement(sp, {
          type: 'sale', productId: line.product_id, warehouseId, quantity,
          reason: `order ${orderId}`, reference: `${lineRef(orderId, revision, line.line_no)}:sale:${n}`,
        }, actor),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'STOCK_INSUFFICIENT') throw error;
      notes.push(`line ${line.line_no}: could not be written off (${error.message})`);
    }
  }
  if (notes.length) await tx.execute(sql`update orders set stock_note = ${notes.join('; ')} where id = ${orderId}`);
}

async function returnLines(tx: Tx, orderId: number, warehouseId: number, revision: number, actor: string, why = 'cancelled') {
  const n = await cycle(tx, orderId);
  for (const line of await stockLines(tx, orderId)) {
    const out = await outstanding(tx, orderId, revision, line.line_no);
    if (out <= 0) continue;
    await recordMovement(tx, {
      type: 'return', productId: line.product_id, warehouseId, quantity: out,
      reason: `order ${orderId} ${why}`, reference: `${lineRef(orderId, revision, line.line_no)}:return:${n}`,
    }, actor);
  }
}
