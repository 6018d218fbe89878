/**
 * What a connector hands to core ingestion (src/channels/core/ingest.ts): plain facts as
 * the channel reports them, with no product ids, warehouses or transactions. Core matches
 * each line to a product (listing external id, then SKU, then EAN), picks the warehouse an
 * order writes off from, and stores everything idempotently by the channel's own ids.
 */

export type OrderStatusFact = 'new' | 'confirmed' | 'shipped' | 'delivered' | 'cancelled' | 'returned';

/** How a line names what was sold; core tries each in this order. */
export interface LineRef {
  /** The channel's id of the listing (Allegro offer id, WB chrtId …) as fetchListings reports it. */
  listingExternalId?: string | null;
  /** The seller's own code (Allegro external.id, Ozon offer_id, WB supplierArticle). */
  sku?: string | null;
  ean?: string | null;
}

export interface OrderLineFact {
  ref: LineRef;
  /** Shown on the order: the SKU as the channel has it, or a stand-in the connector makes. */
  sku: string;
  externalSku?: string | null;
  name: string;
  quantity: number;
  priceMinor: number;
}

export interface OrderFact {
  externalId: string;
  postingNumber?: string | null;
  status: OrderStatusFact;
  channelStatus?: string | null;
  orderedAt: string;
  currency: string;
  totalMinor: number;
  /**
   * Who ships it: 'seller' (FBS, the seller's own shop) writes stock off the warehouse the
   * strategy picks; 'channel' (the marketplace's own warehouse, FBO) moves none of ours.
   */
  fulfilledBy?: 'seller' | 'channel';
  customer?: Record<string, unknown> | null;
  /** How the order is delivered, when the channel says: what the delivery flow (src/delivery) makes a package of. */
  shipping?: ShippingFact | null;
  lines: OrderLineFact[];
  raw?: unknown;
}

/** The delivery of an order (or of one posting) as the channel reports it. */
export interface ShippingFact {
  /** The channel's delivery method (Ozon delivery_method.id and name) and its warehouse, as the account's settings name them. */
  methodId?: string | null;
  methodName?: string | null;
  warehouseId?: string | null;
  /** The delivery service the channel names, when it does (Ozon tpl_integration_type, the method's provider). */
  provider?: string | null;
  recipient?: { name?: string | null; phone?: string | null; email?: string | null } | null;
  address?: {
    countryCode?: string | null;
    region?: string | null;
    city?: string | null;
    address?: string | null;
    postalCode?: string | null;
  } | null;
  /** A pick-up point's code at the delivery service. */
  deliveryPoint?: string | null;
  /** Weight in grams and sizes in centimetres, when the channel has them. */
  weightGrams?: number | null;
  dimensionsCm?: { length: number; width: number; height: number } | null;
}

export interface IngestedOrder {
  externalId: string;
  orderId: number;
  created: boolean;
  statusChanged: boolean;
  /** Lines matched to no product (their SKU or the channel's id): their stock was not moved. */
  unmatched: string[];
  /** An order the seller ships for which no warehouse could be chosen (no setting, no stock rule, several own warehouses): kept, no stock moved. */
  noWarehouse: boolean;
}

export interface SaleFact {
  externalId: string;
  orderExternalId?: string | null;
  kind: 'buyout' | 'return';
  ref: LineRef;
  quantity?: number;
  amountMinor: number;
  currency?: string;
  warehouseName?: string | null;
  soldAt: string;
  raw?: unknown;
}

export interface ReviewFact {
  externalId: string;
  ref: LineRef;
  productName?: string | null;
  rating: number;
  text?: string | null;
  author?: string | null;
  answered?: boolean;
  reviewedAt: string;
  raw?: unknown;
}

export interface ClaimFact {
  externalId: string;
  orderExternalId?: string | null;
  /** Kept as given (a claim names a marketplace article, not always the seller's SKU). */
  sku?: string | null;
  ref?: LineRef;
  status: string;
  reason?: string | null;
  claimedAt: string;
  raw?: unknown;
}

/** A read-only warehouse the marketplace runs (Ozon FBO, a WB warehouse), as the connector names it. */
export interface MirrorWarehouse {
  /** Unique and stable (e.g. `ozon-7-fbs`): the same code is the same warehouse on every run. */
  code: string;
  name: string;
  /** The feed its numbers come from, e.g. 'ozon' (the stock API) or 'ozon:analytics'; `<source>:<part>` breaks `<source>` down. */
  source: string;
  /** What the channel calls this stock ('FBO', 'FBS', 'analytics' …), shown and filtered on each stock row. */
  stockType?: string | null;
}

/** One product's stock on a mirror warehouse as the channel reports it. */
export interface MirrorReading {
  warehouse: MirrorWarehouse;
  ref: LineRef;
  onHand: number;
  reserved: number;
  /** Units in the channel's confirmed future supplies (not on hand yet): kept and shown, never sold. */
  promised?: number;
}

/** What ingestion wrote of a batch of facts. */
export interface IngestCounts {
  created: number;
  updated: number;
}

/** The port a connector writes through: `ctx.ingest` (src/channels/core/ingest.ts implements it). */
export interface Ingest {
  /**
   * Orders: upserted by external id, stock written off once and returned on a cancellation. In a
   * batch, an order named twice is kept once (the last), and one Sklad cannot keep is left out
   * as a problem of the run: pair the results by externalId.
   */
  orders(orders: OrderFact[]): Promise<IngestedOrder[]>;
  sales(sales: SaleFact[]): Promise<IngestCounts>;
  reviews(reviews: ReviewFact[]): Promise<IngestCounts>;
  claims(claims: ClaimFact[]): Promise<IngestCounts>;
  /** Levels of mirror warehouses; readings matching no product are skipped (counted in `skipped`). */
  mirrorStock(readings: MirrorReading[]): Promise<{ changed: number; skipped: number }>;
}
