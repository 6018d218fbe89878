import type { CatalogColumn, CatalogProduct } from '../channels/core/catalog-feed.ts';

/** A product's row of an export: its value in each of the module's columns, and the required ones it has none for. */

export type Cell = string | number | null;

/** A column of a file: its key, its header in each format, its value in a row (a module's CatalogColumn is one). */
export interface FileColumn<T> {
  key: string;
  header: { csv: string; xlsx: string };
  value(row: T): string | number | null;
}

/** A column's value, with an empty or blank text read as none. */
export function cellOf<T>(column: FileColumn<T>, row: T): Cell {
  const value = column.value(row);
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return value.trim() === '' ? null : value;
}

/** The keys of the required columns the product has no value in: it is listed as an error and not sent. */
export function missingFields(columns: CatalogColumn[], product: CatalogProduct): string[] {
  return columns.filter((c) => c.required && cellOf(c, product) === null).map((c) => c.key);
}

/** The row a feed sends, by column key; a column with no value is left out. */
export function feedRow(columns: CatalogColumn[], product: CatalogProduct): Record<string, string> {
  const row: Record<string, string> = {};
  for (const column of columns) {
    const value = cellOf(column, product);
    if (value !== null) row[column.key] = String(value);
  }
  return row;
}
