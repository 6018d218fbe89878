import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { addToOutbox } from '../engine/outbox.ts';
import type { StoredOrder } from '../orders/hooks.ts';
import { notFound } from '../shared/errors.ts';
import { linkOf, shipsWith, type DeliveryDefaults } from './links.ts';

/**
 * Packages: an order a delivery service ships (an Ozon posting CDEK delivers), with what its
 * delivery order needs (recipient, address or pick-up point, weight and size, the goods) and
 * what became of it (the service's number and status, the waybill). Made by the order hook in
 * the transaction that stores the order, with its first outbox event: support finds the events
 * by `topic:key` as seed 004 names them, `ProcessDeliveryJob:Package:{id}` and then
 * `GenerateDeliveryDocumentsJob:Package:{id}`.
 */

export const PROCESS_TOPIC = 'ProcessDeliveryJob';
export const DOCUMENTS_TOPIC = 'GenerateDeliveryDocumentsJob';
export const packageKey = (id: number) => `Package:${id}`;

export const packageStates = ['new', 'pending', 'made', 'invalid'] as const;
export type PackageState = (typeof packageStates)[number];

export interface Recipient {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
}

export interface PackageAddress {
  countryCode?: string | null;
  region?: string | null;
  city?: string | null;
  address?: string | null;
  postalCode?: string | null;
}

export interface PackageItem {
  sku: string;
  name: string;
  quantity: number;
  price_minor: number;
}

/** A field the delivery order lacks or has wrong, found before anything is sent. */
export interface Problem {
  field: string;
  reason: string;
}

export interface PackageRow {
  id: number;
  order_id: number;
  account_id: number;
  delivery_account_id: number;
  posting_number: string;
  number: string;
  state: PackageState;
  recipient: Recipient;
  address: PackageAddress | null;
  delivery_point: string | null;
  weight_grams: number | null;
  length_cm: number | null;
  width_cm: number | null;
  height_cm: number | null;
  items: PackageItem[];
  currency: string;
  problems: Problem[];
  error: string | null;
  delivery_uuid: string | null;
  tracking_number: string | null;
  delivery_status: string | null;
  made_by_hand: boolean;
  look_up_first: boolean;
  waybill_uuid: string | null;
  waybill_url: string | null;
  polls: number;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
  accepted_at: string | null;
  made_at: string | null;
  waybill_requested_at: string | null;
  waybill_at: string | null;
}

export const packageColumns = sql`p.id, p.order_id, p.account_id, p.delivery_account_id, p.posting_number, p.number, p.state, p.recipient,
  p.address, p.delivery_point, p.weight_grams, p.length_cm, p.width_cm, p.height_cm, p.items, p.currency, p.problems, p.error,
  p.delivery_uuid, p.tracking_number, p.delivery_status, p.made_by_hand, p.look_up_first, p.waybill_uuid, p.waybill_url, p.polls,
  iso(p.lease_until) as lease_until, iso(p.created_at) as created_at, iso(p.updated_at) as updated_at, iso(p.accepted_at) as accepted_at,
  iso(p.made_at) as made_at, iso(p.waybill_requested_at) as waybill_requested_at, iso(p.waybill_at) as waybill_at`;

/** Ids come back from the drivers as strings or numbers (bigint); the rest as written. */
export const packageOf = (r: PackageRow): PackageRow => ({
  ...r,
  id: Number(r.id),
  order_id: Number(r.order_id),
  account_id: Number(r.account_id),
  delivery_account_id: Number(r.delivery_account_id),
});

// The order's shipping as a connector stored it (ShippingFact); a field of another shape counts as missing.
const text = z.string().trim().min(1).nullish().catch(null);
const positive = z.number().int().positive().nullish().catch(null);
const shippingRead = z
  .object({
    methodId: text,
    warehouseId: text,
    recipient: z.object({ name: text, phone: text, email: text }).nullish().catch(null),
    address: z
      .object({ countryCode: text, region: text, city: text, address: text, postalCode: text })
      .nullish()
      .catch(null),
    deliveryPoint: text,
    weightGrams: positive,
    dimensionsCm: z
      .object({
        length: z.number().int().positive(),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
      })
      .nullish()
      .catch(null),
  })
  .catch({
    methodId: null,
    warehouseId: null,
    recipient: null,
    address: null,
    deliveryPoint: null,
    weightGrams: null,
    dimensionsCm: null,
  });

/** Orders still waiting to be shipped; an order first seen delivered or cancelled gets no delivery order. */
const toShip = new Set(['new', 'confirmed']);

/**
 * The order hook (src/orders/hooks.ts): an order of a linked account that the link's service
 * ships becomes a package, once per posting (a re-import finds it), with its first outbox
 * event in the same transaction.
 */
export async function deliveryOrderHook(tx: Tx, order: StoredOrder) {
  if (!order.accountId || !order.shipping || !toShip.has(order.status)) return;
  const link = await linkOf(tx, order.accountId);
  if (!link) return;
  const shipping = shippingRead.parse(order.shipping);
  if (!shipsWith(link, shipping)) return;
  const posting = order.postingNumber ?? order.externalId;
  const d: DeliveryDefaults = link.defaults;
  const size = shipping.dimensionsCm;
  const recipient = {
    name: shipping.recipient?.name ?? null,
    phone: shipping.recipient?.phone ?? d.phone ?? null,
    email: shipping.recipient?.email ?? null,
  };
  const [made] = await rows<{ id: number }>(
    tx,
    sql`insert into packages (order_id, account_id, delivery_account_id, posting_number, number, recipient, address, delivery_point,
                              weight_grams, length_cm, width_cm, height_cm, items, currency)
        select o.id, ${order.accountId}, ${link.delivery_account_id}, ${posting}, ${link.number_prefix + posting},
               ${JSON.stringify(recipient)}::jsonb, ${shipping.address ? JSON.stringify(shipping.address) : null}::jsonb, ${shipping.deliveryPoint},
               ${shipping.weightGrams ?? d.weight_grams ?? null}::int, ${size?.length ?? d.length_cm ?? null}::int,
               ${size?.width ?? d.width_cm ?? null}::int, ${size?.height ?? d.height_cm ?? null}::int,
               coalesce((select jsonb_agg(jsonb_build_object('sku', l.sku, 'name', l.name, 'quantity', l.quantity, 'price_minor', l.price_minor)
                                          order by l.line_no)
                           from order_lines l where l.order_id = o.id), '[]'::jsonb),
               o.currency
          from orders o where o.id = ${order.orderId}
        on conflict do nothing
        returning id`,
  );
  if (made)
    await addToOutbox(tx, {
      topic: PROCESS_TOPIC,
      key: packageKey(Number(made.id)),
      payload: { packageId: Number(made.id), orderId: order.orderId },
    });
}

export async function getPackage(ex: Executor, id: number, options: { forUpdate?: boolean } = {}): Promise<PackageRow> {
  const [found] = await rows<PackageRow>(
    ex,
    sql`select ${packageColumns} from packages p where p.id = ${id} ${options.forUpdate ? sql`for update` : sql``}`,
  );
  if (!found) throw notFound('Package', id);
  return packageOf(found);
}

export interface PackageFilter {
  /** One of its numbers: ours (OZ-…), the posting's, or the service's. */
  q?: string;
  state?: PackageState;
  orderId?: number;
  limit: number;
  offset: number;
}

export async function findPackages(
  ex: Executor,
  filter: PackageFilter,
): Promise<{ items: PackageRow[]; total: number }> {
  const where: SQL[] = [sql`true`];
  const q = filter.q?.trim();
  if (q) where.push(sql`(p.number = ${q} or p.posting_number = ${q} or p.tracking_number = ${q})`);
  if (filter.state) where.push(sql`p.state = ${filter.state}`);
  if (filter.orderId) where.push(sql`p.order_id = ${filter.orderId}`);
  const found = await rows<PackageRow & { total: number }>(
    ex,
    sql`select ${packageColumns}, count(*) over () as total from packages p
         where ${sql.join(where, sql` and `)} order by p.id desc limit ${filter.limit} offset ${filter.offset}`,
  );
  return { items: found.map(({ total: _t, ...p }) => packageOf(p as PackageRow)), total: Number(found[0]?.total ?? 0) };
}

export type EventState = 'done' | 'dead' | 'running' | 'waiting';

export interface PackageEvent {
  id: number;
  /** As seed 004 names it: `ProcessDeliveryJob:Package:{id}`. */
  name: string;
  topic: string;
  state: EventState;
  attempts: number;
  created_at: string;
  available_at: string | null;
  processed_at: string | null;
  dead_at: string | null;
  last_error: string | null;
  errors: { id: number; attempt: number; error: string; http_status: number | null; at: string }[];
}

/** A package's outbox events, oldest first, each with its failed attempts (outbox_errors). */
export async function packageEvents(ex: Executor, packageId: number): Promise<PackageEvent[]> {
  const events = await rows<Omit<PackageEvent, 'errors'>>(
    ex,
    sql`select o.id, o.topic || ':' || o.key as name, o.topic, o.attempts, iso(o.created_at) as created_at, iso(o.available_at) as available_at,
               iso(o.processed_at) as processed_at, iso(o.dead_at) as dead_at, o.last_error,
               case when o.processed_at is not null then 'done' when o.dead_at is not null then 'dead'
                    when o.lease_until > now() then 'running' else 'waiting' end as state
          from outbox o
         where o.topic in (${PROCESS_TOPIC}, ${DOCUMENTS_TOPIC}) and o.key = ${packageKey(packageId)}
         order by o.id`,
  );
  const ids = events.map((e) => Number(e.id));
  const errors = ids.length
    ? await rows<PackageEvent['errors'][number] & { outbox_id: number }>(
        ex,
        sql`select id, outbox_id, attempt, error, http_status, iso(at) as at from outbox_errors
             where outbox_id = any(${sql.param(ids)}::bigint[]) order by id`,
      )
    : [];
  return events.map((e) => ({
    ...e,
    id: Number(e.id),
    errors: errors
      .filter((x) => Number(x.outbox_id) === Number(e.id))
      .map(({ outbox_id: _o, ...x }) => ({ ...x, id: Number(x.id) })),
  }));
}

/** What the CRM flow puts on the deal: the order's delivery order, its service number and status (null: no package). */
export async function deliveryOfOrder(
  ex: Executor,
  orderId: number,
): Promise<{ number: string; trackingNumber: string | null; status: string | null; state: PackageState } | null> {
  const [p] = await rows<{
    number: string;
    tracking_number: string | null;
    delivery_status: string | null;
    state: PackageState;
  }>(
    ex,
    sql`select number, tracking_number, delivery_status, state from packages where order_id = ${orderId} order by id desc limit 1`,
  );
  return p ? { number: p.number, trackingNumber: p.tracking_number, status: p.delivery_status, state: p.state } : null;
}
