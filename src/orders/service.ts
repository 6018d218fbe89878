import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { addManyToOutbox, addToOutbox } from '../engine/outbox.ts';
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
  const [existing] = await rows<{
    id: number;
    status: OrderStatus;
    warehouse_id: number | null;
    lines_revision: number;
  }>(
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
    await addToOutbox(tx, {
      topic: 'order.created',
      key: created.id,
      payload: { status: order.status, accountId: order.accountId },
    });
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
    if (warehouseId && holdsStock(existing.status) && !holdsStock(order.status))
      await returnLines(tx, existing.id, warehouseId, revision, actor);
    if (warehouseId && !holdsStock(existing.status) && holdsStock(order.status))
      await writeOffLines(tx, existing.id, warehouseId, revision, actor);
  }
  if (statusChanged || linesChanged) {
    await addToOutbox(tx, {
      topic: 'order.changed',
      key: existing.id,
      payload: {
        status: order.status,
        previousStatus: existing.status,
        accountId: order.accountId,
        ...(linesChanged ? { linesChanged: true } : {}),
      },
    });
  }
  await runOrderHooks(tx, stored(order, existing.id, false, statusChanged));
  return { orderId: existing.id, created: false, statusChanged, previousStatus: existing.status };
}

/**
 * Sets an order's status as a channel confirmed it after a seller's action (src/orders/actions.ts):
 * the same consequences as a pulled status change in upsertOrder (history, the stock returned on a
 * cancellation, `order.changed`, the flows' hooks). Answers whether the status changed.
 */
export async function setOrderStatus(
  tx: Tx,
  orderId: number,
  status: OrderStatus,
  channelStatus: string | null,
  actor: string,
): Promise<boolean> {
  const [o] = await rows<{
    status: OrderStatus;
    warehouse_id: number | null;
    lines_revision: number;
    account_id: number | null;
    channel: string;
    external_id: string;
    posting_number: string | null;
    shipping: Record<string, unknown> | null;
  }>(
    tx,
    sql`select status, warehouse_id, lines_revision, account_id, channel, external_id, posting_number, shipping from orders where id = ${orderId} for update`,
  );
  if (!o) throw new Error(`Order ${orderId} does not exist`);
  await tx.execute(
    sql`update orders set status = ${status}, channel_status = coalesce(${channelStatus}, channel_status), updated_at = now() where id = ${orderId}`,
  );
  if (o.status === status) return false;
  await addStatusHistory(tx, orderId, status, channelStatus, actor);
  const warehouseId = o.warehouse_id === null ? null : Number(o.warehouse_id);
  if (warehouseId && holdsStock(o.status) && !holdsStock(status))
    await returnLines(tx, orderId, warehouseId, o.lines_revision, actor);
  if (warehouseId && !holdsStock(o.status) && holdsStock(status))
    await writeOffLines(tx, orderId, warehouseId, o.lines_revision, actor);
  const accountId = o.account_id === null ? null : Number(o.account_id);
  await addToOutbox(tx, {
    topic: 'order.changed',
    key: orderId,
    payload: { status, previousStatus: o.status, accountId },
  });
  await runOrderHooks(tx, {
    orderId,
    created: false,
    statusChanged: true,
    accountId,
    channel: o.channel,
    externalId: o.external_id,
    postingNumber: o.posting_number,
    status,
    shipping: o.shipping,
  });
  return true;
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

async function addStatusHistory(
  tx: Executor,
  orderId: number,
  status: string,
  channelStatus: string | null,
  actor: string,
) {
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

type StoredLineRow = { product_id: number | null; sku: string; quantity: number; price_minor: number };

/** A line as a comparable key: its product, SKU, quantity and price. */
const lineKey = (productId: number | null, sku: string, quantity: number, priceMinor: number) =>
  `${productId ?? '-'}|${sku}|${quantity}|${priceMinor}`;
const storedLineKey = (l: StoredLineRow) =>
  lineKey(l.product_id === null ? null : Number(l.product_id), l.sku, Number(l.quantity), Number(l.price_minor));
const inputLineKey = (l: OrderLine) => lineKey(l.productId, l.sku, l.quantity, l.priceMinor);

/** The same lines in another order are the same order (some channels list them in any order). */
function sameLines(before: string[], after: string[]): boolean {
  const [a, b] = [[...before].sort(), [...after].sort()];
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

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
  const current = await rows<StoredLineRow>(
    tx,
    sql`select product_id, sku, quantity, price_minor from order_lines where order_id = ${existing.id}`,
  );
  if (sameLines(current.map(storedLineKey), lines.map(inputLineKey))) return false;
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
  rows<StockLine>(
    tx,
    sql`select line_no, product_id, quantity from order_lines where order_id = ${orderId} and product_id is not null order by line_no`,
  );

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
        recordMovement(
          sp,
          {
            type: 'sale',
            productId: line.product_id,
            warehouseId,
            quantity,
            reason: `order ${orderId}`,
            reference: `${lineRef(orderId, revision, line.line_no)}:sale:${n}`,
          },
          actor,
        ),
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'STOCK_INSUFFICIENT') throw error;
      notes.push(`line ${line.line_no}: could not be written off (${error.message})`);
    }
  }
  if (notes.length) await tx.execute(sql`update orders set stock_note = ${notes.join('; ')} where id = ${orderId}`);
}

async function returnLines(
  tx: Tx,
  orderId: number,
  warehouseId: number,
  revision: number,
  actor: string,
  why = 'cancelled',
) {
  const n = await cycle(tx, orderId);
  for (const line of await stockLines(tx, orderId)) {
    const out = await outstanding(tx, orderId, revision, line.line_no);
    if (out <= 0) continue;
    await recordMovement(
      tx,
      {
        type: 'return',
        productId: line.product_id,
        warehouseId,
        quantity: out,
        reason: `order ${orderId} ${why}`,
        reference: `${lineRef(orderId, revision, line.line_no)}:return:${n}`,
      },
      actor,
    );
  }
}

interface ExistingOrder {
  id: number;
  external_id: string;
  status: OrderStatus;
  warehouse_id: number | null;
}

/**
 * upsertOrder for a chunk of orders of one channel account, set-based (decision 180): the
 * existing orders and their lines are read in two statements, new orders go in with one
 * `insert … select from unnest(…)` (their lines, status history and outbox rows with one
 * each), changed ones with one `update … from unnest(…) where … is distinct from …`, and an
 * unchanged one writes nothing. An order whose storing moves stock (a new one that holds
 * stock from a warehouse, a status crossing between holding and not, lines that change) or that
 * another transaction made meanwhile goes through upsertOrder, so the ledger references,
 * lines revisions and notes stay exactly its own. Every order's hooks run, as upsertOrder runs
 * them. The results are in the order of `inputs`.
 */
export async function upsertOrders(tx: Tx, inputs: OrderInput[], actor: string): Promise<UpsertOrderResult[]> {
  const orders = inputs.map((i) => orderInput.parse(i));
  if (!orders.length) return [];
  const keyOf = (o: { channel: string; accountId: number | null; externalId: string }) =>
    `${o.channel}\u0000${o.accountId ?? 0}\u0000${o.externalId}`;
  if (new Set(orders.map(keyOf)).size !== orders.length)
    throw new Error('upsertOrders: an order is named twice in one chunk');
  const channels = orders.map((o) => o.channel);
  const accounts = orders.map((o) => o.accountId ?? 0);
  const externalIds = orders.map((o) => o.externalId);
  const found = await rows<ExistingOrder & { channel: string; account: number }>(
    tx,
    sql`
    select o.id, o.channel, coalesce(o.account_id, 0) as account, o.external_id, o.status, o.warehouse_id
      from orders o
      join unnest(${sql.param(channels)}::text[], ${sql.param(accounts)}::bigint[], ${sql.param(externalIds)}::text[]) as k(channel, account, external_id)
        on o.channel = k.channel and coalesce(o.account_id, 0) = k.account and o.external_id = k.external_id
     -- Said again as lists, so the planner reaches the rows by the unique index, not by a scan of all orders.
     where o.channel = any(${sql.param([...new Set(channels)])}::text[]) and coalesce(o.account_id, 0) = any(${sql.param([...new Set(accounts)])}::bigint[])
       and o.external_id = any(${sql.param(externalIds)}::text[])
     order by o.id
       for update of o`,
  );
  const existing = new Map(
    found.map((e) => [
      keyOf({ channel: e.channel, accountId: Number(e.account), externalId: e.external_id }),
      { ...e, id: Number(e.id), warehouse_id: e.warehouse_id === null ? null : Number(e.warehouse_id) },
    ]),
  );
  const storedLines = new Map<number, string[]>();
  if (found.length) {
    const current = await rows<StoredLineRow & { order_id: number }>(
      tx,
      sql`
      select order_id, product_id, sku, quantity, price_minor from order_lines where order_id = any(${sql.param(found.map((e) => Number(e.id)))}::bigint[])`,
    );
    for (const l of current) {
      const id = Number(l.order_id);
      if (!storedLines.has(id)) storedLines.set(id, []);
      storedLines.get(id)!.push(storedLineKey(l));
    }
  }

  const results = new Array<UpsertOrderResult | undefined>(orders.length);
  const alone: number[] = [];
  const fresh: number[] = [];
  const changed: { i: number; before: ExistingOrder }[] = [];
  for (const [i, order] of orders.entries()) {
    const before = existing.get(keyOf(order));
    if (!before) {
      if (holdsStock(order.status) && order.warehouseId) alone.push(i);
      else fresh.push(i);
      continue;
    }
    const linesChanged = !sameLines(storedLines.get(before.id) ?? [], order.lines.map(inputLineKey));
    const crosses = before.warehouse_id !== null && holdsStock(before.status) !== holdsStock(order.status);
    if (linesChanged || crosses) alone.push(i);
    else changed.push({ i, before });
  }

  const actorHistory: { orderId: number; status: string; channelStatus: string | null }[] = [];
  const outbox = new Map<string, { topic: string; payload: Record<string, unknown>; keys: number[] }>();
  const announce = (topic: string, orderId: number, payload: Record<string, unknown>) => {
    const key = `${topic}|${JSON.stringify(payload)}`;
    if (!outbox.has(key)) outbox.set(key, { topic, payload, keys: [] });
    outbox.get(key)!.keys.push(orderId);
  };

  if (fresh.length) {
    const list = fresh.map((i) => orders[i]);
    const made = await rows<{ id: number; external_id: string }>(
      tx,
      sql`
      insert into orders (account_id, channel, external_id, posting_number, status, channel_status, ordered_at,
                          currency, total_minor, warehouse_id, customer, shipping, raw)
      select account_id, channel, external_id, posting_number, status, channel_status, ordered_at,
             currency, total_minor, warehouse_id, customer::jsonb, shipping::jsonb, raw::jsonb
        from unnest(${sql.param(list.map((o) => o.accountId))}::bigint[], ${sql.param(list.map((o) => o.channel))}::text[],
                    ${sql.param(list.map((o) => o.externalId))}::text[], ${sql.param(list.map((o) => o.postingNumber ?? null))}::text[],
                    ${sql.param(list.map((o) => o.status))}::text[], ${sql.param(list.map((o) => o.channelStatus ?? null))}::text[],
                    ${sql.param(list.map((o) => o.orderedAt))}::timestamptz[], ${sql.param(list.map((o) => o.currency))}::text[],
                    ${sql.param(list.map((o) => o.totalMinor))}::bigint[], ${sql.param(list.map((o) => o.warehouseId ?? null))}::bigint[],
                    ${sql.param(list.map((o) => json(o.customer)))}::text[], ${sql.param(list.map((o) => json(o.shipping)))}::text[],
                    ${sql.param(list.map((o) => json(o.raw)))}::text[])
             as v(account_id, channel, external_id, posting_number, status, channel_status, ordered_at, currency, total_minor,
                  warehouse_id, customer, shipping, raw)
      on conflict do nothing
      returning id, external_id`,
    );
    const idOf = new Map(made.map((m) => [m.external_id, Number(m.id)]));
    const lines: { orderId: number; lineNo: number; line: OrderLine }[] = [];
    for (const i of fresh) {
      const order = orders[i];
      const orderId = idOf.get(order.externalId);
      // Made by another transaction since the read above: upsertOrder takes it as it finds it.
      if (orderId === undefined) {
        alone.push(i);
        continue;
      }
      for (const [n, line] of order.lines.entries()) lines.push({ orderId, lineNo: n + 1, line });
      actorHistory.push({ orderId, status: order.status, channelStatus: order.channelStatus ?? null });
      announce('order.created', orderId, { status: order.status, accountId: order.accountId });
      results[i] = { orderId, created: true, statusChanged: false, previousStatus: null };
    }
    if (lines.length) {
      await tx.execute(sql`
        insert into order_lines (order_id, line_no, product_id, sku, external_sku, name, quantity, price_minor)
        select * from unnest(${sql.param(lines.map((l) => l.orderId))}::bigint[], ${sql.param(lines.map((l) => l.lineNo))}::int[],
                             ${sql.param(lines.map((l) => l.line.productId))}::bigint[], ${sql.param(lines.map((l) => l.line.sku))}::text[],
                             ${sql.param(lines.map((l) => l.line.externalSku ?? null))}::text[], ${sql.param(lines.map((l) => l.line.name))}::text[],
                             ${sql.param(lines.map((l) => l.line.quantity))}::int[], ${sql.param(lines.map((l) => l.line.priceMinor))}::bigint[])`);
    }
  }

  if (changed.length) {
    const list = changed.map(({ i }) => orders[i]);
    // Only what differs is written: a replayed chunk updates no row.
    await tx.execute(sql`
      update orders o
         set status = v.status, channel_status = v.channel_status, posting_number = coalesce(v.posting_number, o.posting_number),
             total_minor = v.total_minor, customer = coalesce(v.customer::jsonb, o.customer), shipping = coalesce(v.shipping::jsonb, o.shipping),
             raw = coalesce(v.raw::jsonb, o.raw), updated_at = now()
        from unnest(${sql.param(changed.map((c) => c.before.id))}::bigint[], ${sql.param(list.map((o) => o.status))}::text[],
                    ${sql.param(list.map((o) => o.channelStatus ?? null))}::text[], ${sql.param(list.map((o) => o.postingNumber ?? null))}::text[],
                    ${sql.param(list.map((o) => o.totalMinor))}::bigint[], ${sql.param(list.map((o) => json(o.customer)))}::text[],
                    ${sql.param(list.map((o) => json(o.shipping)))}::text[], ${sql.param(list.map((o) => json(o.raw)))}::text[])
             as v(id, status, channel_status, posting_number, total_minor, customer, shipping, raw)
       where o.id = v.id and o.id = any(${sql.param(changed.map((c) => c.before.id))}::bigint[])
         and (o.status, o.channel_status, o.posting_number, o.total_minor, o.customer, o.shipping, o.raw)
             is distinct from
             (v.status, v.channel_status, coalesce(v.posting_number, o.posting_number), v.total_minor,
              coalesce(v.customer::jsonb, o.customer), coalesce(v.shipping::jsonb, o.shipping), coalesce(v.raw::jsonb, o.raw))`);
    for (const { i, before } of changed) {
      const order = orders[i];
      const statusChanged = before.status !== order.status;
      if (statusChanged) {
        actorHistory.push({ orderId: before.id, status: order.status, channelStatus: order.channelStatus ?? null });
        announce('order.changed', before.id, {
          status: order.status,
          previousStatus: before.status,
          accountId: order.accountId,
        });
      }
      results[i] = { orderId: before.id, created: false, statusChanged, previousStatus: before.status };
    }
  }

  if (actorHistory.length) {
    await tx.execute(sql`
      insert into order_status_history (order_id, status, channel_status, actor)
      select order_id, status, channel_status, ${actor}::text
        from unnest(${sql.param(actorHistory.map((h) => h.orderId))}::bigint[], ${sql.param(actorHistory.map((h) => h.status))}::text[],
                    ${sql.param(actorHistory.map((h) => h.channelStatus))}::text[]) as h(order_id, status, channel_status)`);
  }
  for (const { topic, payload, keys } of outbox.values()) await addManyToOutbox(tx, topic, keys, payload);
  for (const [i, result] of results.entries()) {
    if (result) await runOrderHooks(tx, stored(orders[i], result.orderId, result.created, result.statusChanged));
  }
  // One at a time, as before: these move stock (or were made meanwhile).
  for (const i of alone.sort((a, b) => a - b)) results[i] = await upsertOrder(tx, inputs[i], actor);
  return results as UpsertOrderResult[];
}
