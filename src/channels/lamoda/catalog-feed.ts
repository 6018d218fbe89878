import type { CatalogColumn, CatalogFeed, CatalogProduct, FeedProgress, FeedState } from '../core/catalog-feed.ts';
import type { FeedDetail } from '../protocols/sellercenter/answers.ts';
import { sellerCenterClient } from '../protocols/sellercenter/client.ts';

/**
 * Lamoda's side of the catalog export (seed 004 §3: the RU catalog to the KZ shop): the
 * columns of a SellerCenter ProductCreate record (Product/Product.xml,
 * ../shared/specs/sellercenter-lamoda-namshi), named in a CSV file as the API names its
 * elements and in an XLSX file as a seller's template names them in Russian, and the feed
 * sent and followed through the SellerCenter client (ProductCreate → RequestId → FeedStatus).
 *
 * Required: what a ProductCreate cannot do without (SellerSku, Name, Brand, PrimaryCategory,
 * Price; the digest names none, the SellerCenter docs it cites mark these). A value comes from
 * the source listing (what the RU shop has, `listing.data`) and else from Sklad's product
 * attributes (`brand`, `primary_category` …).
 */

const client = sellerCenterClient('Lamoda');

/** Products per ProductCreate: SellerCenter asks for as many per call as possible (feeds are throttled). */
const BATCH_SIZE = 1_000;

/** ProductCreate elements that go inside `<ProductData>` (Product/Product.xml). */
const productData = new Set(['Color']);

/** The listing's value under `dataKey`, else the first product attribute of these names; numbers as text. */
const pick =
  (dataKey: string, ...attributes: string[]) =>
  (p: CatalogProduct): string | null => {
    for (const value of [p.listing?.data[dataKey], ...attributes.map((a) => p.attributes[a])]) {
      if (typeof value === 'string' && value.trim()) return value.trim();
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    }
    return null;
  };

const column = (key: string, xlsx: string, required: boolean, value: CatalogColumn['value']): CatalogColumn => ({
  key,
  header: { csv: key, xlsx },
  required,
  value,
});

const columns: CatalogColumn[] = [
  column('SellerSku', 'Артикул продавца', true, (p) => p.listing?.sku ?? p.sku),
  column('ParentSku', 'Артикул родительского товара', false, pick('parentSku', 'parent_sku')),
  column('Name', 'Название товара', true, (p) => p.name),
  column('Brand', 'Бренд', true, pick('brand', 'brand')),
  column('PrimaryCategory', 'Основная категория', true, pick('primaryCategory', 'primary_category', 'category')),
  column('Categories', 'Дополнительные категории', false, pick('categories', 'categories')),
  column('Description', 'Описание', false, pick('description', 'description')),
  column('Variation', 'Размер', false, pick('variation', 'variation', 'size')),
  column('Color', 'Цвет', false, pick('color', 'color', 'colour')),
  column('Price', 'Цена', true, (p) => (p.priceMinor === null ? null : p.priceMinor / 100)),
  column('Quantity', 'Количество', false, (p) => p.quantity),
  column('ProductId', 'Штрихкод (EAN)', false, (p) => p.ean ?? pick('productId')(p)),
  column('TaxClass', 'Ставка НДС', false, pick('taxClass', 'tax_class')),
];

/** A row as a ProductCreate record: amounts with two decimals, ProductData's elements inside it. */
function recordOf(row: Record<string, string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(row)) {
    if (productData.has(key)) data[key] = value;
    else record[key] = key === 'Price' ? Number(value).toFixed(2) : value;
  }
  if (Object.keys(data).length) record.ProductData = data;
  return record;
}

const states: Record<FeedDetail['Status'], FeedState> = {
  Queued: 'queued',
  Processing: 'processing',
  Finished: 'finished',
  Canceled: 'canceled',
  Error: 'error',
};

const progressOf = (detail: FeedDetail): FeedProgress => ({
  state: states[detail.Status],
  total: detail.TotalRecords,
  processed: detail.ProcessedRecords,
  failed: detail.FailedRecords,
  errors: (detail.FeedErrors ?? []).map((e) => ({ sku: e.SellerSku || null, message: e.Message })),
  warnings: (detail.FeedWarnings ?? []).map((w) => ({ sku: w.SellerSku || null, message: w.Message })),
});

export const lamodaCatalogFeed: CatalogFeed = {
  columns,
  batchSize: BATCH_SIZE,
  async sendProducts(ctx, rows) {
    return { feedId: await client.sendFeed(ctx, 'ProductCreate', rows.map(recordOf)) };
  },
  async feedStatus(ctx, feedId) {
    return progressOf(await client.feedStatus(ctx, feedId));
  },
};
