import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Hub } from '../hub.ts';
import { fileTypes } from '../exports/files.ts';
import { createRouter, errorResponses, jsonResponse, security, type AppEnv } from '../http/router.ts';
import { coverFile, fileName, ordersFile, stockValueFile, type ReportKind } from './files.ts';
import { dayWindow, daysOfCover, ordersByDay, stockValue } from './queries.ts';

/**
 * The dashboard's figures as reports (issue 20, docs/decisions/220): each as JSON, and as an
 * XLSX file at the same path with `.xlsx` (its headers in `lang`). Money is in minor units per
 * currency; days are UTC days.
 */

const tags = ['Reports'];

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
  .refine(
    (d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'a day on the calendar',
  )
  // A window of up to 366 days before it stays within four-digit years, as ISO-8601 and SQL write them.
  .refine((d) => d >= '1971-01-01' && d <= '9998-12-31', 'a day from 1971 to 9998');

const windowQuery = (defaultDays: number, what: string) =>
  z.object({
    days: z.coerce
      .number()
      .int()
      .min(1)
      .max(366)
      .default(defaultDays)
      .openapi({ description: `${what}: this many whole UTC days, the last being \`to\``, example: defaultDays }),
    to: Day.optional().openapi({
      description: 'The last day of the window, included (YYYY-MM-DD, UTC); today by default',
      example: '2026-12-04',
    }),
  });

const LangQuery = z.object({
  lang: z.enum(['ru', 'en']).default('en').openapi({ description: 'The language of the file’s headers' }),
});

const OrdersQuery = windowQuery(30, 'Orders placed in the window');
const CoverQuery = windowQuery(14, 'The sales rate is the average over the window').extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(10)
    .openapi({ description: 'How many products, fewest days of cover first' }),
});

const Window = z.object({ from: z.string(), to: z.string(), days: z.number().int() }).openapi('ReportWindow');

const OrdersReport = z
  .object({
    window: Window,
    rows: z.array(
      z.object({
        day: z.string().openapi({ example: '2026-12-04' }),
        channel: z.string(),
        currency: z.string(),
        orders: z.number().int().openapi({ description: 'Every order placed that day' }),
        cancelled: z.number().int().openapi({ description: 'Of them, cancelled or returned' }),
        revenue_minor: z
          .number()
          .int()
          .openapi({ description: 'The totals of the orders not cancelled or returned, in minor units' }),
      }),
    ),
    totals: z.array(
      z.object({
        currency: z.string(),
        orders: z.number().int(),
        cancelled: z.number().int(),
        revenue_minor: z.number().int(),
      }),
    ),
  })
  .openapi('OrdersReport');

const StockValueReport = z
  .object({
    rows: z.array(
      z.object({
        warehouse_id: z.number().int(),
        code: z.string(),
        name: z.string(),
        currency: z
          .string()
          .nullable()
          .openapi({ description: 'Null: the products here without a base price, counted but not valued' }),
        products: z.number().int(),
        units: z.number().int(),
        value_minor: z
          .number()
          .int()
          .nullable()
          .openapi({ description: 'On hand × base price, in minor units of the currency' }),
      }),
    ),
    totals: z.array(z.object({ currency: z.string(), units: z.number().int(), value_minor: z.number().int() })),
    unpriced: z.object({ products: z.number().int(), units: z.number().int() }),
  })
  .openapi('StockValueReport');

const CoverReport = z
  .object({
    window: Window,
    items: z.array(
      z.object({
        product_id: z.number().int(),
        sku: z.string(),
        name: z.string(),
        available: z.number().int().openapi({ description: 'On hand less reserved, in own warehouses' }),
        units_sold: z.number().int(),
        per_day: z.number(),
        days_of_cover: z.number().openapi({ description: 'available ÷ per_day, to one decimal place' }),
      }),
    ),
    without_sales: z
      .number()
      .int()
      .openapi({ description: 'Products that sold nothing in the window: no rate, so left out of items' }),
  })
  .openapi('DaysOfCoverReport');

const xlsxAnswer = (what: string) => ({
  200: {
    description: `${what} as an XLSX file`,
    content: { [fileTypes.xlsx]: { schema: z.string().openapi({ format: 'binary' }) } },
  },
  ...errorResponses(),
});

const download = (c: Context<AppEnv>, kind: ReportKind, day: string, body: ReadableStream<Uint8Array>) =>
  c.body(body, 200, {
    'content-type': fileTypes.xlsx,
    'content-disposition': `attachment; filename="${fileName(kind, day)}"`,
  }) as never;

const today = () => new Date().toISOString().slice(0, 10);

export function reportRoutes(hub: Hub) {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/orders',
      tags,
      security,
      summary: 'Orders and revenue per channel per day, per currency',
      request: { query: OrdersQuery },
      responses: {
        200: jsonResponse(OrdersReport, 'A row per day, channel and currency that had an order'),
        ...errorResponses(),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await ordersByDay(hub.db, dayWindow(q.days, q.to)), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/orders.xlsx',
      tags,
      security,
      summary: 'Orders and revenue per channel per day as XLSX',
      request: { query: OrdersQuery.merge(LangQuery) },
      responses: xlsxAnswer('The report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const report = await ordersByDay(hub.db, dayWindow(q.days, q.to));
      return download(c, 'orders', report.window.to, ordersFile(report, q.lang));
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/stock-value',
      tags,
      security,
      summary: 'Stock value by own warehouse at base prices, per currency',
      description:
        'On hand × the product’s base price. Products without a base price are counted apart (`currency` null, and `unpriced`).',
      responses: { 200: jsonResponse(StockValueReport, 'A row per warehouse and currency'), ...errorResponses() },
    }),
    async (c) => c.json(await stockValue(hub.db), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/stock-value.xlsx',
      tags,
      security,
      summary: 'Stock value by own warehouse as XLSX',
      request: { query: LangQuery },
      responses: xlsxAnswer('The report'),
    }),
    async (c) =>
      download(c, 'stock-value', today(), stockValueFile(await stockValue(hub.db), c.req.valid('query').lang)),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/days-of-cover',
      tags,
      security,
      summary: 'The products closest to running out at their recent sales rate',
      description:
        'Days of cover = available in own warehouses ÷ average units sold per day over the window (orders not cancelled or returned). ' +
        'Products with no sales in the window have no rate and are only counted (`without_sales`).',
      request: { query: CoverQuery },
      responses: { 200: jsonResponse(CoverReport, 'Fewest days of cover first'), ...errorResponses() },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await daysOfCover(hub.db, dayWindow(q.days, q.to), q.limit), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/days-of-cover.xlsx',
      tags,
      security,
      summary: 'Days of cover as XLSX',
      request: { query: CoverQuery.merge(LangQuery) },
      responses: xlsxAnswer('The report'),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const report = await daysOfCover(hub.db, dayWindow(q.days, q.to), q.limit);
      return download(c, 'days-of-cover', report.window.to, coverFile(report, q.lang));
    },
  );
  return app;
}
