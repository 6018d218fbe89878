import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import type { Hub } from '../hub.ts';
import { recordOperation } from '../audit/operations.ts';
import { DomainError } from '../shared/errors.ts';
import { crmChannels } from './links.ts';

/** Queues the export of every order of a channel account that is not in the CRM yet (one statement, whatever their number). */
export async function exportBacklog(hub: Hub, actor: string): Promise<{ queued: number }> {
  const [crm] = await rows<{ n: number }>(
    hub.db,
    sql`select count(*)::int as n from channel_accounts where channel = any(${sql.param(crmChannels())}::text[]) and status = 'active'`,
  );
  if (!crm.n)
    throw new DomainError('NO_CRM_ACCOUNT', 'No active CRM account: add a Bitrix24 portal (or another CRM) first', 409);
  return hub.db.transaction(async (tx) => {
    const queued = await rows<{ id: number }>(
      tx,
      sql`insert into outbox (topic, key, payload)
          select 'crm.export', o.id::text, '{"reason":"backlog"}'::jsonb from orders o
           where o.crm_state <> 'sent' and o.account_id is not null
             and not exists (select 1 from outbox x where x.topic = 'crm.export' and x.key = o.id::text and x.processed_at is null and x.dead_at is null)
           order by o.id
          returning id`,
    );
    await recordOperation(tx, {
      entityType: 'crm',
      entityId: 'backlog',
      action: 'export_backlog',
      actor,
      changes: { queued: { before: null, after: queued.length } },
    });
    return { queued: queued.length };
  });
}
