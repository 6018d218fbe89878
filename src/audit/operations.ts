import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';

export interface FieldChange {
  before: unknown;
  after: unknown;
}

export interface OperationInput {
  entityType: string;
  entityId: string | number;
  action: string;
  actor: string;
  changes: Record<string, FieldChange>;
}

/** Before/after of each field that differs; fields that did not change are left out. */
export function diffFields<T extends Record<string, unknown>>(
  before: T | null,
  after: T | null,
  fields: readonly (keyof T)[],
) {
  const changes: Record<string, FieldChange> = {};
  for (const field of fields) {
    const b = before ? (before[field] ?? null) : null;
    const a = after ? (after[field] ?? null) : null;
    if (JSON.stringify(b) !== JSON.stringify(a)) changes[field as string] = { before: b, after: a };
  }
  return changes;
}

export async function recordOperation(tx: Executor, op: OperationInput): Promise<void> {
  await tx.execute(sql`
    insert into operations (entity_type, entity_id, action, actor, changes)
    values (${op.entityType}, ${String(op.entityId)}, ${op.action}, ${op.actor}, ${JSON.stringify(op.changes)}::jsonb)`);
}

export interface OperationRow {
  id: number;
  entity_type: string;
  entity_id: string;
  action: string;
  actor: string;
  at: string;
  changes: Record<string, FieldChange>;
}

export async function listOperations(
  db: Executor,
  filter: { entityType: string; entityId: string | number; limit: number; offset: number },
): Promise<{ items: OperationRow[]; total: number }> {
  const items = await rows<OperationRow & { total: number }>(
    db,
    sql`
    select id, entity_type, entity_id, action, actor, iso(at) as at, changes, count(*) over () as total
      from operations
     where entity_type = ${filter.entityType} and entity_id = ${String(filter.entityId)}
     order by id desc limit ${filter.limit} offset ${filter.offset}`,
  );
  return { items: items.map(({ total: _t, ...r }) => r), total: Number(items[0]?.total ?? 0) };
}
