import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';
import { catalogFileStream, writeCatalogFile, type FileOptions } from '../exports/files.ts';
import type { FileColumn } from '../exports/rows.ts';
import { minorToDecimal } from '../shared/money.ts';
import { attributeText, type ImportKind } from './fields.ts';
import { ownWarehouses } from './service.ts';

/**
 * The same tables an import reads, written with the catalog export's file writers
 * (docs/decisions/141: csv-stringify and exceljs's streaming writer), read from the database in
 * pages of 1,000 by product id: products (SKU, name, EAN, description, base price and currency, a column per attribute)
 * and stock (SKU, name, on hand per own warehouse, by code). Archived products are left out.
 * Importing such a file unchanged changes nothing.
 */

interface ExportRow {
  id: number;
  sku: string;
  name: string;
  ean: string | null;
  description: string | null;
  attributes: Record<string, unknown>;
  amount: number | null;
  currency: string | null;
  stock: Record<string, number>;
}

const PAGE = 1000;

async function* pages(ex: Executor, withStock: boolean): AsyncGenerator<ExportRow[]> {
  for (let after = 0; ; ) {
    const page = await rows<ExportRow>(
      ex,
      sql`
      select p.id, p.sku, p.name, p.ean, p.description, p.attributes, pp.amount::float8 as amount, pp.currency,
             ${
               withStock
                 ? sql`coalesce((select jsonb_object_agg(w.code, l.on_hand) from stock_levels l join warehouses w on w.id = l.warehouse_id
                                          where l.product_id = p.id), '{}'::jsonb)`
                 : sql`'{}'::jsonb`
             } as stock
        from products p left join product_prices pp on pp.product_id = p.id where p.archived_at is null and p.id > ${after} order by p.id limit ${PAGE}`,
    );
    if (!page.length) return;
    yield page;
    after = Number(page[page.length - 1].id);
  }
}

const column = (key: string, value: (row: ExportRow) => string | number | null): FileColumn<ExportRow> => ({
  key,
  header: { csv: key, xlsx: key },
  value,
});

async function columnsOf(ex: Executor, kind: ImportKind): Promise<FileColumn<ExportRow>[]> {
  const sku = column('sku', (r) => r.sku);
  const name = column('name', (r) => r.name);
  if (kind === 'stock') {
    const warehouses = await ownWarehouses(ex);
    return [sku, name, ...warehouses.map((w) => column(w.code, (r) => r.stock[w.code] ?? 0))];
  }
  const keys = await rows<{ key: string }>(
    ex,
    sql`
    select distinct jsonb_object_keys(attributes) as key from products where archived_at is null order by 1`,
  );
  return [
    sku,
    name,
    column('ean', (r) => r.ean),
    column('description', (r) => r.description),
    column('price', (r) => (r.amount === null || !r.currency ? null : minorToDecimal(r.amount, r.currency))),
    column('currency', (r) => r.currency),
    ...keys.map(({ key }) => column(key, (r) => (key in r.attributes ? attributeText(r.attributes[key]) : null))),
  ];
}

/** The table as a file into `out`; answers the rows written. */
export async function writeTableFile(
  ex: Executor,
  out: NodeJS.WritableStream,
  kind: ImportKind,
  options: FileOptions,
): Promise<number> {
  const columns = await columnsOf(ex, kind);
  return writeCatalogFile(out as never, pages(ex, kind === 'stock'), columns, {
    ...options,
    sheet: kind === 'stock' ? 'Stock' : 'Products',
  });
}

/** The table as a stream for an HTTP answer. */
export async function tableFileStream(
  ex: Executor,
  kind: ImportKind,
  options: FileOptions,
): Promise<ReadableStream<Uint8Array>> {
  return catalogFileStream(pages(ex, kind === 'stock'), await columnsOf(ex, kind), {
    ...options,
    sheet: kind === 'stock' ? 'Stock' : 'Products',
  });
}
