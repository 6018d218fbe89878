import { z } from 'zod';
import { Description, Ean, ProductName, Sku } from '../catalog/schemas.ts';
import { MAX_QUANTITY } from '../inventory/movements.ts';
import { Amount, Currency, type Money } from '../pricing/prices.ts';
import { DomainError } from '../shared/errors.ts';
import { currencyDigits } from '../shared/money.ts';

/**
 * What a column of an import file can be: a product's own field, its base price and currency
 * (src/pricing), one of its attributes (`attribute:<key>`), the counted quantity in one of our
 * warehouses (`stock:<code>`), or nothing.
 */

export const importKinds = ['products', 'stock'] as const;
export type ImportKind = (typeof importKinds)[number];

const productFields = ['sku', 'name', 'ean', 'description', 'price', 'currency'] as const;
type ProductField = (typeof productFields)[number];
export type Field = ProductField | `attribute:${string}` | `stock:${string}` | 'ignore';

/** The header words a seller's file names each field by (English and Russian). */
const synonyms: Record<ProductField, string[]> = {
  sku: ['sku', 'артикул', 'article', 'seller sku', 'код товара'],
  name: ['name', 'title', 'название', 'наименование'],
  ean: ['ean', 'barcode', 'gtin', 'штрихкод', 'штрих-код'],
  description: ['description', 'описание'],
  price: ['price', 'base price', 'цена', 'базовая цена'],
  currency: ['currency', 'валюта'],
};

export interface WarehouseColumn {
  id: number;
  code: string;
}

/** The field a header suggests: a known word, a warehouse's code (quantities), else an attribute of a product. */
export function detectField(header: string, kind: ImportKind, warehouses: WarehouseColumn[]): Field {
  const word = header.trim().toLowerCase();
  if (!word) return 'ignore';
  const known = productFields.find((f) => synonyms[f].includes(word));
  if (known === 'sku') return 'sku';
  const warehouse = warehouses.find((w) => w.code.toLowerCase() === word);
  if (warehouse) return `stock:${warehouse.code}`;
  if (kind === 'stock') return 'ignore';
  return known ?? `attribute:${header.trim()}`;
}

const FieldName = z.union([
  z.enum([...productFields, 'ignore']),
  z.string().regex(/^attribute:.{1,100}$/, 'an attribute is attribute:<key>') as z.ZodType<`attribute:${string}`>,
  z.string().regex(/^stock:.+$/, 'a quantity is stock:<warehouse code>') as z.ZodType<`stock:${string}`>,
]);
export const Mapping = z.array(FieldName).max(500);

/** Checks a mapping against the file and the warehouses; answers the warehouses its quantity columns name. */
export function checkMapping(mapping: Field[], columns: string[], kind: ImportKind, warehouses: WarehouseColumn[]): void {
  const problem = (message: string) => new DomainError('IMPORT_MAPPING_INVALID', message, 400, { message });
  if (mapping.length !== columns.length) throw problem(`The mapping has ${mapping.length} field(s) for the file's ${columns.length} column(s)`);
  const seen = new Set<string>();
  for (const field of mapping) {
    if (field === 'ignore') continue;
    if (seen.has(field)) throw problem(`${field} is mapped to two columns`);
    seen.add(field);
    if (kind === 'stock' && field !== 'sku' && !field.startsWith('stock:')) throw problem(`A stock import takes only sku and quantity columns, not ${field}`);
    if (field.startsWith('stock:') && !warehouses.some((w) => w.code === field.slice(6))) {
      throw problem(`${field.slice(6)} is not one of our own writable warehouses (${warehouses.map((w) => w.code).join(', ') || 'none'})`);
    }
  }
  if (!seen.has('sku')) throw problem('No column is mapped to sku');
  if (kind === 'products' && !seen.has('name')) throw problem('A products import needs a column mapped to name');
  if (seen.has('price') !== seen.has('currency')) throw problem('A price column needs a currency column beside it, and a currency column a price');
  if (kind === 'stock' && ![...seen].some((f) => f.startsWith('stock:'))) throw problem('A stock import needs at least one warehouse column');
}

/** An attribute's text in a file: how the export writes it and how the import compares it. */
export const attributeText = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** A new attribute value from its text: true/false and plain decimal numbers become themselves, the rest stays text. */
export function attributeValue(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?(0|[1-9]\d{0,14})(\.\d{1,6})?$/.test(text)) return Number(text);
  return text;
}

const Quantity = z
  .string()
  .trim()
  .transform((s, ctx) => {
    if (s === '') return null;
    const n = Number(s);
    if (!/^\d+$/.test(s) || n > MAX_QUANTITY) {
      ctx.addIssue({ code: 'custom', message: `a quantity is a whole number from 0 to ${MAX_QUANTITY}` });
      return z.NEVER;
    }
    return n;
  });

/** A row of a file as the import applies it; a field whose column is not mapped is absent. */
export interface ImportRow {
  line: number;
  sku: string;
  name?: string;
  ean?: string | null;
  description?: string | null;
  /** Text of each mapped attribute column; null (an empty cell) removes the attribute. */
  attributes: Record<string, string | null>;
  /** Counted quantity per warehouse code; null (an empty cell) leaves the level alone. */
  stock: Record<string, number | null>;
  /** The base price in minor units; null (an empty price cell) leaves it alone. */
  price?: Money | null;
}

export interface RowError {
  line: number;
  field: string | null;
  message: string;
}

/** A price as a seller writes it: major units with a point or a comma ("1299.90", "1299,9", "1 299"); empty is none. */
const PriceText = z
  .string()
  .transform((s) => s.replace(/[\s\u00a0]/g, '').replace(',', '.'))
  .refine((s) => s === '' || /^\d{1,13}(\.\d{1,6})?$/.test(s), 'a price is a number such as 1299.90')
  .transform((s) => s || null);
const CurrencyText = z.string().trim().transform((s) => s || null).pipe(Currency.nullable());

/** "1299.9" RUB → 129990, in integers; null when it has more digits than the currency's minor unit or passes the maximum. */
function minorOf(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const [whole, fraction = ''] = text.split('.');
  if (fraction.replace(/0+$/, '').length > digits) return null;
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
  return Amount.safeParse(Number(minor)).success ? Number(minor) : null;
}

const fieldSchemas = { sku: Sku, name: ProductName, ean: Ean, description: Description, price: PriceText, currency: CurrencyText } as const;

/** One row through the schemas of its mapped fields (zod): the row, or each of its problems. */
export function rowOf(line: number, cells: string[], mapping: Field[], columns: string[]): { row: ImportRow } | { errors: RowError[] } {
  const row: ImportRow = { line, sku: '', attributes: {}, stock: {} };
  const errors: RowError[] = [];
  let price: { text: string | null; column: string } | undefined;
  let currency: string | null = null;
  mapping.forEach((field, i) => {
    if (field === 'ignore') return;
    const cell = cells[i] ?? '';
    if (field.startsWith('attribute:')) {
      const text = cell.trim() === '' ? null : cell;
      if (text !== null && text.length > 2000) errors.push({ line, field: columns[i], message: 'an attribute is at most 2000 characters' });
      row.attributes[field.slice(10)] = text;
      return;
    }
    const parsed = field.startsWith('stock:') ? Quantity.safeParse(cell) : fieldSchemas[field as ProductField].safeParse(cell);
    if (!parsed.success) {
      errors.push({ line, field: columns[i], message: parsed.error.issues.map((issue) => issue.message).join('; ') });
      return;
    }
    if (field.startsWith('stock:')) row.stock[field.slice(6)] = parsed.data as number | null;
    else if (field === 'price') price = { text: parsed.data as string | null, column: columns[i] };
    else if (field === 'currency') currency = parsed.data as string | null;
    else (row as unknown as Record<string, unknown>)[field] = parsed.data;
  });
  if (price && !errors.length) {
    if (price.text === null) row.price = null;
    else if (!currency) errors.push({ line, field: price.column, message: 'a price needs its currency' });
    else {
      const amount = minorOf(price.text, currency);
      if (amount === null) errors.push({ line, field: price.column, message: `a price in ${currency} has at most ${currencyDigits(currency)} digit(s) after the point and is at most 10^12 minor units` });
      else row.price = { amount, currency };
    }
  }
  return errors.length ? { errors } : { row };
}
