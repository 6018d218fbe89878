import type { Tx } from '../db/database.ts';

/**
 * What the flows built on orders do in the transaction that stores one (the delivery flow
 * makes a package and its outbox event): installed when the app is assembled (src/assembly.ts),
 * so the orders domain names none of them.
 */

export interface StoredOrder {
  orderId: number;
  created: boolean;
  statusChanged: boolean;
  accountId: number | null;
  channel: string;
  externalId: string;
  postingNumber: string | null;
  /** new, confirmed, shipped, delivered, cancelled or returned (orders/service.ts). */
  status: string;
  /** The delivery as the channel reported it (ShippingFact), when it did. */
  shipping: Record<string, unknown> | null;
}

export type OrderStoredHook = (tx: Tx, order: StoredOrder) => Promise<void>;

let hooks: OrderStoredHook[] = [];

export function installOrderHooks(list: OrderStoredHook[]) {
  hooks = list;
}

export async function runOrderHooks(tx: Tx, order: StoredOrder) {
  for (const hook of hooks) await hook(tx, order);
}
