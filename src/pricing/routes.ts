import { createRoute, z } from '@hono/zod-openapi';
import type { Hub } from '../hub.ts';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
  security,
} from '../http/router.ts';
import {
  AccountPriceInput,
  accountPrices,
  BasePriceInput,
  clearAccountPrice,
  getBasePrice,
  listingPrices,
  priceHistory,
  setAccountPrice,
  setBasePrice,
} from './prices.ts';

const tags = ['Prices'];

const BasePrice = z
  .object({
    amount: z.number().int().openapi({ description: 'Minor units (kopecks, cents)', example: 129900 }),
    currency: z.string().openapi({ example: 'RUB' }),
    updated_at: z.string(),
  })
  .openapi('BasePrice');

const AccountPrice = z
  .object({
    account_id: z.number().int(),
    amount: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The account’s own price in minor units; null when a rule is set' }),
    currency: z.string().nullable(),
    factor: z
      .string()
      .nullable()
      .openapi({ description: 'The rule: base × factor, rounded to the channel’s step', example: '1.15' }),
  })
  .openapi('AccountPrice');

const ListingPrice = z
  .object({
    listing_id: z.number().int(),
    account_id: z.number().int(),
    external_id: z.string(),
    needs_push: z.boolean(),
    last_pushed_amount: z.number().int().nullable(),
    last_pushed_currency: z.string().nullable(),
    last_pushed_at: z.string().nullable(),
    refusal: z.string().nullable().openapi({
      description: 'The channel’s words when it refused the price (below its minimum, a promotion holding it)',
    }),
    refused_at: z.string().nullable(),
  })
  .openapi('ListingPrice');

const Prices = z
  .object({
    product_id: z.number().int(),
    base: BasePrice.nullable(),
    accounts: z.array(AccountPrice),
    listings: z.array(ListingPrice),
  })
  .openapi('ProductPrices');

const PriceChange = z
  .object({
    id: z.number().int(),
    product_id: z.number().int(),
    account_id: z.number().int().nullable().openapi({ description: 'null: the base price' }),
    before: z.unknown(),
    after: z.unknown(),
    actor: z.string(),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .openapi('PriceChange');

const AccountParams = IdParam.extend({
  accountId: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 53 - 1)
    .openapi({ param: { name: 'accountId', in: 'path' }, example: 1 }),
});

const Reason = z.object({ reason: z.string().trim().max(500).optional() });

export function pricingRoutes(hub: Hub) {
  const app = createRouter();
  const pricesOf = async (id: number) => ({
    product_id: id,
    base: await getBasePrice(hub.db, id),
    accounts: await accountPrices(hub.db, id),
    listings: await listingPrices(hub.db, id),
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products/{id}/price',
      tags,
      security,
      summary: 'A product’s base price, its accounts’ prices and rules, and what each listing got',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Prices, 'The prices'), ...errorResponses(404) },
    }),
    async (c) => c.json(await pricesOf(c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/products/{id}/price',
      tags,
      security,
      summary: 'Set a product’s base price',
      description:
        'In minor units of an ISO 4217 currency. Kept in the price history with `reason`; pushed to every channel that takes prices (its own price or rule applied).',
      request: { params: IdParam, body: jsonBody(BasePriceInput) },
      responses: { 200: jsonResponse(Prices, 'The prices as they are now'), ...errorResponses(404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      await setBasePrice(hub.db, id, c.req.valid('json'), c.get('actor').name);
      return c.json(await pricesOf(id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/products/{id}/prices/accounts/{accountId}',
      tags,
      security,
      summary: 'Give an account a price of its own, or a rule',
      description:
        '`{amount, currency}`: this price on this account; `{factor: "1.15"}`: base × factor, rounded to the channel’s step (needs a base price).',
      request: { params: AccountParams, body: jsonBody(AccountPriceInput) },
      responses: { 200: jsonResponse(Prices, 'The prices as they are now'), ...errorResponses(404, 409) },
    }),
    async (c) => {
      const { id, accountId } = c.req.valid('param');
      await setAccountPrice(hub.db, id, accountId, c.req.valid('json'), c.get('actor').name);
      return c.json(await pricesOf(id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/products/{id}/prices/accounts/{accountId}',
      tags,
      security,
      summary: 'Drop an account’s own price or rule: it gets the base price',
      request: { params: AccountParams, query: Reason },
      responses: { 200: jsonResponse(Prices, 'The prices as they are now'), ...errorResponses(404) },
    }),
    async (c) => {
      const { id, accountId } = c.req.valid('param');
      await clearAccountPrice(hub.db, id, accountId, c.get('actor').name, c.req.valid('query').reason);
      return c.json(await pricesOf(id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/products/{id}/price/history',
      tags,
      security,
      summary: 'Every price change of a product, newest first',
      description: 'Who, when, why; `account_id` null for the base price.',
      request: { params: IdParam, query: PageQuery },
      responses: { 200: jsonResponse(page(PriceChange), 'A page of changes'), ...errorResponses(404) },
    }),
    async (c) => c.json(await priceHistory(hub.db, c.req.valid('param').id, c.req.valid('query')), 200),
  );

  return app;
}
