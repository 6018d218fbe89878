import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { listAccounts, type AccountView } from '../../channels/core/accounts.ts';
import { bulkEditProducts, ProductBulkEdit, type BulkRowError } from '../../catalog/bulk.ts';
import { listProducts, type ProductFilter } from '../../catalog/products.ts';
import type { Product, ProductSort } from '../../catalog/schemas.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import {
  channelName,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatNumber,
  Notice,
  Select,
  TableWrap,
} from '../ui.tsx';
import { CursorPager, cursorParam, Head, listUrl, SortHead } from './cursor-pager.tsx';

/**
 * The products list (issue 20): filtered by search, channel or account a product is listed on and
 * the archive, sorted by a column, paged by the API's keyset cursor, and a bulk edit of the rows
 * ticked (src/catalog/bulk.ts: all of them in one transaction, or none).
 */

const PAGE_SIZE = 24;

/** The sort choices: the API's sort and direction (GET /api/v1/products). */
const sortChoices = {
  sku: { sort: 'sku', direction: 'asc' },
  sku_desc: { sort: 'sku', direction: 'desc' },
  name: { sort: 'name', direction: 'asc' },
  name_desc: { sort: 'name', direction: 'desc' },
  updated: { sort: 'updated_at', direction: 'desc' },
  updated_asc: { sort: 'updated_at', direction: 'asc' },
  stock: { sort: 'stock', direction: 'asc' },
  stock_desc: { sort: 'stock', direction: 'desc' },
} as const satisfies Record<string, { sort: ProductSort; direction: 'asc' | 'desc' }>;
type SortChoice = keyof typeof sortChoices;

interface ListFilters {
  q?: string;
  channel?: string;
  account?: string;
  archived?: 'only' | 'all';
  sort?: SortChoice;
}

/** What the list shows besides the rows: a bulk edit's outcome, its refusal, the ticked rows. */
interface ListState {
  done?: { changed: number; unchanged: number };
  errors?: FieldErrors;
  refused?: BulkRowError[];
  selected: Set<number>;
  form?: Record<string, string>;
}

type ProductPage = Awaited<ReturnType<typeof listProducts>>;

export function productListRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/products', async (c) => {
    const query = c.req.query();
    const accounts = await listAccounts(hub.db);
    const filters = readFilters(query, accounts);
    const page = { cursor: cursorParam(query.cursor), before: cursorParam(query.before) };
    const list = await productPage(hub, filters, page);
    const done =
      query.done !== undefined ? { changed: Number(query.done) || 0, unchanged: Number(query.same) || 0 } : undefined;
    const selected = new Set(query.select === 'all' ? list.items.map((p) => p.id) : []);
    return render(c, hub, { filters, page, list, accounts, state: { done, selected } });
  });

  // The bulk form posts the ticked rows (`id:version`) and one action; the list's state comes along to return to it.
  app.post('/products/bulk', async (c) => {
    const v = viewOf(c);
    const body = await c.req.parseBody({ all: true });
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    const accounts = await listAccounts(hub.db);
    const filters = readFilters(
      {
        q: text('q'),
        channel: text('channel'),
        account: text('account'),
        archived: text('archived'),
        sort: text('sort'),
      },
      accounts,
    );
    const page = { cursor: cursorParam(text('cursor')), before: cursorParam(text('before')) };
    const ticked = ([] as unknown[]).concat(body.ids ?? []).filter((x): x is string => typeof x === 'string');
    const products = ticked
      .map((x) => x.split(':').map(Number))
      .filter(([id]) => Number.isSafeInteger(id) && id > 0)
      .map(([id, version]) => ({ id, version: version || undefined }));
    const form = {
      attr_name: text('attr_name'),
      attr_value: text('attr_value'),
      price: text('price'),
      currency: text('currency') || 'RUB',
    };
    // Shown again with the selection kept and the problem beside its field (a 200, as the panel's other forms answer).
    const again = async (state: Omit<ListState, 'selected' | 'form'>) => {
      const list = await productPage(hub, filters, page);
      return render(c, hub, {
        filters,
        page,
        list,
        accounts,
        state: { ...state, form, selected: new Set(products.map((p) => p.id)) },
      });
    };
    if (!products.length) return again({ errors: { form: v.t('lists.noneSelected') } });
    const action = actionOf(text('action'), form);
    if (action === 'bad price') return again({ errors: { price: v.t('lists.badPrice') } });
    const parsed = ProductBulkEdit.safeParse({ products, action });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field =
        issue?.path[0] === 'action'
          ? issue.path[1] === 'name'
            ? 'attr_name'
            : issue.path[1] === 'value'
              ? 'attr_value'
              : issue.path[1] === 'currency'
                ? 'currency'
                : 'price'
          : 'form';
      return again({
        errors: { [field]: field === 'attr_name' ? v.t('lists.attrNeeded') : localize(v.lang, issue?.message ?? '') },
      });
    }
    try {
      const result = await bulkEditProducts(hub.db, parsed.data, c.get('actor').name);
      const back = {
        ...listParams(filters),
        ...page,
        done: String(result.changed.length),
        same: String(result.unchanged.length),
      };
      return c.redirect(listUrl('/products', back), 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const refused = (error.details as { errors?: BulkRowError[] } | undefined)?.errors;
      return refused ? again({ refused }) : again({ errors: { form: localize(v.lang, error) } });
    }
  });
  return app;
}

/** The form's action as the API's; an empty attribute value removes the attribute. */
function actionOf(name: string, form: Record<string, string>): Record<string, unknown> | 'bad price' {
  if (name === 'archive' || name === 'restore') return { type: name };
  if (name === 'set_base_price') {
    const minor = minorUnits(form.price, form.currency);
    return minor === null ? 'bad price' : { type: 'set_base_price', amount: minor, currency: form.currency };
  }
  if (form.attr_value === '') return { type: 'remove_attribute', name: form.attr_name };
  return { type: 'set_attribute', name: form.attr_name, value: form.attr_value };
}

/** `1299,90` or `1 299.90` in minor units of the currency (its decimals as Intl knows them); null if it is no price. */
function minorUnits(text: string, currency: string): number | null {
  const plain = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  let digits = 2;
  try {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown currency: the API's check names it.
  }
  if (!new RegExp(`^\\d{1,13}(\\.\\d{0,${digits}})?$`).test(plain)) return null;
  const [whole, part = ''] = plain.split('.');
  return Number(whole) * 10 ** digits + Number(part.padEnd(digits, '0') || 0);
}

function readFilters(query: Record<string, string | undefined>, accounts: AccountView[]): ListFilters {
  const filters: ListFilters = {};
  const q = query.q?.trim().slice(0, 200);
  if (q) filters.q = q;
  if (query.channel && accounts.some((a) => a.channel === query.channel)) filters.channel = query.channel;
  if (
    query.account &&
    accounts.some((a) => String(a.id) === query.account && (!filters.channel || a.channel === filters.channel))
  )
    filters.account = query.account;
  if (query.archived === 'only' || query.archived === 'all') filters.archived = query.archived;
  if (query.sort && query.sort in sortChoices) filters.sort = query.sort as SortChoice;
  return filters;
}

const listParams = (f: ListFilters) => ({
  q: f.q,
  channel: f.channel,
  account: f.account,
  archived: f.archived,
  sort: f.sort,
});

/** A page by the API's cursor; a cursor that no longer fits (the sort changed by hand) gives the first page. */
async function productPage(hub: Hub, f: ListFilters, page: { cursor?: string; before?: string }): Promise<ProductPage> {
  const filter: ProductFilter = {
    q: f.q,
    channel: f.channel,
    account_id: f.account ? Number(f.account) : undefined,
    include_archived: f.archived === 'all',
    archived: f.archived === 'only' ? 'only' : undefined,
    ...(f.sort ? sortChoices[f.sort] : {}),
    limit: PAGE_SIZE,
    ...page,
  };
  try {
    return await listProducts(hub.db, filter);
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'VALIDATION_FAILED' && (page.cursor || page.before)))
      throw error;
    return listProducts(hub.db, { ...filter, cursor: undefined, before: undefined });
  }
}

async function availableByProduct(hub: Hub, ids: number[]): Promise<Map<number, number>> {
  if (!ids.length) return new Map();
  const found = await rows<{ product_id: number; available: number }>(
    hub.db,
    sql`
    select product_id, sum(available)::bigint as available from stock_levels
     where product_id = any(${sql.param(ids)}::bigint[]) group by product_id`,
  );
  return new Map(found.map((r) => [Number(r.product_id), Number(r.available)]));
}

interface RenderInput {
  filters: ListFilters;
  page: { cursor?: string; before?: string };
  list: ProductPage;
  accounts: AccountView[];
  state: ListState;
}

async function render(c: WebContext, hub: Hub, input: RenderInput) {
  const v = viewOf(c);
  const stock = await availableByProduct(
    hub,
    input.list.items.map((p) => p.id),
  );
  return renderPage(c, v.t('products.title'), <ProductList v={v} {...input} stock={stock} />);
}

function ProductList({
  v,
  filters,
  page,
  list,
  accounts,
  state,
  stock,
}: RenderInput & { v: View; stock: Map<number, number> }) {
  const { t } = v;
  const params = listParams(filters);
  const filtered = Boolean(filters.q || filters.channel || filters.account || filters.archived);
  return (
    <>
      <div class="page-head">
        <h1>{t('products.title')}</h1>
        {v.canWrite && (
          <a class="button" href="/products/new">
            + {t('products.card')}
          </a>
        )}
      </div>
      <ListFiltersForm v={v} filters={filters} accounts={accounts} filtered={filtered} />
      <section id="results" aria-live="polite">
        {state.done && (
          <Notice kind="success">
            {t('lists.done', { changed: state.done.changed, unchanged: state.done.unchanged })}
          </Notice>
        )}
        {list.items.length === 0 ? (
          <Empty>{filters.q ? t('products.noMatch', { q: filters.q }) : t('products.empty')}</Empty>
        ) : (
          // No data-busy here: disabling the buttons on submit would drop the pressed one's action from the form.
          <form method="post" action="/products/bulk" id="bulk">
            {Object.entries({ ...params, ...page }).map(
              ([name, value]) => value && <input type="hidden" name={name} value={value} />,
            )}
            {v.canWrite && <BulkBar v={v} state={state} list={list} params={params} page={page} />}
            <ProductTable v={v} filters={filters} list={list} stock={stock} selected={state.selected} />
            <CursorPager
              v={v}
              shown={list.items.length}
              total={list.total}
              next={list.next_cursor}
              prev={list.prev_cursor}
              params={params}
              base="/products"
            />
          </form>
        )}
      </section>
    </>
  );
}

function ListFiltersForm({
  v,
  filters,
  accounts,
  filtered,
}: {
  v: View;
  filters: ListFilters;
  accounts: AccountView[];
  filtered: boolean;
}) {
  const { t } = v;
  const channels = [...new Set(accounts.map((a) => a.channel))].sort();
  return (
    <form
      class="inline-form card filters"
      method="get"
      action="/products"
      role="search"
      aria-label={t('lists.filters')}
    >
      <Field
        name="q"
        type="search"
        label={t('products.searchLabel')}
        value={filters.q}
        attrs={{
          placeholder: t('products.searchPlaceholder'),
          autocomplete: 'off',
          // Results follow the typing; Enter (or no JavaScript) sends the form as usual.
          'hx-get': '/products',
          'hx-include': 'closest form',
          'hx-trigger': 'input changed delay:300ms, search',
          'hx-target': '#results',
          'hx-select': '#results',
          'hx-swap': 'outerHTML',
          'hx-push-url': 'true',
          'hx-indicator': '#search-busy',
        }}
      />
      <Select
        name="channel"
        label={t('lists.channel')}
        value={filters.channel}
        placeholder={t('lists.anyChannel')}
        options={channels.map((ch) => ({ value: ch, label: channelName(ch) }))}
      />
      <Select
        name="account"
        label={t('lists.account')}
        value={filters.account}
        placeholder={t('lists.anyAccount')}
        options={accounts
          .filter((a) => !filters.channel || a.channel === filters.channel)
          .map((a) => ({ value: String(a.id), label: `${a.name} · ${channelName(a.channel)}` }))}
      />
      <Select
        name="archived"
        label={t('lists.archived')}
        value={filters.archived ?? ''}
        options={[
          { value: '', label: t('lists.archivedNo') },
          { value: 'only', label: t('lists.archivedOnly') },
          { value: 'all', label: t('lists.archivedAll') },
        ]}
      />
      <Select
        name="sort"
        label={t('lists.sort')}
        value={filters.sort ?? 'sku'}
        options={(Object.keys(sortChoices) as SortChoice[]).map((choice) => ({
          value: choice,
          label: t(`lists.sort_${choice}`),
        }))}
      />
      <div class="actions">
        <button type="submit">
          <span id="search-busy" class="htmx-indicator spinner" aria-hidden="true"></span>
          {t('common.search')}
        </button>
        {filtered && (
          <a class="button ghost" href="/products">
            {t('common.reset')}
          </a>
        )}
      </div>
    </form>
  );
}

interface BulkBarProps {
  v: View;
  state: ListState;
  list: ProductPage;
  params: Record<string, string | undefined>;
  page: { cursor?: string; before?: string };
}

/** The actions on the ticked rows; each button sends the form with its action, so no script is needed. */
function BulkBar({ v, state, list, params, page }: BulkBarProps) {
  const { t } = v;
  const errors = state.errors ?? {};
  const form = state.form ?? {};
  const skuOf = new Map(list.items.map((p) => [p.id, p.sku]));
  const here = { ...params, ...page };
  return (
    <section class="card" id="bulk-edit" aria-labelledby="bulk-title" style="margin-bottom:1rem">
      <h2 id="bulk-title">{t('lists.bulkTitle')}</h2>
      <p class="hint">
        <small>{t('lists.bulkHint')}</small>
      </p>
      {errors.form && <Notice kind="error">{errors.form}</Notice>}
      {state.refused && (
        <Notice kind="error">
          {t('lists.refused')}
          <ul id="bulk-refused">
            {state.refused.map((row) => (
              <li data-product={row.product_id}>
                <span class="mono">{skuOf.get(row.product_id) ?? `#${row.product_id}`}</span>:{' '}
                {localize(v.lang, new DomainError(row.code, row.message, undefined, row))}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      <p class="actions">
        <a class="button ghost small" href={listUrl('/products', { ...here, select: 'all' })}>
          ☑ {t('lists.selectAll')}
        </a>
        {state.selected.size > 0 && (
          <a class="button ghost small" href={listUrl('/products', here)}>
            ☐ {t('lists.selectNone')}
          </a>
        )}
        {state.selected.size > 0 && <small>{t('lists.selected', { n: state.selected.size })}</small>}
      </p>
      <div class="inline-form">
        <Field
          name="attr_name"
          label={t('lists.attrName')}
          value={form.attr_name}
          errors={errors}
          attrs={{ autocomplete: 'off', spellcheck: 'false' }}
        />
        <Field
          name="attr_value"
          label={t('lists.attrValue')}
          value={form.attr_value}
          errors={errors}
          hint={t('lists.attrValueHint')}
        />
        <div class="actions">
          <button type="submit" name="action" value="set_attribute">
            {t('lists.setAttribute')}
          </button>
        </div>
      </div>
      <div class="inline-form">
        <Field
          name="price"
          label={t('lists.price')}
          value={form.price}
          errors={errors}
          hint={t('lists.priceHint')}
          attrs={{ inputmode: 'decimal', autocomplete: 'off' }}
        />
        <Field
          name="currency"
          label={t('lists.currency')}
          value={form.currency ?? 'RUB'}
          errors={errors}
          attrs={{ maxlength: 3, autocomplete: 'off' }}
        />
        <div class="actions">
          <button type="submit" name="action" value="set_base_price">
            {t('lists.setPrice')}
          </button>
        </div>
      </div>
      <p class="actions">
        <button type="submit" class="ghost" name="action" value="archive">
          {t('lists.archive')}
        </button>
        <button type="submit" class="ghost" name="action" value="restore">
          {t('lists.restore')}
        </button>
      </p>
    </section>
  );
}

interface TableProps {
  v: View;
  filters: ListFilters;
  list: ProductPage;
  stock: Map<number, number>;
  selected: Set<number>;
}

/** The rows as a table whose headings sort it; on a phone each row is a card (panel.css's table.cards). */
function ProductTable({ v, filters, list, stock, selected }: TableProps) {
  const { t } = v;
  const sort = filters.sort ?? 'sku';
  const head = (
    label: string,
    asc: SortChoice,
    desc: SortChoice,
    first: 'asc' | 'desc',
    extra: { num?: boolean; keyColumn?: boolean } = {},
  ) => {
    const current = sort === asc ? 'asc' : sort === desc ? 'desc' : undefined;
    const to = current ? (current === 'asc' ? desc : asc) : first === 'asc' ? asc : desc;
    return (
      <SortHead
        v={v}
        label={label}
        current={current}
        href={listUrl('/products', { ...listParams(filters), sort: to === 'sku' ? undefined : to })}
        {...extra}
      />
    );
  };
  return (
    <TableWrap label={t('products.title')}>
      <table id="products" class="cards products-table" data-keyed="">
        <thead>
          <tr>
            {v.canWrite && <Head label="" keyColumn />}
            <Head label={t('products.image')} />
            {head(t('products.name'), 'name', 'name_desc', 'asc', { keyColumn: true })}
            {head(t('products.sku'), 'sku', 'sku_desc', 'asc', { keyColumn: true })}
            <Head label={t('products.ean')} />
            {head(t('products.stock'), 'stock', 'stock_desc', 'desc', { num: true, keyColumn: true })}
            {head(t('lists.updated'), 'updated_asc', 'updated', 'desc')}
            {v.canWrite && <Head label="" keyColumn />}
          </tr>
        </thead>
        <tbody>
          {list.items.map((p) => (
            <ProductRow v={v} product={p} available={stock.get(p.id) ?? 0} checked={selected.has(p.id)} />
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function ProductRow({
  v,
  product,
  available,
  checked,
}: {
  v: View;
  product: Product;
  available: number;
  checked: boolean;
}) {
  const { t } = v;
  return (
    <tr class={product.archived ? 'row-muted' : undefined} data-sku={product.sku} data-id={product.id}>
      {v.canWrite && (
        <td class="key">
          <input
            type="checkbox"
            name="ids"
            value={`${product.id}:${product.version}`}
            checked={checked}
            aria-label={t('lists.select', { name: product.name })}
            style="width:1.25rem;height:1.25rem;min-height:0"
          />
        </td>
      )}
      <td>
        {product.image ? (
          <img
            class="thumb"
            src={`/products/${product.id}/thumbnail?v=${product.version}`}
            alt=""
            width="40"
            height="40"
            loading="lazy"
            style="width:40px;height:40px"
          />
        ) : (
          <span class="thumb" aria-hidden="true" style="width:40px;height:40px;font-size:0.6rem">
            {t('products.noImage')}
          </span>
        )}
      </td>
      <td data-label={t('products.name')} class="key">
        <a href={`/products/${product.id}`}>{product.name}</a>
        {product.archived && <small> · {t('products.archived')}</small>}
      </td>
      <td data-label={t('products.sku')} class="mono key">
        {product.sku}
      </td>
      <td data-label={t('products.ean')} class="mono">
        {product.ean ?? t('common.none')}
      </td>
      <td data-label={t('products.stock')} class="num key">
        {formatNumber(v, available)}
      </td>
      <td data-label={t('lists.updated')}>
        <small>{formatDateTime(v, product.updated_at)}</small>
      </td>
      {v.canWrite && (
        <td class="key">
          <a
            class="button ghost small"
            href={`/products/${product.id}/edit`}
            aria-label={t('products.edit', { name: product.name })}
          >
            ✎ {t('common.edit')}
          </a>
        </td>
      )}
    </tr>
  );
}
