import crypto from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errorResponses, IdParam, jsonResponse, security } from '../../http/router.ts';
import type { Hub } from '../../hub.ts';
import { DomainError } from '../../shared/errors.ts';
import { getAccount, loadState, requireMasterKey, saveState, type AccountView } from '../core/accounts.ts';
import { feedProducts } from '../core/feed-quantities.ts';
import { accountPricesOf } from '../../pricing/push.ts';
import { settingsOf, type KaspiSettings } from './client.ts';
import { kaspiConnector } from './connector.ts';
import { offerOf, PRICE_LIST_TAIL, priceListHead } from './price-list.ts';

/**
 * The price list Kaspi downloads (CONTRACT.md §6), served per account at a URL with a secret:
 * `GET /feeds/kaspi/{accountId}/price-list.xml?token=…` (public: Kaspi sends no key), and
 * `GET /api/v1/kaspi/{id}/price-list` (behind the key) answering that URL for the panel, the
 * demo and the seller to paste into the cabinet («Прайс-лист → Автоматическая загрузка»).
 *
 * The secret is in the query, not the path: Sklad logs every request's path, never its query.
 * It is 24 random bytes, made once per account on the first ask for the URL and kept in the
 * account's connector state, not its settings: the state is sealed under the master key like
 * the credentials, and stays out of the accounts API and the audit log, where settings are
 * shown whole. New credentials start the state afresh (core's rule), so a new API token also
 * makes a new URL: the way to retire a leaked one. A wrong token, an unknown or disabled
 * account all get the same 404, and tokens are compared in constant time.
 */

const FEED_PATH = '/feeds/kaspi/:accountId/price-list.xml';

interface FeedState {
  priceList?: { token: string };
}

const digest = (text: string) => crypto.createHash('sha256').update(text).digest();

async function storedToken(hub: Hub, accountId: number): Promise<string | null> {
  return (await loadState<FeedState>(hub.db, requireMasterKey(hub.masterKey), accountId))?.priceList?.token ?? null;
}

/**
 * The account's token, made on the first ask. Saved over the state as it is at that moment; the
 * orders job merges into the latest state the same way, so each keeps the other's part (a save
 * of theirs falling between this load and save could only happen once, on the very first ask).
 */
async function ensureToken(hub: Hub, accountId: number): Promise<string> {
  const masterKey = requireMasterKey(hub.masterKey);
  const state = (await loadState<FeedState & Record<string, unknown>>(hub.db, masterKey, accountId)) ?? {};
  if (state.priceList?.token) return state.priceList.token;
  const token = crypto.randomBytes(24).toString('base64url');
  await saveState(hub.db, masterKey, accountId, { ...state, priceList: { token } });
  return token;
}

/** The account whose price list this is, when the token is its own; null for anything else. */
async function feedAccount(
  hub: Hub,
  accountParam: string,
  token: string,
): Promise<{ account: AccountView; settings: KaspiSettings } | null> {
  if (!/^\d{1,15}$/.test(accountParam) || !token) return null;
  const account = await getAccount(hub.db, Number(accountParam)).catch((error) => {
    if (error instanceof DomainError && error.code === 'NOT_FOUND') return null;
    throw error;
  });
  if (!account || account.channel !== 'kaspi' || account.status === 'disabled') return null;
  const stored = await storedToken(hub, account.id);
  if (!stored || !crypto.timingSafeEqual(digest(stored), digest(token))) return null;
  const settings = settingsOf(account);
  return settings.merchantId ? { account, settings } : null;
}

/**
 * The price list as it is now, piece by piece: the head, a page of offers at a time, the tail.
 * The company is the account's name; each page's prices are Sklad's for the account, read as a
 * price push reads them (docs/decisions/205).
 */
async function* priceListXml(hub: Hub, account: AccountView, settings: KaspiSettings): AsyncGenerator<string> {
  yield priceListHead({ merchantId: settings.merchantId!, company: account.name, date: new Date() });
  const left = { sku: 0, price: 0 };
  let otherCurrency = 0;
  for await (const page of feedProducts(hub.db, account.id, { currency: 'KZT' })) {
    const prices = await accountPricesOf(
      hub.db,
      account.id,
      page.map((p) => p.productId),
      kaspiConnector.pricing!.step,
    );
    let xml = '';
    for (const product of page) {
      const price = prices.get(product.productId) ?? null;
      if (price && price.currency !== 'KZT') otherCurrency++;
      const offer = offerOf(product, settings.storeId, price);
      if ('xml' in offer) xml += offer.xml;
      else left[offer.left]++;
    }
    if (xml) yield xml;
  }
  if (otherCurrency)
    yield `  <!-- ${otherCurrency} product(s) priced in Sklad in another currency than KZT: their fallback price went out -->\n`;
  if (left.sku || left.price) {
    yield `  <!-- Left out: ${left.price} product(s) without a price (set a price in Sklad), ${left.sku} with a SKU Kaspi does not take -->\n`;
  }
  yield PRICE_LIST_TAIL;
}

/** A failure half-way cuts the answer short: Kaspi then refuses the broken file whole and keeps its last list, never a partial one. */
function streamOf(hub: Hub, accountId: number, pieces: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    async pull(controller) {
      try {
        const next = await pieces.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        hub.logger.error({ err: error, accountId }, 'the Kaspi price list failed half-way');
        controller.error(error);
      }
    },
    async cancel() {
      await pieces.return(undefined);
    },
  });
}

export function kaspiFeedRoutes(hub: Hub) {
  const app = createRouter();
  app.get(FEED_PATH, async (c) => {
    const found = await feedAccount(hub, c.req.param('accountId'), c.req.query('token') ?? '');
    if (!found) throw new DomainError('NOT_FOUND', 'No such price list', 404);
    return c.body(streamOf(hub, found.account.id, priceListXml(hub, found.account, found.settings)), 200, {
      'content-type': 'application/xml; charset=utf-8',
      'cache-control': 'no-store',
    });
  });
  return app;
}

const PriceListLink = z
  .object({
    account_id: z.number().int(),
    url: z
      .string()
      .url()
      .openapi({ description: 'What Kaspi downloads: paste it into the cabinet’s automatic price-list upload' }),
    merchant_id: z.string().nullable(),
    store_id: z.string(),
    problems: z
      .array(z.string())
      .openapi({ description: 'What keeps Kaspi from taking the list; empty when it is ready' }),
  })
  .openapi('KaspiPriceListLink');

/** The price list's path with its secret (the token made on the first ask); the URL is Sklad's address before it. */
export async function priceListPath(hub: Hub, accountId: number): Promise<string> {
  return `${FEED_PATH.replace(':accountId', String(accountId))}?token=${await ensureToken(hub, accountId)}`;
}

export function kaspiApiRoutes(hub: Hub) {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/kaspi/{id}/price-list',
      tags: ['Channels'],
      security,
      summary: 'The address Kaspi downloads this account’s price list from (stock and prices)',
      request: { params: IdParam },
      responses: { 200: jsonResponse(PriceListLink, 'The price list’s URL, with its secret'), ...errorResponses(404) },
    }),
    async (c) => {
      const account = await getAccount(hub.db, c.req.valid('param').id);
      if (account.channel !== 'kaspi')
        throw new DomainError('NOT_FOUND', `Account ${account.id} is a ${account.channel} account, not Kaspi`, 404, {
          account_id: account.id,
        });
      const settings = settingsOf(account);
      const base = (hub.config.SKLAD_PUBLIC_URL ?? new URL(c.req.url).origin).replace(/\/+$/, '');
      const url = `${base}${await priceListPath(hub, account.id)}`;
      const problems = [
        ...(settings.merchantId
          ? []
          : ['settings.merchantId is not set: the price list names the shop by it, and is not served without it']),
        ...(account.status === 'disabled' ? ['the account is disabled: its price list is not served'] : []),
      ];
      return c.json(
        { account_id: account.id, url, merchant_id: settings.merchantId ?? null, store_id: settings.storeId, problems },
        200,
      );
    },
  );
  return app;
}
