import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, describe, expect, it } from 'vitest';
import type { CatalogColumn, CatalogProduct } from '../channels/core/catalog-feed.ts';
import { writeCatalogFile, type Separator } from './files.ts';
import { feedRow, missingFields } from './rows.ts';

/** Columns as a module names them: the headers differ between CSV and XLSX, as the seed says Lamoda's do. */
const columns: CatalogColumn[] = [
  {
    key: 'SellerSku',
    header: { csv: 'SellerSku', xlsx: 'Артикул продавца' },
    required: true,
    value: (p) => p.listing?.sku ?? p.sku,
  },
  { key: 'Name', header: { csv: 'Name', xlsx: 'Название' }, required: true, value: (p) => p.name },
  {
    key: 'Brand',
    header: { csv: 'Brand', xlsx: 'Бренд' },
    required: true,
    value: (p) => (p.attributes.brand as string | undefined) ?? null,
  },
  {
    key: 'Price',
    header: { csv: 'Price', xlsx: 'Цена' },
    required: false,
    value: (p) => (p.priceMinor === null ? null : p.priceMinor / 100),
  },
  { key: 'Quantity', header: { csv: 'Quantity', xlsx: 'Количество' }, required: false, value: (p) => p.quantity },
];

const product = (n: number, over: Partial<CatalogProduct> = {}): CatalogProduct => ({
  productId: n,
  sku: `SKU-${n}`,
  name: `Платье «Лето»; размер ${n}, "синее"`,
  ean: null,
  attributes: { brand: 'Zarina' },
  listing: { externalId: `L${n}`, sku: `RU-${n}`, data: {} },
  quantity: n * 2,
  priceMinor: 129_000 + n,
  ...over,
});

async function* pagesOf(products: CatalogProduct[], size = 2) {
  for (let i = 0; i < products.length; i += size) yield products.slice(i, i + size);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function writeFile(name: string, products: CatalogProduct[], options: Parameters<typeof writeCatalogFile>[3]) {
  const file = path.join(dir, name);
  const written = await writeCatalogFile(fs.createWriteStream(file), pagesOf(products), columns, options);
  return { file, written };
}

describe('catalog export files', () => {
  const products = [product(1), product(2), product(3, { priceMinor: null, attributes: {} })];

  for (const separator of [';', ',', '\t'] as Separator[]) {
    it(`writes CSV with ${JSON.stringify(separator)} between fields and the CSV header row, quoting what needs it`, async () => {
      const { file, written } = await writeFile(`sep-${separator.charCodeAt(0)}.csv`, products, {
        format: 'csv',
        separator,
      });
      expect(written).toBe(3);
      const text = fs.readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe(['SellerSku', 'Name', 'Brand', 'Price', 'Quantity'].join(separator));
      const records = parse(text, { delimiter: separator, columns: true }) as Record<string, string>[];
      expect(records).toEqual([
        {
          SellerSku: 'RU-1',
          Name: 'Платье «Лето»; размер 1, "синее"',
          Brand: 'Zarina',
          Price: '1290.01',
          Quantity: '2',
        },
        {
          SellerSku: 'RU-2',
          Name: 'Платье «Лето»; размер 2, "синее"',
          Brand: 'Zarina',
          Price: '1290.02',
          Quantity: '4',
        },
        { SellerSku: 'RU-3', Name: 'Платье «Лето»; размер 3, "синее"', Brand: '', Price: '', Quantity: '6' },
      ]);
    });
  }

  it('writes XLSX with the XLSX header row, numbers as numbers, empty cells where there is no value', async () => {
    const { file, written } = await writeFile('catalog.xlsx', products, { format: 'xlsx' });
    expect(written).toBe(3);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.worksheets[0];
    const values = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(values(1)).toEqual(['Артикул продавца', 'Название', 'Бренд', 'Цена', 'Количество']);
    expect(values(2)).toEqual(['RU-1', 'Платье «Лето»; размер 1, "синее"', 'Zarina', 1290.01, 2]);
    expect(values(4)).toEqual(['RU-3', 'Платье «Лето»; размер 3, "синее"', undefined, undefined, 6]);
    expect(sheet.rowCount).toBe(4);
  });

  it('writes the header row alone for an empty catalog, in either format', async () => {
    const csv = await writeFile('empty.csv', [], { format: 'csv' });
    expect(fs.readFileSync(csv.file, 'utf8')).toBe('SellerSku;Name;Brand;Price;Quantity\n');
    const xlsx = await writeFile('empty.xlsx', [], { format: 'xlsx' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx.file);
    expect(workbook.worksheets[0].rowCount).toBe(1);
  });

  it('names the required columns a product has no value in, blank text included, and leaves empty ones out of its feed row', () => {
    expect(missingFields(columns, product(1))).toEqual([]);
    expect(missingFields(columns, product(2, { name: '  ', attributes: {} }))).toEqual(['Name', 'Brand']);
    expect(feedRow(columns, product(3, { priceMinor: null }))).toEqual({
      SellerSku: 'RU-3',
      Name: product(3).name,
      Brand: 'Zarina',
      Quantity: '6',
    });
  });
});
