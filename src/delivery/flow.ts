import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { ConnectorContext } from '../channels/core/connector.ts';
import { aboutOrders, accountRuntime, guardCredentials, type AccountRuntime } from '../channels/core/context.ts';
import type { DeliveryRequestState, DeliveryService, WaybillState } from '../channels/core/delivery.ts';
import { requestCrmExport } from '../crm/requests.ts';
import { rows, type Executor } from '../db/database.ts';
import { JobError, PermanentJobError } from '../engine/jobs.ts';
import { addToOutbox } from '../engine/outbox.ts';
import { defineOutboxConsumer, type OutboxMessage, type OutboxOutcome } from '../engine/outbox-consumer.ts';
import type { Hub } from '../hub.ts';
import { draftOf, problemsText } from './draft.ts';
import {
  DOCUMENTS_TOPIC,
  packageColumns,
  packageKey,
  packageOf,
  PROCESS_TOPIC,
  type PackageRow,
  type Problem,
} from './packages.ts';

/**
 * The delivery flow (seed 004 §4): `ProcessDeliveryJob:Package:{id}` makes the package's
 * delivery order at the service and waits for the service's verdict, then
 * `GenerateDeliveryDocumentsJob:Package:{id}` gets its waybill. Every failed attempt is an
 * outbox_errors row; a refusal (CDEK's INVALID) or a package that lacks fields is a permanent
 * error with the reason, not retried blindly.
 *
 * Idempotent: one worker at a time holds a package (a lease on its row, renewed while it
 * works), and before making a delivery order it looks for one under our number, so an attempt
 * lost after the service accepted it (a time-out, a killed worker) is found, never made twice.
 * While the service is still checking a request, it is looked at again in moments while the batch
 * holds the package, then the message is put off (not failed) for a growing delay: the only
 * waiting is what the service's states force.
 */

const LEASE_MS = 15_000;
/** Failed attempts before a message is dead: with the back-off doubling from 2 s, about half an hour of a service away. */
const MAX_ATTEMPTS = 10;
/** A package another worker holds is looked at again this soon. */
const BUSY_DELAY_MS = 500;
/** Packages of one batch, all worked on at once (the HTTP client keeps the service's own limits); mostly they wait on the service. */
const BATCH = 25;
/** One HTTP attempt at the service: its answers are small, and a lost one is found again by our number. */
const REQUEST_TIMEOUT_MS = 15_000;
const FIRST_POLL_MS = 50;
/** Looks at a pending request made while the batch holds the package, before it goes back to the queue. */
const LOOKS_IN_PLACE = 4;
const MAX_POLL_MS = 10_000;

/**
 * The wait before the n-th look at a pending request: every 50 ms for the first four, while the
 * batch holds the package (a check the service finishes in moments is seen within 50 ms, with
 * no trip through the queue), then doubling through the queue up to 10 s (a check that takes
 * minutes costs a few looks).
 */
const pollDelayMs = (polls: number) => Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** Math.max(0, polls - 4));

/** Done, or to be looked at again after `laterMs`, with the package as the step left it. */
type StepOutcome = { done: true } | { laterMs: number; next: PackageRow };
/** The delivery account's adapter and a context whose calls are kept on the package's order trace. */
interface ServiceCall {
  title: string;
  service: DeliveryService;
  call<T>(fn: (ctx: ConnectorContext) => Promise<T>): Promise<T>;
}
type Services = (p: PackageRow) => Promise<ServiceCall>;
type Step = (hub: Hub, p: PackageRow, services: Services) => Promise<StepOutcome>;
const DONE: StepOutcome = { done: true };

/** The flow's two consumers (src/assembly.ts calls this once; a test may shorten the service's time-out). */
export function registerDeliveryFlow(settings: { requestTimeoutMs?: number } = {}) {
  const options = { batchSize: BATCH, leaseMs: LEASE_MS, backoffMs: 2_000, maxAttempts: MAX_ATTEMPTS };
  const timeoutMs = settings.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  defineOutboxConsumer(PROCESS_TOPIC, (hub, messages) => runPackages(hub, messages, sendPackage, timeoutMs), options);
  defineOutboxConsumer(DOCUMENTS_TOPIC, (hub, messages) => runPackages(hub, messages, makeWaybill, timeoutMs), options);
}

const packageIdOf = (m: OutboxMessage) => {
  const match = /^Package:(\d+)$/.exec(m.key);
  return match ? Number(match[1]) : null;
};

async function runPackages(hub: Hub, messages: OutboxMessage[], step: Step, timeoutMs: number): Promise<OutboxOutcome> {
  const outcome: Required<OutboxOutcome> = { failed: [], later: [] };
  const byPackage = new Map<number, OutboxMessage[]>();
  for (const m of messages) {
    const id = packageIdOf(m);
    if (id === null)
      outcome.failed.push({ id: m.id, error: new PermanentJobError(`"${m.key}" names no package (Package:{id})`) });
    else byPackage.set(id, [...(byPackage.get(id) ?? []), m]);
  }
  const workerId = `delivery:${process.pid}:${crypto.randomBytes(4).toString('hex')}`;
  const leased = await leasePackages(hub.db, [...byPackage.keys()], workerId);
  for (const [id, list] of byPackage) {
    if (leased.has(id)) continue;
    const exists = await rows(hub.db, sql`select 1 from packages where id = ${id}`);
    for (const m of list) {
      if (exists.length) outcome.later.push({ id: m.id, delayMs: BUSY_DELAY_MS });
      else outcome.failed.push({ id: m.id, error: new PermanentJobError(`Package ${id} does not exist`) });
    }
  }
  const services = servicesFor(hub, timeoutMs);
  const renew = setInterval(() => void renewLeases(hub.db, [...leased.keys()], workerId).catch(() => {}), LEASE_MS / 3);
  try {
    await Promise.all(
      [...leased.values()].map(async (p) => {
        const list = byPackage.get(p.id)!;
        try {
          const laterMs = await stepUntilSettled(hub, p, step, services);
          if (laterMs !== null) for (const m of list) outcome.later.push({ id: m.id, delayMs: laterMs });
        } catch (error) {
          await noteFailure(hub.db, p, error).catch((err) =>
            hub.logger.error({ err, packageId: p.id }, 'could not record a delivery failure on the order'),
          );
          for (const m of list) outcome.failed.push({ id: m.id, error });
        }
      }),
    );
  } finally {
    clearInterval(renew);
    await releasePackages(hub.db, [...leased.keys()], workerId);
  }
  return outcome;
}

/**
 * Runs a package's step; a verdict due within moments is waited for here (the first few looks),
 * which saves the trip through the queue. Answers how long to put the message off, or null: done.
 */
async function stepUntilSettled(hub: Hub, first: PackageRow, step: Step, services: Services): Promise<number | null> {
  let p = first;
  for (let looks = 0; ; looks++) {
    const result = await step(hub, p, services);
    if (!('laterMs' in result)) return null;
    if (looks >= LOOKS_IN_PLACE || result.laterMs > FIRST_POLL_MS) return result.laterMs;
    await new Promise((r) => setTimeout(r, result.laterMs));
    p = result.next;
  }
}

async function leasePackages(ex: Executor, ids: number[], workerId: string): Promise<Map<number, PackageRow>> {
  if (!ids.length) return new Map();
  const got = await rows<PackageRow>(
    ex,
    sql`with taken as (
          update packages set locked_by = ${workerId}, lease_until = now() + make_interval(secs => ${LEASE_MS} / 1000.0)
           where id = any(${sql.param(ids)}::bigint[]) and (lease_until is null or lease_until < now())
           returning *)
        select ${packageColumns} from taken p`,
  );
  return new Map(got.map((p) => [Number(p.id), packageOf(p)]));
}

const renewLeases = (ex: Executor, ids: number[], workerId: string) =>
  ex.execute(sql`update packages set lease_until = now() + make_interval(secs => ${LEASE_MS} / 1000.0)
                  where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId}`);

async function releasePackages(ex: Executor, ids: number[], workerId: string) {
  if (!ids.length) return;
  await ex.execute(
    sql`update packages set locked_by = null, lease_until = null where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId}`,
  );
}

/** The delivery accounts' runtimes of one batch, each loaded once (its credentials unsealed once). */
function servicesFor(hub: Hub, timeoutMs: number): Services {
  const runtimes = new Map<number, Promise<AccountRuntime>>();
  return async (p) => {
    let rt = runtimes.get(p.delivery_account_id);
    if (!rt) runtimes.set(p.delivery_account_id, (rt = accountRuntime(hub, p.delivery_account_id, { timeoutMs })));
    // A failed load (the account needs new keys) is each package's failure, and the next batch tries again.
    const { ctx, module, connector } = await rt;
    const service = module.delivery;
    if (!service)
      throw new PermanentJobError(`Account ${p.delivery_account_id} (${connector.title}) is no delivery service's`);
    const about = aboutOrders(ctx, [p.number, p.posting_number]);
    return {
      title: connector.title,
      service,
      call: (fn) => guardCredentials(hub, p.delivery_account_id, () => fn(about)),
    };
  };
}

/** ProcessDeliveryJob: the delivery order made (or found) and its verdict awaited. */
async function sendPackage(hub: Hub, p: PackageRow, services: Services): Promise<StepOutcome> {
  if (p.state === 'made') return DONE;
  if (p.state === 'invalid') throw new PermanentJobError(p.error ?? `Delivery order ${p.number} was refused`);
  const { title, service, call } = await services(p);
  let verdict: DeliveryRequestState;
  if (p.state === 'pending' && p.delivery_uuid)
    verdict = await call((ctx) => service.orderState(ctx, p.delivery_uuid!));
  else {
    const { draft, problems } = draftOf(p, service);
    if (!draft || problems.length) {
      await markUnsendable(hub.db, p, problems);
      throw new PermanentJobError(problemsText(p.number, problems));
    }
    // Once a create went out, its answer may have been lost after the service took it: that order is ours
    // (a refused one is no order). Before the first, there is none to find, and the lookup is saved.
    const found = p.look_up_first ? await call((ctx) => service.findOrder(ctx, p.number)) : null;
    if (found && found.state !== 'invalid') verdict = found;
    else {
      await hub.db.execute(sql`update packages set look_up_first = true where id = ${p.id} and not look_up_first`);
      verdict = await call((ctx) => service.createOrder(ctx, draft));
    }
  }
  return settleOrder(hub, p, verdict, title);
}

async function settleOrder(
  hub: Hub,
  p: PackageRow,
  verdict: DeliveryRequestState,
  title: string,
): Promise<StepOutcome> {
  if (verdict.state === 'pending') {
    const [row] = await rows<PackageRow>(
      hub.db,
      sql`update packages p set state = 'pending', delivery_uuid = ${verdict.uuid}, accepted_at = coalesce(accepted_at, now()),
                 polls = polls + 1, updated_at = now()
           where id = ${p.id} returning ${packageColumns}`,
    );
    return { laterMs: pollDelayMs(row.polls), next: packageOf(row) };
  }
  if (verdict.state === 'made') {
    await hub.db.transaction(async (tx) => {
      await tx.execute(sql`
        update packages set state = 'made', delivery_uuid = ${verdict.uuid}, tracking_number = ${verdict.trackingNumber},
               delivery_status = ${verdict.status}, error = null, problems = '[]'::jsonb, polls = 0, made_at = now(), updated_at = now()
         where id = ${p.id}`);
      await orderSent(tx, p.order_id, verdict.trackingNumber ?? p.number);
      await addToOutbox(tx, {
        topic: DOCUMENTS_TOPIC,
        key: packageKey(p.id),
        payload: { packageId: p.id, orderId: p.order_id },
      });
    });
    return DONE;
  }
  const reason = `${title} refused delivery order ${p.number}: ${verdict.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'no reason given'}`;
  await hub.db.transaction(async (tx) => {
    await tx.execute(sql`
      update packages set state = 'invalid', delivery_uuid = coalesce(${verdict.uuid}, delivery_uuid), error = ${reason}, polls = 0, updated_at = now()
       where id = ${p.id}`);
    await orderFailed(tx, p.order_id, reason);
  });
  throw new PermanentJobError(reason, { httpStatus: 422 });
}

/** The package lacks fields: kept invalid with them, for support to fill in and retry. */
async function markUnsendable(ex: Executor, p: PackageRow, problems: Problem[]) {
  const reason = problemsText(p.number, problems);
  await ex.transaction(async (tx) => {
    await tx.execute(sql`
      update packages set state = 'invalid', problems = ${JSON.stringify(problems)}::jsonb, error = ${reason}, updated_at = now() where id = ${p.id}`);
    await orderFailed(tx, p.order_id, reason);
  });
}

/** GenerateDeliveryDocumentsJob: the waybill of a made delivery order. */
async function makeWaybill(hub: Hub, p: PackageRow, services: Services): Promise<StepOutcome> {
  if (p.waybill_url) return DONE;
  if (p.state !== 'made')
    throw new PermanentJobError(`Delivery order ${p.number} is ${p.state}, not made: it has no waybill yet`);
  const { title, service, call } = await services(p);
  let orderUuid = p.delivery_uuid;
  if (!orderUuid) {
    // Made by hand at the service: found under our number.
    const found = await call((ctx) => service.findOrder(ctx, p.number));
    if (found?.state !== 'made') throw new JobError(`${title} shows no made delivery order ${p.number} yet`);
    orderUuid = found.uuid;
    await hub.db.execute(sql`
      update packages set delivery_uuid = ${found.uuid}, tracking_number = coalesce(tracking_number, ${found.trackingNumber}),
             delivery_status = coalesce(${found.status}, delivery_status), updated_at = now()
       where id = ${p.id}`);
  }
  const waybill: WaybillState = p.waybill_uuid
    ? await call((ctx) => service.waybillState(ctx, p.waybill_uuid!))
    : await call((ctx) => service.requestWaybill(ctx, orderUuid));
  if (waybill.state === 'pending') {
    const [row] = await rows<PackageRow>(
      hub.db,
      sql`update packages p set waybill_uuid = ${waybill.uuid}, waybill_requested_at = coalesce(waybill_requested_at, now()), polls = polls + 1,
                 updated_at = now()
           where id = ${p.id} returning ${packageColumns}`,
    );
    return { laterMs: pollDelayMs(row.polls), next: packageOf(row) };
  }
  if (waybill.state === 'ready') {
    await hub.db.execute(sql`
      update packages set waybill_uuid = ${waybill.uuid}, waybill_url = ${waybill.url}, waybill_requested_at = coalesce(waybill_requested_at, now()),
             waybill_at = now(), polls = 0, updated_at = now()
       where id = ${p.id}`);
    return DONE;
  }
  // A refused print job is not asked about again: the next attempt (support's retry) asks for a new one.
  await hub.db.execute(sql`update packages set waybill_uuid = null, polls = 0, updated_at = now() where id = ${p.id}`);
  throw new PermanentJobError(
    `${title} refused the waybill of ${p.number}: ${waybill.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'no reason given'}`,
    { httpStatus: 422 },
  );
}

/** The order's delivery state follows the package's, and the CRM deal gets it (in the same transaction). */
async function orderSent(tx: Executor, orderId: number, deliveryId: string) {
  await tx.execute(
    sql`update orders set delivery_state = 'sent', delivery_id = ${deliveryId}, delivery_error = null, updated_at = now() where id = ${orderId}`,
  );
  await requestCrmExport(tx, orderId, 'delivery order made');
}

async function orderFailed(tx: Executor, orderId: number, reason: string) {
  const [changed] = await rows<{ id: number }>(
    tx,
    sql`update orders set delivery_state = 'send_error', delivery_error = ${reason.slice(0, 2_000)}, updated_at = now()
         where id = ${orderId} and delivery_state = 'not_sent' returning id`,
  );
  if (!changed)
    await tx.execute(
      sql`update orders set delivery_error = ${reason.slice(0, 2_000)} where id = ${orderId} and delivery_state = 'send_error'`,
    );
  else await requestCrmExport(tx, orderId, 'delivery order failed');
}

/** A failed attempt (the service away, a time-out, an answer of a shape we do not know) shows on the order. */
async function noteFailure(ex: Executor, p: PackageRow, error: unknown) {
  if ((error as { permanent?: unknown }).permanent === true) return; // recorded where it was decided
  const message = error instanceof Error ? error.message : String(error);
  await ex.transaction((tx) => orderFailed(tx, p.order_id, message));
}
