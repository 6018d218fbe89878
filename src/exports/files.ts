import { once } from 'node:events';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { cellOf, type FileColumn } from './rows.ts';

/**
 * The export as a file a seller uploads to the channel by hand (seed 004 §3, `save_csv`):
 * CSV (csv-stringify) or XLSX (exceljs's streaming WorkbookWriter), each with the header row
 * of its format — the module's columns name themselves differently in each. Both are
 * written page by page into a stream and wait for it to drain, so 50,000 products never sit
 * in memory (docs/decisions/141-catalog-export-files.md).
 */

export const fileFormats = ['csv', 'xlsx'] as const;
export type FileFormat = (typeof fileFormats)[number];
export const separators = [';', ',', '\t'] as const;
export type Separator = (typeof separators)[number];

export interface FileOptions {
  format: FileFormat;
  /** CSV only; `;` by default (what a Russian-locale spreadsheet reads). */
  separator?: Separator;
}

export const fileTypes: Record<FileFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * Resolves once `stream` has room again (a slow client or disk holds the next page back);
 * rejects when `ended` does (the client went away: reading stops there).
 */
async function drained(stream: Writable, ended: Promise<unknown>) {
  if (stream.writableNeedDrain) await Promise.race([once(stream, 'drain'), ended]);
}

/** A promise of the stream's end that never goes unhandled (it is awaited or raced later). */
function endOf(ended: Promise<void>): Promise<void> {
  ended.catch(() => {});
  return ended;
}

async function writeCsv<T>(
  out: Writable,
  pages: AsyncIterable<T[]>,
  columns: FileColumn<T>[],
  separator: Separator,
): Promise<number> {
  const csv = stringify({
    delimiter: separator,
    header: true,
    columns: columns.map((c) => ({ key: c.key, header: c.header.csv })),
  });
  const ended = endOf(pipeline(csv, out));
  let count = 0;
  for await (const page of pages) {
    for (const product of page) {
      csv.write(Object.fromEntries(columns.map((c) => [c.key, cellOf(c, product) ?? ''])));
      count++;
    }
    await drained(csv, ended);
  }
  // An empty export still gets its header row (csv-stringify writes it on end).
  csv.end();
  await ended;
  return count;
}

async function writeXlsx<T>(
  out: Writable,
  pages: AsyncIterable<T[]>,
  columns: FileColumn<T>[],
  sheetName: string,
): Promise<number> {
  // Shared strings and styles would keep every text in memory until the end.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: false });
  const ended = endOf(finished(out));
  const sheet = workbook.addWorksheet(sheetName);
  sheet.columns = columns.map((c) => ({
    key: c.key,
    header: c.header.xlsx,
    width: Math.max(12, c.header.xlsx.length + 2),
  }));
  let count = 0;
  for await (const page of pages) {
    for (const product of page) {
      sheet.addRow(Object.fromEntries(columns.map((c) => [c.key, cellOf(c, product)]))).commit();
      count++;
    }
    await drained(out, ended);
  }
  sheet.commit();
  await Promise.race([workbook.commit(), ended]);
  await ended;
  return count;
}

/**
 * Writes the rows into `out` as a file of the format and ends it; answers the rows written. A catalog
 * export's rows are products in a module's columns; the bulk export's (src/imports) are Sklad's own tables.
 */
export function writeCatalogFile<T>(
  out: Writable,
  pages: AsyncIterable<T[]>,
  columns: FileColumn<T>[],
  options: FileOptions & { sheet?: string },
): Promise<number> {
  return options.format === 'csv'
    ? writeCsv(out, pages, columns, options.separator ?? ';')
    : writeXlsx(out, pages, columns, options.sheet ?? 'Products');
}

/** The file as a stream for an HTTP answer; a failure while reading ends the stream with that error. */
export function catalogFileStream<T>(
  pages: AsyncIterable<T[]>,
  columns: FileColumn<T>[],
  options: FileOptions & { sheet?: string },
): ReadableStream<Uint8Array> {
  const out = new PassThrough();
  writeCatalogFile(out, pages, columns, options).catch((error) => out.destroy(error as Error));
  return Readable.toWeb(out) as ReadableStream<Uint8Array>;
}
