import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import type { FileFormat } from '../exports/files.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * A seller's file read row by row (docs/decisions/191-bulk-import.md): CSV with csv-parse (the
 * `csv` project's parser, the same family as the csv-stringify the exports write with), XLSX with
 * exceljs's streaming WorkbookReader. Each row is its cells as text and its line in the file
 * (the line a spreadsheet shows: the header row is line 1), so an error names the line.
 */

export interface FileRow {
  line: number;
  cells: string[];
}

/** XLSX is a zip: it starts with PK\3\4. Anything else must be UTF-8 text (CSV). */
export function formatOf(bytes: Uint8Array): FileFormat {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'xlsx';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, Math.min(bytes.length, 64 * 1024)));
  } catch {
    // A cut in the middle of a character at the 64 KiB edge is not an error of the file.
    if (bytes.length <= 64 * 1024)
      throw unreadable('the file is neither an XLSX workbook nor UTF-8 text (CSV)', 'notText');
  }
  return 'csv';
}

/** Why a file cannot be read: the reason in English, and which one it is for the catalogue's Russian (a parser's own words are only its). */
const unreadable = (why: string, which: 'notText' | 'noHeader' | 'parse' = 'parse') =>
  new DomainError('IMPORT_FILE_UNREADABLE', `The file cannot be read: ${why}`, 422, { reason: why, [which]: true });

/** The CSV separator: whichever of `;`, `,` and tab occurs most in the first line outside quotes (`;` on a tie). */
function separatorOf(bytes: Uint8Array): string {
  const head = new TextDecoder().decode(bytes.subarray(0, 8192));
  const counts: Record<string, number> = { ';': 0, ',': 0, '\t': 0 };
  let quoted = false;
  for (const ch of head) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch]++;
  }
  return [';', ',', '\t'].reduce((best, s) => (counts[s] > counts[best] ? s : best), ';');
}

/**
 * The stored bytes as a stream of 64 KiB views into them, never a copy. Fed whole, a parser turns
 * the one chunk into all of its rows at once (a transform cannot pause inside a chunk), so memory
 * grew with the file's rows; slice by slice it waits for the rows to be taken.
 */
const SLICE = 64 * 1024;
function slices(bytes: Uint8Array): Readable {
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Readable.from(
    (function* () {
      for (let at = 0; at < whole.length; at += SLICE) yield whole.subarray(at, at + SLICE);
    })(),
    { objectMode: false, highWaterMark: SLICE },
  );
}

async function* csvRows(bytes: Uint8Array): AsyncGenerator<FileRow> {
  const parser = slices(bytes).pipe(
    parse({ delimiter: separatorOf(bytes), bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: info.lines, cells: record };
    }
  } catch (error) {
    throw unreadable((error as Error).message);
  }
}

/** A cell as its text: numbers as JavaScript writes them, dates as ISO-8601, a formula as its result. */
function textOf(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('result' in value) return textOf(value.result as ExcelJS.CellValue);
  if ('text' in value) return String(value.text);
  return '';
}

async function* xlsxRows(bytes: Uint8Array): AsyncGenerator<FileRow> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(slices(bytes), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  try {
    // The first sheet only: a workbook's other sheets are the seller's notes.
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = (row.values as ExcelJS.CellValue[]).slice(1);
        const cells = Array.from({ length: values.length }, (_, i) => textOf(values[i]));
        if (cells.some((c) => c.trim() !== '')) yield { line: row.number, cells };
      }
      break;
    }
  } catch (error) {
    throw unreadable((error as Error).message);
  }
}

/** The file's rows, the header row first; empty rows are skipped. */
export function fileRows(bytes: Uint8Array, format: FileFormat): AsyncGenerator<FileRow> {
  return format === 'csv' ? csvRows(bytes) : xlsxRows(bytes);
}

/** The header row and the first `limit` rows after it. */
export async function peek(
  bytes: Uint8Array,
  format: FileFormat,
  limit: number,
): Promise<{ columns: string[]; sample: FileRow[] }> {
  let columns: string[] | null = null;
  const sample: FileRow[] = [];
  for await (const row of fileRows(bytes, format)) {
    if (!columns) columns = row.cells.map((c) => c.trim());
    else sample.push(row);
    if (sample.length >= limit) break;
  }
  if (!columns || !columns.some((c) => c !== '')) throw unreadable('it has no header row', 'noHeader');
  return { columns, sample };
}
