import type { ConnectorContext } from './connector.ts';

/**
 * What a CRM module (Bitrix24) does for Sklad's CRM flow (src/crm): a pure adapter, like a
 * channel connector. The flow decides which orders go where and keeps their state; the
 * adapter turns deals into the CRM's requests and its answers into outcomes.
 */

/** A deal as the CRM flow hands it over: one per order. */
export interface DealDraft {
  /** Our key of the order (stable across re-imports: `<channel>:<account id>:<external id>`); the deal is found again by it. */
  key: string;
  /** The deal's id when an earlier export made it: updated by id, no lookup. */
  dealId?: string | null;
  /**
   * False when no export of this order was ever sent before, so no deal can have our key yet
   * and the lookup can be skipped (a backlog goes out at one request per batch). Default true.
   */
  mayExist?: boolean;
  title: string;
  /** The order's total as an exact decimal string in its currency's major unit ("1234.50"), never a float. */
  amount: string;
  currency: string;
  /** The funnel (Bitrix24 CATEGORY_ID); null: the CRM's default funnel. */
  categoryId: number | null;
  /** The stage the order's status maps to; null: leave the stage as the CRM has it (a new deal gets the funnel's first). */
  stageId: string | null;
  /** The channel's title and id ("Ozon", "ozon"), the account's name. */
  channel: { id: string; title: string; account: string };
  /** The marketplace's ids: the order (market order id) and the posting/shipment number. */
  externalId: string;
  postingNumber: string | null;
  /** Sklad's own order id. */
  orderId: number;
  orderedAt: string;
  buyer: { name?: string | null; phone?: string | null; email?: string | null; address?: string | null } | null;
  lines: { sku: string; name: string; quantity: number; price: string }[];
  /** Extra values by the CRM's field name (custom fields carrying ids, the delivery number and status). */
  fields: Record<string, string>;
}

export type DealOutcome =
  | { key: string; ok: true; dealId: string; created: boolean }
  | {
      key: string;
      ok: false;
      /** The CRM's reason as it gave it (Bitrix24: `error: error_description`). */
      error: string;
      httpStatus: number | null;
      /** False when a retry cannot help (the CRM refused the deal's data): the export is dead at once. */
      retryable: boolean;
    };

export interface CrmStage {
  id: string;
  name: string;
  /** The funnel it belongs to (null: the default funnel). */
  categoryId: number | null;
}

/** A deal as a lookup finds it: its stage and, when the CRM says, its amount (an exact decimal string, as DealDraft's) and currency. */
export interface FoundDeal {
  dealId: string;
  stageId: string | null;
  amount?: string | null;
  currency?: string | null;
}

export interface CrmService {
  /** Deals per request: what `exportDeals` sends in one (Bitrix24 batch: 50). */
  batchSize: number;
  /**
   * Creates each deal or, when one with its key exists, updates it (stage, amount, fields):
   * a retry never makes a second deal. At most `batchSize` drafts; one outcome per draft.
   * Throws (ChannelHttpError) when the whole request failed: the flow retries all of them.
   */
  exportDeals(ctx: ConnectorContext, deals: DealDraft[]): Promise<DealOutcome[]>;
  /** Finds the deal of an order by its key; null when the CRM has none. */
  findDeal(ctx: ConnectorContext, key: string): Promise<FoundDeal | null>;
  /** Finds the deals of many orders at once (the reconciler's check), by key; a key with no deal is absent. `findDeal` per key otherwise. */
  findDeals?(ctx: ConnectorContext, keys: string[]): Promise<Map<string, FoundDeal>>;
  /** Adds a comment to the deal's timeline; answers the comment's id. */
  addComment(ctx: ConnectorContext, dealId: string, text: string): Promise<string>;
  /** The stages of every funnel (for the stage map's choices and checks). */
  stages(ctx: ConnectorContext): Promise<CrmStage[]>;
}
