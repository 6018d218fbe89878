import type { ConnectorContext } from './connector.ts';

/**
 * What a module brings for moving a catalog to its channel as a file and a feed (Lamoda's
 * RU → KZ export, seed 004 §3): the columns of its file and how it sends and follows a feed.
 * The export itself (reading the catalog, streaming CSV or XLSX) is core's (src/exports).
 */

/** One product of the export as core reads it (Sklad's catalog, with the source account's listing). */
export interface CatalogProduct {
  productId: number;
  sku: string;
  name: string;
  ean: string | null;
  attributes: Record<string, unknown>;
  /** The source account's listing of the product, when it has one. */
  listing: { externalId: string; sku: string | null; data: Record<string, unknown> } | null;
  /** The quantity the source account would show (its stock rule), and the price when known (minor units). */
  quantity: number;
  priceMinor: number | null;
}

export interface CatalogColumn {
  /** The field's name in the feed. */
  key: string;
  /** The header in each file format (the seed: headers differ between CSV and XLSX). */
  header: { csv: string; xlsx: string };
  /** A product without it is listed as an error before anything is sent. */
  required: boolean;
  value(product: CatalogProduct): string | number | null;
}

export type FeedState = 'queued' | 'processing' | 'finished' | 'canceled' | 'error';

export interface FeedProgress {
  state: FeedState;
  total: number;
  processed: number;
  failed: number;
  errors: { sku: string | null; message: string }[];
  warnings: { sku: string | null; message: string }[];
}

export interface CatalogFeed {
  columns: CatalogColumn[];
  /** Products per feed request. */
  batchSize: number;
  /** Sends rows (by column key) as a create feed; answers the service's feed id (SellerCenter RequestId). */
  sendProducts(ctx: ConnectorContext, rows: Record<string, string>[]): Promise<{ feedId: string }>;
  feedStatus(ctx: ConnectorContext, feedId: string): Promise<FeedProgress>;
}
