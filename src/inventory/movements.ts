import crypto from 'node:crypto';
import { and, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { rows, type Executor } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { preparedStatement } from './prepared.ts';
import { isUniqueViolation } from './sql-errors.ts';

// The contract other domains import from here (see the brief): warehouses and levels live beside.
export { ensureWarehouse } from './warehouses.ts';
export { getLevels, setMirrorLevels } from './levels.ts';

export const movementTypes = [
  'receipt',
  'write_off',
  'sale',
  'return',
  'transfer',
  'adjustment',
  'reserve',
  'release',
] as const;
export type MovementType = (typeof movementTypes)[number];

/** A billion units in one movement is already absurd; the bound keeps sums far from overflow. */
export const MAX_QUANTITY = 1_000_000_000;

/**
 * How each simple movement type changes a level (Vendure's typed movements): the sign of its
 * change of on_hand and of reserved. Transfers and adjustments are built from these shapes.
 */
const effects = {
  receipt: { onHand: 1, reserved: 0 },
  return: { onHand: 1, reserved: 0 },
  write_off: { onHand: -1, reserved: 0 },
  sale: { onHand: -1, reserved: 0 },
  reserve: { onHand: 0, reserved: 1 },
  release: { onHand: 0, reserved: -1 },
} as const;

export interface MovementFields {
  type: MovementType;
  quantity: number;
  warehouseId: number;
  toWarehouseId?: number | null;
  reason?: string | null;
}

/**
 * Rules that span fields, shared by the service and the HTTP body so both name the same field.
 * Zero is a valid count (adjustment) but moves nothing otherwise.
 */
export function movementRuleProblems(
  m: MovementFields,
): { field: 'quantity' | 'toWarehouseId' | 'reason'; message: string }[] {
  const problems: ReturnType<typeof movementRuleProblems> = [];
  if (m.quantity === 0 && m.type !== 'adjustment')
    problems.push({ field: 'quantity', message: 'must be a positive whole number' });
  if (m.type === 'transfer') {
    if (m.toWarehouseId == null)
      problems.push({ field: 'toWarehouseId', message: 'a transfer needs the warehouse it goes to' });
    else if (m.toWarehouseId === m.warehouseId)
      problems.push({ field: 'toWarehouseId', message: 'must differ from the warehouse it comes from' });
  } else if (m.toWarehouseId != null) {
    problems.push({ field: 'toWarehouseId', message: 'only a transfer has a destination warehouse' });
  }
  if (m.type === 'adjustment' && !m.reason?.trim())
    problems.push({ field: 'reason', message: 'an adjustment needs a reason' });
  return problems;
}

const id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const movementInput = z
  .object({
    type: z.enum(movementTypes),
    productId: id,
    warehouseId: id,
    toWarehouseId: id.nullish(),
    /** For an adjustment: the counted quantity; otherwise how many units move. */
    quantity: z.number().int().min(0).max(MAX_QUANTITY),
    reason: z.string().trim().max(500).nullish(),
    /** The caller's id of the event (e.g. 'order:42:line:1:sale:1'): unique per type. */
    reference: z.string().trim().min(1).max(200).nullish(),
  })
  .superRefine((m, ctx) => {
    for (const p of movementRuleProblems(m)) ctx.addIssue({ code: 'custom', path: [p.field], message: p.message });
  });

export type MovementInput = z.input<typeof movementInput>;
type Parsed = z.output<typeof movementInput>;

/** A ledger row as the API shows it. */
export interface Movement {
  id: number;
  type: MovementType;
  product_id: number;
  warehouse_id: number;
  /** Signed change of on_hand. */
  quantity: number;
  /** Signed change of reserved. */
  reserved_delta: number;
  on_hand_after: number;
  reserved_after: number;
  available_after: number;
  transfer_id: string | null;
  reason: string | null;
  reference: string | null;
  actor: string;
  created_at: string;
}

export interface MovementResult {
  /** One row; two for a transfer (outgoing first). */
  movements: Movement[];
  /** True when the reference had been recorded before and nothing was written now. */
  replayed: boolean;
}

const movementColumns =
  sql.raw(`id, type, product_id, warehouse_id, quantity, reserved_delta, on_hand_after, reserved_after,
  on_hand_after - reserved_after as available_after, transfer_id, reason, reference, actor, iso(created_at) as created_at`);

/**
 * Records one stock movement: its ledger row(s), the level(s) and a `stock.changed` outbox
 * message. Given a transaction it runs in it; given the database itself (`hub.db`) the movement
 * is its own transaction (a receipt, write-off, sale, return, reserve or release is then one
 * statement). Refusals (STOCK_INSUFFICIENT, unknown ids, a read-only warehouse, an archived
 * product) throw a DomainError and leave nothing written, even inside a caller's transaction.
 */
export async function recordMovement(tx: Executor, input: MovementInput, actor: string): Promise<MovementResult> {
  const m = movementInput.parse(input);
  if (m.reference) return recordOnce(tx, m, m.reference, actor);
  return { movements: await write(tx, m, actor), replayed: false };
}

/** Each movement's last leg carries its `stock.changed` outbox message. */
async function write(tx: Executor, m: Parsed, actor: string): Promise<Movement[]> {
  if (m.type === 'transfer') return transfer(tx, m, actor);
  if (m.type === 'adjustment') return [await atomically(tx, (t) => adjust(t, m, actor))];
  const leg = simpleLeg(m);
  if (groupsCommits(tx) && !leg.reference) return [await groupedLeg(tx, leg, actor)];
  return [await applyLeg(tx, leg, actor)];
}

/**
 * An order import replays its movements on every pull: the first call with a reference writes,
 * later ones return what it wrote. Two racing first calls meet at the unique index; the loser's
 * savepoint rolls back and it answers with the winner's rows.
 */
async function recordOnce(tx: Executor, m: Parsed, reference: string, actor: string): Promise<MovementResult> {
  const earlier = await findByReference(tx, m.type, reference);
  if (earlier.length) return { movements: earlier, replayed: true };
  try {
    return { movements: await tx.transaction((sp) => write(sp, m, actor)), replayed: false };
  } catch (error) {
    if (!isUniqueViolation(error, 'stock_movements_reference')) throw error;
    return { movements: await findByReference(tx, m.type, reference), replayed: true };
  }
}

/**
 * The movement a reference names, and the other leg of its transfer. Two index lookups joined by
 * `union`: written as one `where id in (…) or transfer_id in (…)` the planner filtered every
 * ledger row (137 ms at 310,000 rows, on every order's sale; 0.3 ms so: decision 225).
 */
function findByReference(ex: Executor, type: MovementType, reference: string): Promise<Movement[]> {
  return rows<Movement>(
    ex,
    sql`
    with first as (select id, transfer_id from stock_movements where type = ${type} and reference = ${reference})
    select ${movementColumns} from stock_movements where id in (select id from first)
    union
    select ${movementColumns} from stock_movements where transfer_id in (select transfer_id from first where transfer_id is not null)
     order by id`,
  );
}

/** Runs fn in the caller's transaction, or in a new one when given the database itself. */
const atomically = <T>(ex: Executor, fn: (tx: Executor) => Promise<T>): Promise<T> =>
  ex instanceof PgTransaction ? fn(ex) : ex.transaction(fn);

/** One change of one level, and the ledger row that explains it. */
interface Leg {
  type: MovementType;
  productId: number;
  warehouseId: number;
  /** Signed change of on_hand. */
  onHand: number;
  /** Signed change of reserved. */
  reserved: number;
  transferId: string | null;
  reason: string | null;
  reference: string | null;
  /** The warehouses the stock.changed message names; null on the first leg of a transfer. */
  announce: number[] | null;
}

function simpleLeg(m: Parsed): Leg {
  const effect = effects[m.type as keyof typeof effects];
  return {
    type: m.type,
    productId: m.productId,
    warehouseId: m.warehouseId,
    onHand: effect.onHand * m.quantity,
    reserved: effect.reserved * m.quantity,
    transferId: null,
    reason: m.reason || null,
    reference: m.reference ?? null,
    announce: [m.warehouseId],
  };
}

/**
 * Both levels change or neither: the pair runs in a savepoint, so a refused incoming side
 * (a read-only destination) undoes the outgoing one even if the caller goes on.
 */
function transfer(tx: Executor, m: Parsed, actor: string): Promise<Movement[]> {
  const to = m.toWarehouseId!;
  const transferId = crypto.randomUUID();
  const leg = (warehouseId: number, onHand: number, reference: string | null, announce: number[] | null): Leg => ({
    type: 'transfer',
    productId: m.productId,
    warehouseId,
    onHand,
    reserved: 0,
    transferId,
    reason: m.reason || null,
    reference,
    announce,
  });
  return tx.transaction(async (sp) => {
    // Both rows locked in one order, so transfers A→B and B→A of one product cannot deadlock.
    await sp.execute(sql`
      select 1 from stock_levels where product_id = ${m.productId} and warehouse_id in (${m.warehouseId}, ${to})
       order by warehouse_id for update`);
    const out = await applyLeg(sp, leg(m.warehouseId, -m.quantity, m.reference ?? null, null), actor);
    const into = await applyLeg(sp, leg(to, m.quantity, null, [m.warehouseId, to]), actor);
    return [out, into];
  });
}

/** A count: the ledger gets the difference between what was counted and what the level said. */
async function adjust(tx: Executor, m: Parsed, actor: string): Promise<Movement> {
  const [level] = await rows<{ on_hand: number; reserved: number }>(
    tx,
    sql`
    select on_hand, reserved from stock_levels
     where product_id = ${m.productId} and warehouse_id = ${m.warehouseId} for update`,
  );
  const onHand = level?.on_hand ?? 0;
  const reserved = level?.reserved ?? 0;
  if (m.quantity < reserved) {
    throw new DomainError(
      'COUNT_BELOW_RESERVED',
      `${reserved} units are reserved, more than the ${m.quantity} counted: release the reservations first`,
      409,
      { product_id: m.productId, warehouse_id: m.warehouseId, reserved, counted: m.quantity },
    );
  }
  const leg: Leg = {
    type: 'adjustment',
    productId: m.productId,
    warehouseId: m.warehouseId,
    onHand: m.quantity - onHand,
    reserved: 0,
    transferId: null,
    reason: m.reason || null,
    reference: m.reference ?? null,
    announce: [m.warehouseId],
  };
  return applyLeg(tx, leg, actor);
}

/**
 * Changes a level, writes its ledger row and its outbox message in ONE call of the `stock_leg`
 * function (src/inventory/migrations/0021i): the check ("never negative, the warehouse is
 * writable, the product is active") and the change are one atomic UPDATE, so concurrent
 * write-offs queue on the row lock instead of failing or overselling. The call is a named
 * prepared statement and the function keeps its plans per session, so PGlite no longer
 * re-plans a CTE per movement (bench/stock-writeoff.bench.ts). When it changes nothing, a second
 * look says why.
 */
async function applyLeg(tx: Executor, leg: Leg, actor: string): Promise<Movement> {
  const values = {
    productId: leg.productId,
    warehouseId: leg.warehouseId,
    onHand: leg.onHand,
    reserved: leg.reserved,
    type: leg.type,
    transferId: leg.transferId,
    reason: leg.reason,
    reference: leg.reference,
    actor,
    key: String(leg.productId),
    payload: leg.announce && JSON.stringify({ warehouseIds: leg.announce }),
    announce: leg.announce !== null,
  };
  for (let attempt = 1; ; attempt++) {
    const [row] = await legCall(tx, values);
    if (row) return row;
    // A concurrent receipt may have made room since the statement looked: then it is tried again.
    const refusal = await whyRefused(tx, leg, attempt >= 3);
    if (refusal) throw refusal;
  }
}

const v = (name: string) => sql.placeholder(name);

/**
 * The leg as one call of the `stock_leg` PL/pgSQL function (migration 0021i): the check, the
 * level change, the ledger row and the outbox row, with plans the function keeps per session.
 * The call itself is a named prepared statement; its values are placeholders.
 */
const legCall = preparedStatement<Movement>(
  'stock_leg',
  sql`
  select ${movementColumns} from stock_leg(
    ${v('productId')}::bigint, ${v('warehouseId')}::bigint, ${v('onHand')}::bigint, ${v('reserved')}::bigint, ${v('type')}::text,
    ${v('transferId')}::uuid, ${v('reason')}::text, ${v('reference')}::text, ${v('actor')}::text,
    ${v('key')}::text, ${v('payload')}::jsonb, ${v('announce')}::boolean)`,
);

// --- group commit (docs/decisions/182, 241) --------------------------------------------------

interface PendingLeg {
  leg: Leg;
  actor: string;
  resolve(movement: Movement): void;
  reject(error: unknown): void;
}

/**
 * The database itself, not a transaction on it: its movements may go in groups. On PGlite its
 * callers queue on one connection anyway; on PostgreSQL a group is one commit (one WAL flush)
 * where each movement was one (decision 241).
 */
const groupsCommits = (ex: Executor): boolean => !(ex instanceof PgTransaction);

const legQueues = new WeakMap<object, { pending: PendingLeg[]; flushing: boolean }>();
const MAX_GROUP = 256;

/**
 * The simple legs of movements that are their own transactions go together: those that arrive
 * while a group's statement is on its way are the next group, one statement and one commit for
 * all of them (one stock_leg_group call, migration 0023). Each leg is still one stock_leg call
 * (its level, ledger row and outbox row in the group's transaction) and each caller gets its own
 * answer: a leg the group did not write (refused, or its level locked by another transaction,
 * which the group does not wait for) runs again alone (applyLeg), which waits its turn or says
 * why, so one caller's oversell refuses only that caller; if the group's statement fails,
 * nothing of it is written and every leg runs alone, with its own error.
 */
function groupedLeg(db: Executor, leg: Leg, actor: string): Promise<Movement> {
  let queue = legQueues.get(db);
  if (!queue) legQueues.set(db, (queue = { pending: [], flushing: false }));
  const q = queue;
  const answer = new Promise<Movement>((resolve, reject) => q.pending.push({ leg, actor, resolve, reject }));
  if (!q.flushing) {
    q.flushing = true;
    // Callers of the same tick go in the first group too.
    queueMicrotask(() => void flushLegs(db, q));
  }
  return answer;
}

async function flushLegs(db: Executor, q: { pending: PendingLeg[]; flushing: boolean }) {
  try {
    while (q.pending.length) {
      const group = q.pending.splice(0, MAX_GROUP);
      const written = await legGroupCall(db, group).catch(() => new Map<number, Movement>());
      group.forEach((p, i) => {
        const movement = written.get(i + 1);
        if (movement) p.resolve(movement);
        else applyLeg(db, p.leg, p.actor).then(p.resolve, p.reject);
      });
    }
  } finally {
    q.flushing = false;
  }
}

/** The group's legs in one statement (stock_leg_group), a named prepared one like legCall; the movement written for each leg's position (1-based). */
const legGroupStatement = preparedStatement<Movement & { leg: number }>(
  'stock_leg_group',
  sql`
  select leg, ${movementColumns}
    from (select g.leg, (g.movement).*
            from stock_leg_group(${v('products')}::bigint[], ${v('warehouses')}::bigint[], ${v('onHands')}::bigint[],
                                 ${v('reserveds')}::bigint[], ${v('types')}::text[], ${v('reasons')}::text[], ${v('actors')}::text[]) as g) as written`,
);

async function legGroupCall(db: Executor, group: PendingLeg[]): Promise<Map<number, Movement>> {
  const found = await legGroupStatement(db, {
    products: group.map((p) => p.leg.productId),
    warehouses: group.map((p) => p.leg.warehouseId),
    onHands: group.map((p) => p.leg.onHand),
    reserveds: group.map((p) => p.leg.reserved),
    types: group.map((p) => p.leg.type),
    reasons: group.map((p) => p.leg.reason),
    actors: group.map((p) => p.actor),
  });
  return new Map(found.map(({ leg, ...movement }) => [leg, movement]));
}

interface LegState {
  product: 'active' | 'archived' | null;
  warehouse: 'open' | 'archived' | 'read_only' | null;
  warehouse_code: string | null;
  on_hand: number;
  reserved: number;
}

/** Why a leg changed nothing; null if it would fit now (stock arrived meanwhile) and may be tried again. */
async function whyRefused(tx: Executor, leg: Leg, lastAttempt: boolean): Promise<DomainError | null> {
  const [s] = await rows<LegState>(
    tx,
    sql`
    select (select case when archived_at is null then 'active' else 'archived' end from products where id = ${leg.productId}) as product,
           w.state as warehouse, w.code as warehouse_code,
           coalesce(l.on_hand, 0) as on_hand, coalesce(l.reserved, 0) as reserved
      from (select 1) as one
      left join (select code, case when archived_at is not null then 'archived' when read_only then 'read_only' else 'open' end as state
                   from warehouses where id = ${leg.warehouseId}) as w on true
      left join stock_levels l on l.product_id = ${leg.productId} and l.warehouse_id = ${leg.warehouseId}`,
  );
  const where = { product_id: leg.productId, warehouse_id: leg.warehouseId };
  if (!s.product)
    return new DomainError('NOT_FOUND', `Product ${leg.productId} does not exist`, 404, { product_id: leg.productId });
  if (!s.warehouse)
    return new DomainError('NOT_FOUND', `Warehouse ${leg.warehouseId} does not exist`, 404, {
      warehouse_id: leg.warehouseId,
    });
  if (s.product === 'archived') {
    return new DomainError(
      'PRODUCT_ARCHIVED',
      `Product ${leg.productId} is archived: its stock no longer moves`,
      409,
      where,
    );
  }
  if (s.warehouse === 'archived') {
    return new DomainError('WAREHOUSE_ARCHIVED', `Warehouse ${s.warehouse_code} is archived`, 409, {
      ...where,
      warehouse_code: s.warehouse_code,
    });
  }
  if (s.warehouse === 'read_only') {
    return new DomainError(
      'WAREHOUSE_READ_ONLY',
      `Warehouse ${s.warehouse_code} is read-only (a mirror of a marketplace warehouse, set by sync)`,
      409,
      { ...where, warehouse_code: s.warehouse_code },
    );
  }
  const onHand = s.on_hand + leg.onHand;
  const reserved = s.reserved + leg.reserved;
  if (!lastAttempt && reserved >= 0 && onHand >= reserved) return null;
  const available = s.on_hand - s.reserved;
  const details = { ...where, on_hand: s.on_hand, reserved: s.reserved, available };
  if (leg.reserved < 0) {
    return new DomainError(
      'STOCK_INSUFFICIENT',
      `Only ${s.reserved} reserved in ${s.warehouse_code}; cannot release ${-leg.reserved}`,
      409,
      {
        ...details,
        warehouse_code: s.warehouse_code,
        requested: -leg.reserved,
        releasing: true,
      },
    );
  }
  const requested = Math.max(-leg.onHand, leg.reserved);
  return new DomainError(
    'STOCK_INSUFFICIENT',
    `Only ${available} available in ${s.warehouse_code}; ${requested} requested`,
    409,
    {
      ...details,
      warehouse_code: s.warehouse_code,
      requested,
    },
  );
}

export interface MovementFilter {
  productId?: number;
  warehouseId?: number;
  type?: MovementType;
  reference?: string;
  /** ISO-8601: created at or after. */
  from?: string;
  /** ISO-8601: created before. */
  to?: string;
  limit: number;
  offset: number;
}

/** The ledger, newest first. */
export async function listMovements(ex: Executor, f: MovementFilter): Promise<{ items: Movement[]; total: number }> {
  const where = and(
    sql`true`,
    f.productId ? sql`product_id = ${f.productId}` : undefined,
    f.warehouseId ? sql`warehouse_id = ${f.warehouseId}` : undefined,
    f.type ? sql`type = ${f.type}` : undefined,
    f.reference ? sql`reference = ${f.reference}` : undefined,
    f.from ? sql`created_at >= ${f.from}::timestamptz` : undefined,
    f.to ? sql`created_at < ${f.to}::timestamptz` : undefined,
  );
  const found = await rows<Movement & { total: number }>(
    ex,
    sql`
    select ${movementColumns}, count(*) over () as total from stock_movements
     where ${where} order by id desc limit ${f.limit} offset ${f.offset}`,
  );
  return { items: found.map(({ total: _t, ...m }) => m), total: Number(found[0]?.total ?? 0) };
}
