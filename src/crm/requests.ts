import type { Executor } from '../db/database.ts';
import { addToOutbox } from '../engine/outbox.ts';

/**
 * Asks the CRM flow to export an order (again) as a deal: the order's deal is found by our key
 * and updated, or made. In the caller's transaction, so a change and its export go together
 * (the delivery flow's new delivery number; a support engineer's re-export).
 */
export async function requestCrmExport(tx: Executor, orderId: number, reason: string) {
  await addToOutbox(tx, { topic: 'crm.export', key: orderId, payload: { reason } });
}
