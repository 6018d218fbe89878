import { Hono } from 'hono';
import { listProducts } from '../../catalog/products.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { basePricesOf, refusedPrices, type Money, type RefusedPrice } from '../../pricing/prices.ts';
import { viewOf, type View } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { channelName, Empty, Field, formatDateTime, formatMoney, key, num, offsetParam, Pager, Table } from '../ui.tsx';

/**
 * The prices overview (issue 20): each product's base price, and the listings whose last price
 * push the channel refused, with its reason and a link to the product's prices page.
 */

const PAGE_SIZE = 50;
const REFUSALS_SHOWN = 50;
/** The refusals page by an offset of their own: paging them keeps the products' page and search, and the other way round. */
const REFUSED_OFFSET = 'refused_offset';

export function priceOverviewRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.get('/prices', async (c) => {
    const v = viewOf(c);
    const q = c.req.query('q')?.trim().slice(0, 200) || undefined;
    const offset = offsetParam(c.req.query('offset'));
    const refusedOffset = offsetParam(c.req.query(REFUSED_OFFSET));
    const [list, refused] = await Promise.all([
      listProducts(hub.db, { q, limit: PAGE_SIZE, offset }),
      refusedPrices(hub.db, { limit: REFUSALS_SHOWN, offset: refusedOffset }),
    ]);
    const prices = await basePricesOf(
      hub.db,
      list.items.map((p) => p.id),
    );
    const { t } = v;
    return renderPage(
      c,
      t('prices.title'),
      <>
        <div class="page-head">
          <h1>{t('prices.title')}</h1>
        </div>
        <p>{t('prices.intro')}</p>
        <section class="card" id="refused">
          <h2>
            {t('prices.refused')} {refused.total > 0 && <small>{t('prices.refusedCount', { n: refused.total })}</small>}
          </h2>
          {refused.total === 0 ? (
            <Empty>{t('prices.refusedNone')}</Empty>
          ) : (
            <>
              <Refused v={v} items={refused.items} />
              <RefusedPager
                v={v}
                total={refused.total}
                offset={refusedOffset}
                params={{ q, offset: offset ? String(offset) : undefined }}
              />
            </>
          )}
        </section>
        <section class="card" style="margin-top:1rem" id="base-prices">
          <h2>{t('prices.base')}</h2>
          <form class="search" method="get" action="/prices" role="search">
            <Field name="q" type="search" label={t('prices.searchLabel')} value={q} attrs={{ autocomplete: 'off' }} />
            <button type="submit">{t('common.search')}</button>
          </form>
          {list.items.length === 0 ? (
            <Empty>{q ? t('prices.noMatch', { q }) : t('prices.noProducts')}</Empty>
          ) : (
            <>
              <BasePrices v={v} items={list.items} prices={prices} />
              <Pager
                v={v}
                total={list.total}
                limit={list.limit}
                offset={list.offset}
                base="/prices"
                params={{ q, [REFUSED_OFFSET]: refusedOffset ? String(refusedOffset) : undefined }}
              />
            </>
          )}
        </section>
      </>,
    );
  });
  return app;
}

function BasePrices({
  v,
  items,
  prices,
}: {
  v: View;
  items: { id: number; sku: string; name: string }[];
  prices: Map<number, Money>;
}) {
  const { t } = v;
  return (
    <Table
      label={t('prices.base')}
      columns={[key(t('products.sku')), t('prices.product'), key(num(t('prices.base'))), '']}
    >
      {items.map((p) => {
        const price = prices.get(p.id);
        return (
          <tr data-product={p.id}>
            <td class="mono">{p.sku}</td>
            <td>{p.name}</td>
            <td class="num" data-field="base">
              {price ? formatMoney(v, price.amount, price.currency) : t('prices.notSet')}
            </td>
            <td>
              <a href={`/products/${p.id}/prices`} aria-label={`${t('prices.open')}: ${p.name}`}>
                {t('prices.open')}
              </a>
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

/** Pages the refusals, only when there is more than one page; the products' page and search stay as they are. */
function RefusedPager({
  v,
  total,
  offset,
  params,
}: {
  v: View;
  total: number;
  offset: number;
  params: Record<string, string | undefined>;
}) {
  if (offset === 0 && total <= REFUSALS_SHOWN) return null;
  return (
    <Pager
      v={v}
      total={total}
      limit={REFUSALS_SHOWN}
      offset={offset}
      params={params}
      base="/prices"
      param={REFUSED_OFFSET}
      hash="#refused"
      name="refused"
    />
  );
}

function Refused({ v, items }: { v: View; items: RefusedPrice[] }) {
  const { t } = v;
  return (
    <Table
      label={t('prices.refused')}
      columns={[key(t('prices.product')), t('prices.account'), key(t('prices.reason')), t('common.when')]}
    >
      {items.map((r) => (
        <tr data-listing={r.listing_id}>
          <td>
            <a href={`/products/${r.product_id}/prices#listings`}>{r.name}</a> <small class="mono">{r.sku}</small>
          </td>
          <td>
            {r.account} <small>{channelName(r.channel)}</small>
          </td>
          <td data-field="refusal">
            <Refusal v={v} text={r.refusal} />
          </td>
          <td>
            <small>{formatDateTime(v, r.refused_at)}</small>
          </td>
        </tr>
      ))}
    </Table>
  );
}

/** Sklad's own refusal (src/pricing/push.ts: a currency the channel does not take) in the page's language; null for the channel's words. */
function refusalText(v: View, text: string): string | null {
  const currency = /^(.+) takes prices in ([A-Z]{3}(?:, [A-Z]{3})*) only, not ([A-Z]{3})$/.exec(text);
  return currency
    ? v.t('prices.onlyCurrencies', { channel: currency[1], currencies: currency[2], currency: currency[3] })
    : null;
}

/** A refusal: Sklad's own words in the page's language, the channel's as the channel said them. */
export function Refusal({ v, text }: { v: View; text: string }) {
  const ours = refusalText(v, text);
  return ours ? <span>{ours}</span> : <span data-raw>{text}</span>;
}
