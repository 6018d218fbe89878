import { z } from 'zod';
import { Description, Ean, ProductName, Sku } from '../catalog/schemas.ts';
import { MAX_QUANTITY } from '../inventory/movements.ts';
import { Amount, Currency, type Money } from '../pricing/prices.ts';
import { DomainError } from '../shared/errors.ts';
import { currencyDigits } from '../shared/money.ts';
import { t, type Params } from '../web/i18n.ts';
import type { ImportWord } from './words.ts';

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
export function checkMapping(
  mapping: Field[],
  columns: string[],
  kind: ImportKind,
  warehouses: WarehouseColumn[],
): void {
  // The details keep the words' key, so the panel says the refusal in the seller's language.
  const problem = (key: ImportWord, params: Params = {}) => {
    const message = t(`import.${key}`, 'en', params);
    return new DomainError('IMPORT_MAPPING_INVALID', message, 400, { message, said: { key, params } });
  };
  if (mapping.length !== columns.length)
    throw problem('mapping.count', { fields: mapping.length, columns: columns.length });
  const seen = new Set<string>();
  for (const field of mapping) {
    if (field === 'ignore') continue;
    if (seen.has(field)) throw problem('mapping.twice', { field });
    seen.add(field);
    if (kind === 'stock' && field !== 'sku' && !field.startsWith('stock:'))
      throw problem('mapping.stockOnly', { field });
    if (field.startsWith('stock:') && !warehouses.some((w) => w.code === field.slice(6))) {
      throw problem('mapping.warehouse', {
        code: field.slice(6),
        codes: warehouses.map((w) => w.code).join(', ') || '—',
      });
    }
  }
  if (!seen.has('sku')) throw problem('mapping.noSku');
  if (kind === 'products' && !seen.has('name')) throw problem('mapping.noName');
  if (seen.has('price') !== seen.has('currency')) throw problem('mapping.priceCurrency');
  if (kind === 'stock' && ![...seen].some((f) => f.startsWith('stock:'))) throw problem('mapping.noWarehouse');
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
      ctx.addIssue({ code: 'custom', message: t('import.row.quantity', 'en', { max: MAX_QUANTITY }) });
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

/** A refused row's words: a key of src/imports/words.ts (or `code.<CODE>` of a domain error) and its parameters. */
export interface Said {
  key: ImportWord | `code.${string}`;
  params: Params;
}

export interface RowError {
  line: number;
  field: string | null;
  /** In English (the API's and the log's); `said` says it in the seller's language, when the import wrote it. */
  message: string;
  said?: Said | null;
}

/** A row refused with words of our own: the English message and the key the panel says it by. */
export function refusal(line: number, field: string | null, key: ImportWord, params: Params = {}): RowError {
  return { line, field, message: t(`import.${key}`, 'en', params), said: { key, params } };
}

/** What a failed cell of each field means, in our own words; the catalog's schemas (SKU, name, EAN) speak for themselves. */
const cellWords: Partial<Record<string, { key: ImportWord; params: Params }>> = {
  price: { key: 'row.priceNumber', params: {} },
  currency: { key: 'row.currency', params: {} },
  stock: { key: 'row.quantity', params: { max: MAX_QUANTITY } },
};

/** A price as a seller writes it: major units with a point or a comma ("1299.90", "1299,9", "1 299"); empty is none. */
const PriceText = z
  .string()
  .transform((s) => s.replace(/[\s\u00a0]/g, '').replace(',', '.'))
  .refine((s) => s === '' || /^\d{1,13}(\.\d{1,6})?$/.test(s), t('import.row.priceNumber', 'en'))
  .transform((s) => s || null);
const CurrencyText = z
  .string()
  .trim()
  .transform((s) => s || null)
  .pipe(Currency.nullable());

/** "1299.9" RUB → 129990, in integers; null when it has more digits than the currency's minor unit or passes the maximum. */
function minorOf(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  const [whole, fraction = ''] = text.split('.');
  if (fraction.replace(/0+$/, '').length > digits) return null;
  const minor = BigInt(whole) * 10n ** BigInt(digits) + BigInt((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
  return Amount.safeParse(Number(minor)).success ? Number(minor) : null;
}

const fieldSchemas = {
  sku: Sku,
  name: ProductName,
  ean: Ean,
  description: Description,
  price: PriceText,
  currency: CurrencyText,
} as const;

/** One row through the schemas of its mapped fields (zod): the row, or each of its problems. */
export function rowOf(
  line: number,
  cells: string[],
  mapping: Field[],
  columns: string[],
): { row: ImportRow } | { errors: RowError[] } {
  const row: ImportRow = { line, sku: '', attributes: {}, stock: {} };
  const errors: RowError[] = [];
  let price: { text: string | null; column: string } | undefined;
  let currency: string | null = null;
  mapping.forEach((field, i) => {
    if (field === 'ignore') return;
    const cell = cells[i] ?? '';
    if (field.startsWith('attribute:')) {
      const text = cell.trim() === '' ? null : cell;
      if (text !== null && text.length > 2000)
        errors.push(refusal(line, columns[i], 'row.attributeTooLong', { n: 2000 }));
      row.attributes[field.slice(10)] = text;
      return;
    }
    const parsed = field.startsWith('stock:')
      ? Quantity.safeParse(cell)
      : fieldSchemas[field as ProductField].safeParse(cell);
    if (!parsed.success) {
      const message = parsed.error.issues.map((issue) => issue.message).join('; ');
      const words = cellWords[field.startsWith('stock:') ? 'stock' : field];
      errors.push({ line, field: columns[i], message, said: words ?? null });
      return;
    }
    if (field.startsWith('stock:')) row.stock[field.slice(6)] = parsed.data as number | null;
    else if (field === 'price') price = { text: parsed.data as string | null, column: columns[i] };
    else if (field === 'currency') currency = parsed.data as string | null;
    else (row as unknown as Record<string, unknown>)[field] = parsed.data;
  });
  if (price && !errors.length) {
    if (price.text === null) row.price = null;
    else if (!currency) errors.push(refusal(line, price.column, 'row.priceNeedsCurrency'));
    else {
      const amount = minorOf(price.text, currency);
      if (amount === null)
        errors.push(refusal(line, price.column, 'row.priceDigits', { currency, digits: currencyDigits(currency) }));
      else row.price = { amount, currency };
    }
  }
  return errors.length ? { errors } : { row };
}
