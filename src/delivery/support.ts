import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { diffFields, recordOperation } from '../audit/operations.ts';
import { requireModule } from '../channels/core/module.ts';
import { requestCrmExport } from '../crm/requests.ts';
import { rows, type Executor, type Tx } from '../db/database.ts';
import { addToOutbox } from '../engine/outbox.ts';
import type { Hub } from '../hub.ts';
import { DomainError } from '../shared/errors.ts';
import { draftOf } from './draft.ts';
import { DOCUMENTS_TOPIC, getPackage, packageKey, PROCESS_TOPIC, type PackageRow } from './packages.ts';

/**
 * What support does with a package (seed 004 §4): fix what the service refused or what was
 * missing and send it again, or record the delivery order the service's support made by hand,
 * so the flow goes on to the waybill. Each action is one transaction with its outbox event and
 * an `operations` row naming who did it; a worker holding the package makes it wait.
 */

const text = (max: number) => z.string().trim().min(1).max(max);
const size = z.number().int().positive().max(1_000);

export const packageFix = z
  .object({
    recipient: z
      .object({ name: text(255), phone: text(30), email: z.email().nullable() })
      .partial()
      .strict(),
    address: z
      .object({
        countryCode: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, e.g. RU'),
        region: text(255).nullable(),
        city: text(255),
        address: text(255),
        postalCode: z.string().trim().max(20).nullable(),
      })
      .partial()
      .strict(),
    delivery_point: text(50).nullable(),
    weight_grams: z.number().int().positive().max(1_000_000),
    length_cm: size,
    width_cm: size,
    height_cm: size,
  })
  .partial()
  .strict();
export type PackageFix = z.infer<typeof packageFix>;

/** The service's number of a delivery order support had made by hand (CDEK's order number). */
export const trackingNumber = text(40).regex(/^[\x21-\x7E]+$/, 'letters, digits and signs');

const fixFields = [
  'recipient',
  'address',
  'delivery_point',
  'weight_grams',
  'length_cm',
  'width_cm',
  'height_cm',
  'state',
] as const;

/** The package, locked for this transaction, and a check that throws while a worker holds it (after the caller's own checks). */
async function lockPackage(tx: Tx, id: number): Promise<{ p: PackageRow; notBusy: () => void }> {
  const p = await getPackage(tx, id, { forUpdate: true });
  const [held] = await rows<{ busy: boolean }>(
    tx,
    sql`select coalesce(lease_until > now(), false) as busy from packages where id = ${id}`,
  );
  const notBusy = () => {
    if (held.busy)
      throw new DomainError('PACKAGE_BUSY', `Package ${id} is being sent right now; try again in a moment`, 409, {
        package_id: id,
        number: p.number,
      });
  };
  return { p, notBusy };
}

/** The package's outbox events of a topic still to run (waiting, put off or running). */
async function liveEvent(ex: Executor, id: number, topic: string): Promise<number | null> {
  const [found] = await rows<{ id: number }>(
    ex,
    sql`select id from outbox where topic = ${topic} and key = ${packageKey(id)} and processed_at is null and dead_at is null order by id limit 1`,
  );
  return found ? Number(found.id) : null;
}

const inFlight = (p: PackageRow, topic: string, eventId: number) =>
  new DomainError(
    'PACKAGE_IN_FLIGHT',
    `Package ${p.id} is still on its way (${topic}:${packageKey(p.id)}, outbox ${eventId}); wait for its outcome`,
    409,
    {
      package_id: p.id,
      event: `${topic}:${packageKey(p.id)}`,
      outbox_id: eventId,
    },
  );

const alreadyMade = (p: PackageRow) =>
  new DomainError(
    'PACKAGE_ALREADY_MADE',
    `Package ${p.id} is made already: delivery order ${p.number}${p.tracking_number ? ` (number ${p.tracking_number})` : ''}`,
    409,
    {
      package_id: p.id,
      number: p.number,
      tracking_number: p.tracking_number,
    },
  );

const pending = (p: PackageRow) =>
  new DomainError(
    'PACKAGE_PENDING',
    `Delivery order ${p.number} is being checked by the service; it can be retried, not changed, until its verdict`,
    409,
    {
      package_id: p.id,
      number: p.number,
    },
  );

async function serviceOf(ex: Executor, deliveryAccountId: number) {
  const [account] = await rows<{ channel: string }>(
    ex,
    sql`select channel from channel_accounts where id = ${deliveryAccountId}`,
  );
  const service = account ? requireModule(account.channel).delivery : undefined;
  if (!service)
    throw new DomainError('NOT_A_DELIVERY_ACCOUNT', `Account ${deliveryAccountId} is no delivery service's`, 409, {
      account_id: deliveryAccountId,
      channel: account?.channel ?? null,
    });
  return service;
}

/**
 * Sends the package again, with what support fixed (checked first: a package that still lacks
 * something is refused with the list, and nothing changes). A made package without its waybill
 * asks for the waybill again.
 */
export async function retryPackage(hub: Hub, id: number, fix: PackageFix, actor: string): Promise<PackageRow> {
  return hub.db.transaction(async (tx) => {
    const { p, notBusy } = await lockPackage(tx, id);
    const changing = Object.keys(fix).length > 0;
    if (p.state === 'made') {
      if (changing || p.waybill_url) throw alreadyMade(p);
      const live = await liveEvent(tx, id, DOCUMENTS_TOPIC);
      if (live) throw inFlight(p, DOCUMENTS_TOPIC, live);
      notBusy();
      await addToOutbox(tx, {
        topic: DOCUMENTS_TOPIC,
        key: packageKey(id),
        payload: { packageId: id, orderId: p.order_id, retriedBy: actor },
      });
      await recordOperation(tx, {
        entityType: 'package',
        entityId: id,
        action: 'retry',
        actor,
        changes: { waybill: { before: null, after: 'requested' } },
      });
      return getPackage(tx, id);
    }
    const live = await liveEvent(tx, id, PROCESS_TOPIC);
    if (live) throw inFlight(p, PROCESS_TOPIC, live);
    if (p.state === 'pending' && changing) throw pending(p);
    notBusy();
    const fixed: PackageRow = {
      ...p,
      recipient: { ...p.recipient, ...fix.recipient },
      address: fix.address ? { ...p.address, ...fix.address } : p.address,
      delivery_point: fix.delivery_point !== undefined ? fix.delivery_point : p.delivery_point,
      weight_grams: fix.weight_grams ?? p.weight_grams,
      length_cm: fix.length_cm ?? p.length_cm,
      width_cm: fix.width_cm ?? p.width_cm,
      height_cm: fix.height_cm ?? p.height_cm,
      // A refused request is over: the next attempt makes a new one (a pending one is asked about again).
      state: p.state === 'pending' ? 'pending' : 'new',
    };
    const { problems } = draftOf(fixed, await serviceOf(tx, p.delivery_account_id));
    if (problems.length) {
      throw new DomainError(
        'PACKAGE_NOT_SENDABLE',
        `Package ${id} still lacks: ${problems.map((x) => `${x.field} (${x.reason})`).join(', ')}`,
        422,
        {
          package_id: id,
          fields: problems.map((x) => x.field),
          problems,
        },
      );
    }
    await tx.execute(sql`
      update packages set recipient = ${JSON.stringify(fixed.recipient)}::jsonb, address = ${fixed.address ? JSON.stringify(fixed.address) : null}::jsonb,
             delivery_point = ${fixed.delivery_point}, weight_grams = ${fixed.weight_grams}, length_cm = ${fixed.length_cm}, width_cm = ${fixed.width_cm},
             height_cm = ${fixed.height_cm}, state = ${fixed.state}, problems = '[]'::jsonb, error = null, polls = 0,
             -- the service's support may have made it by hand meanwhile: found, not made twice
             look_up_first = true,
             delivery_uuid = case when ${fixed.state} = 'new' then null else delivery_uuid end, updated_at = now()
       where id = ${id}`);
    const [reset] = await rows<{ id: number }>(
      tx,
      sql`update orders set delivery_state = 'not_sent', delivery_error = null, updated_at = now()
           where id = ${p.order_id} and delivery_state = 'send_error' returning id`,
    );
    if (reset) await requestCrmExport(tx, p.order_id, 'delivery order retried');
    await addToOutbox(tx, {
      topic: PROCESS_TOPIC,
      key: packageKey(id),
      payload: { packageId: id, orderId: p.order_id, retriedBy: actor },
    });
    await recordOperation(tx, {
      entityType: 'package',
      entityId: id,
      action: 'retry',
      actor,
      changes: diffFields({ ...p }, { ...fixed }, fixFields),
    });
    return getPackage(tx, id);
  });
}

/**
 * The service's support made the delivery order by hand (seed 004: asked in the CDEK chat, with
 * OZ-{posting_number}): the package is made with its number, the order sent, and the flow goes
 * on to the waybill, finding the order at the service under our number.
 */
export async function markMadeByHand(hub: Hub, id: number, number: string, actor: string): Promise<PackageRow> {
  const tracking = trackingNumber.parse(number);
  return hub.db.transaction(async (tx) => {
    const { p, notBusy } = await lockPackage(tx, id);
    if (p.state === 'made') throw alreadyMade(p);
    // The service is still checking our request: made by hand as well, there would be two.
    if (p.state === 'pending') throw pending(p);
    notBusy();
    await tx.execute(sql`
      update packages set state = 'made', made_by_hand = true, tracking_number = ${tracking}, delivery_uuid = null, delivery_status = null,
             error = null, problems = '[]'::jsonb, polls = 0, made_at = now(), updated_at = now()
       where id = ${id}`);
    await tx.execute(sql`
      update orders set delivery_state = 'sent', delivery_id = ${tracking}, delivery_error = null, updated_at = now() where id = ${p.order_id}`);
    await requestCrmExport(tx, p.order_id, 'delivery order made by hand');
    if (!(await liveEvent(tx, id, DOCUMENTS_TOPIC))) {
      await addToOutbox(tx, { topic: DOCUMENTS_TOPIC, key: packageKey(id), payload: { packageId: id, madeBy: actor } });
    }
    await recordOperation(tx, {
      entityType: 'package',
      entityId: id,
      action: 'made-by-hand',
      actor,
      changes: {
        state: { before: p.state, after: 'made' },
        tracking_number: { before: p.tracking_number, after: tracking },
      },
    });
    return getPackage(tx, id);
  });
}
