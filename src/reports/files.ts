import { moduleFor } from '../channels/core/module.ts';
import { catalogFileStream } from '../exports/files.ts';
import type { FileColumn } from '../exports/rows.ts';
import { minorToDecimal } from '../shared/money.ts';
import { t, type Lang, type MessageKey } from '../web/i18n.ts';
import type { CoverReport, CoverRow, OrdersDayRow, OrdersReport, StockValueReport, StockValueRow } from './queries.ts';

/**
 * Each report as an XLSX file, written by the exports' streaming writer (src/exports/files.ts,
 * docs/decisions/141) with its headers in the seller's language. Money is a number in the
 * currency's major unit (1234.56) beside its currency, so a spreadsheet sums it; amounts in
 * different currencies stay on rows of their own.
 */

export const reportKinds = ['orders', 'stock-value', 'days-of-cover'] as const;
export type ReportKind = (typeof reportKinds)[number];

type Cell = string | number | null;
const column = <T>(lang: Lang, key: string, word: MessageKey, value: (row: T) => Cell): FileColumn<T> => {
  const header = t(word, lang);
  return { key, header: { csv: header, xlsx: header }, value };
};

/** Minor units as a number of the major unit, read from the exact decimal (never minor / 100 in floats). */
const major = (minor: number | null, currency: string | null) =>
  minor === null || currency === null ? null : Number(minorToDecimal(minor, currency));

const ordersColumns = (lang: Lang): FileColumn<OrdersDayRow>[] => [
  column(lang, 'day', 'reports.colDay', (r) => r.day),
  column(lang, 'channel', 'reports.colChannel', (r) => moduleFor(r.channel)?.connector.title ?? r.channel),
  column(lang, 'currency', 'reports.colCurrency', (r) => r.currency),
  column(lang, 'orders', 'reports.colOrders', (r) => r.orders),
  column(lang, 'cancelled', 'reports.colCancelled', (r) => r.cancelled),
  column(lang, 'revenue', 'reports.colRevenue', (r) => major(r.revenue_minor, r.currency)),
];

const stockColumns = (lang: Lang): FileColumn<StockValueRow>[] => [
  column(lang, 'code', 'reports.colWarehouseCode', (r) => r.code),
  column(lang, 'warehouse', 'reports.colWarehouse', (r) => r.name),
  column(lang, 'currency', 'reports.colCurrency', (r) => r.currency ?? t('reports.noPrice', lang)),
  column(lang, 'products', 'reports.colProducts', (r) => r.products),
  column(lang, 'units', 'reports.colUnits', (r) => r.units),
  column(lang, 'value', 'reports.colValue', (r) => major(r.value_minor, r.currency)),
];

const coverColumns = (lang: Lang): FileColumn<CoverRow>[] => [
  column(lang, 'sku', 'reports.colSku', (r) => r.sku),
  column(lang, 'name', 'reports.colName', (r) => r.name),
  column(lang, 'available', 'reports.colAvailable', (r) => r.available),
  column(lang, 'sold', 'reports.colSold', (r) => r.units_sold),
  column(lang, 'per_day', 'reports.colPerDay', (r) => r.per_day),
  column(lang, 'days_of_cover', 'reports.colCover', (r) => r.days_of_cover),
];

async function* onePage<T>(items: T[]): AsyncGenerator<T[]> {
  yield items;
}

/** A sheet's name: Excel takes 31 characters and none of []:*?/\ . */
const sheetName = (text: string) => text.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31);

const xlsx = <T>(items: T[], columns: FileColumn<T>[], title: string) =>
  catalogFileStream(onePage(items), columns, { format: 'xlsx', sheet: sheetName(title) });

export const ordersFile = (report: OrdersReport, lang: Lang) =>
  xlsx(report.rows, ordersColumns(lang), t('reports.orders', lang));
export const stockValueFile = (report: StockValueReport, lang: Lang) =>
  xlsx(report.rows, stockColumns(lang), t('reports.stock', lang));
export const coverFile = (report: CoverReport, lang: Lang) =>
  xlsx(report.items, coverColumns(lang), t('reports.cover', lang));

/** The file's name: the report and the last day it covers (`orders-2026-12-04.xlsx`). */
export const fileName = (kind: ReportKind, day: string) => `${kind}-${day}.xlsx`;
