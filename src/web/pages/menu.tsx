import { Hono } from 'hono';
import type { Tx } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import {
  localFieldsPatch,
  updateCategoryLocalFields,
  updateProductLocalFields,
  type LocalFieldsPatch,
} from '../../menu/local-fields.ts';
import {
  categoryTree,
  getCategory,
  getProduct,
  listMenuSyncHistory,
  listProducts,
  listStopLists,
  type CategoryNode,
} from '../../menu/queries.ts';
import { listSettings, type SettingView } from '../../menu/settings.ts';
import { runSync, type SyncKind } from '../../menu/sync.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View } from '../context.ts';
import { menuWords } from '../words/menu.ts';
import { renderPage } from '../layout.tsx';
import {
  Badge,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatDuration,
  formatNumber,
  intParam,
  key,
  Notice,
  num,
  offsetParam,
  Pager,
  Table,
  toneOf,
} from '../ui.tsx';

/**
 * The iiko menu (seed 003, «Данные iiko»): the category tree, dishes with prices and
 * availability, the stop lists, the sync buttons and history, and the forms for the fields a
 * restaurant keeps in Sklad only (visibility, SEO, tags, images, sort order). Its words are
 * a part of the one dictionary (src/web/words/menu.ts).
 */

const PAGE_SIZE = 50;

type Word = keyof typeof menuWords.en;

/** The page's own words, in the one dictionary under `iiko.` (src/web/words/menu.ts). */
const say = (v: View, key: Word, params?: Record<string, string | number>): string => v.t(`iiko.${key}`, params);

const syncButtons: SyncKind[] = ['full', 'menu', 'stoplist', 'terminals', 'payments'];
const allKinds: SyncKind[] = ['full', 'menu', 'prices', 'stoplist', 'terminals', 'payments'];
const localFieldNames = ['is_visible', 'seo_title', 'seo_description', 'tags', 'image_urls', 'sort_order'] as const;

/** The setting and organization a page shows: the ones asked for, else the first. */
interface Scope {
  settings: SettingView[];
  setting: SettingView | null;
  organizationId: string | null;
}

function scopeOf(settings: SettingView[], q: Record<string, string>): Scope {
  const setting = settings.find((s) => s.id === intParam(q.setting)) ?? settings[0] ?? null;
  const organizations = setting ? organizationsOf(setting) : [];
  const organizationId = organizations.find((o) => o.id === q.org)?.id ?? organizations[0]?.id ?? null;
  return { settings, setting, organizationId };
}

/** The organizations a setting syncs: the chosen ones, or every one its login sees. */
function organizationsOf(setting: SettingView) {
  const chosen = setting.organization_ids;
  return chosen.length
    ? chosen.map((id) => setting.organizations.find((o) => o.id === id) ?? { id, name: null, code: null })
    : setting.organizations;
}

const scopeQuery = (scope: Scope) =>
  new URLSearchParams({
    ...(scope.setting ? { setting: String(scope.setting.id) } : {}),
    ...(scope.organizationId ? { org: scope.organizationId } : {}),
  });

function money(v: View, minor: number | null | undefined, currency: string) {
  if (minor === null || minor === undefined) return v.t('common.none');
  return new Intl.NumberFormat(v.lang === 'ru' ? 'ru-RU' : 'en-GB', { style: 'currency', currency }).format(
    minor / 100,
  );
}

export function menuPageRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/menu', async (c) => {
    const v = viewOf(c);
    const q = c.req.query();
    const scope = scopeOf(await listSettings(hub.db), q);
    const filter = {
      categoryId: intParam(q.category),
      isAvailable: q.available === 'yes' ? true : q.available === 'no' ? false : undefined,
      q: q.q?.trim().slice(0, 200) || undefined,
    };
    const offset = offsetParam(q.offset);
    const inScope = { settingId: scope.setting?.id ?? 0, organizationId: scope.organizationId ?? undefined };
    const [tree, products, last, run] = await Promise.all([
      categoryTree(hub.db, inScope),
      listProducts(hub.db, { ...inScope, ...filter, withSubcategories: true, limit: PAGE_SIZE, offset }),
      listMenuSyncHistory(hub.db, { settingId: inScope.settingId, limit: 1 }),
      intParam(q.run)
        ? listMenuSyncHistory(hub.db, { settingId: inScope.settingId, runId: intParam(q.run), limit: 1 })
        : [],
    ]);
    return renderPage(
      c,
      say(v, 'title'),
      <MenuFrame v={v} scope={scope} tab="dishes" last={last[0]} run={run[0]} error={q.error}>
        {scope.setting && (
          <div class="menu-layout">
            <section class="card" aria-labelledby="tree-title">
              <h2 id="tree-title">{say(v, 'categories')}</h2>
              <p>
                <a href={`/menu?${scopeQuery(scope)}`} aria-current={filter.categoryId ? undefined : 'page'}>
                  {say(v, 'allCategories')}
                </a>
              </p>
              {tree.length ? (
                <Tree v={v} nodes={tree} scope={scope} current={filter.categoryId} />
              ) : (
                <Empty>{say(v, 'noCategories')}</Empty>
              )}
            </section>
            <section class="card" aria-labelledby="products-title">
              <h2 id="products-title">{say(v, 'dishes')}</h2>
              <form method="get" action="/menu" class="inline-form">
                {scope.setting && <input type="hidden" name="setting" value={String(scope.setting.id)} />}
                {scope.organizationId && <input type="hidden" name="org" value={scope.organizationId} />}
                {filter.categoryId && <input type="hidden" name="category" value={String(filter.categoryId)} />}
                <Field
                  name="q"
                  label={say(v, 'search')}
                  value={filter.q}
                  attrs={{ type: 'search', autocomplete: 'off' }}
                />
                <div class="field">
                  <label for="f-available">{say(v, 'availability')}</label>
                  <select id="f-available" name="available">
                    <option value="">{say(v, 'any')}</option>
                    <option value="yes" selected={filter.isAvailable === true}>
                      {say(v, 'available')}
                    </option>
                    <option value="no" selected={filter.isAvailable === false}>
                      {say(v, 'unavailable')}
                    </option>
                  </select>
                </div>
                <div class="actions">
                  <button type="submit">{say(v, 'show')}</button>
                </div>
              </form>
              <ProductTable v={v} items={products.items} />
              <Pager
                v={v}
                total={products.total}
                limit={PAGE_SIZE}
                offset={offset}
                base="/menu"
                params={{
                  ...Object.fromEntries(scopeQuery(scope)),
                  category: filter.categoryId ? String(filter.categoryId) : undefined,
                  available: q.available,
                  q: filter.q,
                }}
              />
            </section>
          </div>
        )}
      </MenuFrame>,
    );
  });

  app.get('/menu/stop-lists', async (c) => {
    const v = viewOf(c);
    const scope = scopeOf(await listSettings(hub.db), c.req.query());
    const stops =
      scope.setting && scope.organizationId
        ? await listStopLists(hub.db, { settingId: scope.setting.id, organizationId: scope.organizationId })
        : [];
    return renderListTab(
      c,
      scope,
      'stops',
      'stopLists',
      'noStops',
      stops.length > 0,
      <Table
        label={say(v, 'stopLists')}
        id="stop-lists"
        columns={[say(v, 'product'), say(v, 'terminalGroup'), num(say(v, 'balance')), say(v, 'added')]}
      >
        {(stops as unknown as StopRow[]).map((s) => (
          <tr data-external-id={s.product_external_id} class={s.balance <= 0 ? 'row-bad' : undefined}>
            <td>
              {s.product_id ? (
                <a href={`/menu/products/${s.product_id}`}>{s.product_name}</a>
              ) : (
                <span class="mono">{s.product_external_id}</span>
              )}
            </td>
            <td>{s.terminal_group_name ?? s.terminal_group_id}</td>
            <td class="num">{formatNumber(v, s.balance)}</td>
            <td>
              <small>{formatDateTime(v, s.added_at)}</small>
            </td>
          </tr>
        ))}
      </Table>,
    );
  });

  app.get('/menu/history', async (c) => {
    const v = viewOf(c);
    const scope = scopeOf(await listSettings(hub.db), c.req.query());
    const history = scope.setting
      ? ((await listMenuSyncHistory(hub.db, { settingId: scope.setting.id, limit: 100 })) as unknown as HistoryRow[])
      : [];
    return renderListTab(
      c,
      scope,
      'history',
      'history',
      'noHistory',
      history.length > 0,
      <Table
        label={say(v, 'history')}
        id="menu-history"
        columns={[
          key(say(v, 'type')),
          key(v.t('common.status')),
          num(say(v, 'items')),
          num(say(v, 'duration')),
          key(say(v, 'started')),
          key(say(v, 'error')),
        ]}
      >
        {history.map((h) => (
          <tr data-type={h.sync_type} data-status={h.status}>
            <td>{kindLabel(v, h.sync_type)}</td>
            <td>
              <StatusBadge v={v} status={h.status} />
            </td>
            <td class="num">{formatNumber(v, h.items_synced)}</td>
            <td class="num">{formatDuration(v, h.duration_ms)}</td>
            <td>
              <small>{formatDateTime(v, h.started_at)}</small>
            </td>
            <td>{h.error_message ?? ''}</td>
          </tr>
        ))}
      </Table>,
    );
  });

  // Runs the sync in the request (the seed's buttons answer when it is done), then shows its outcome.
  app.post('/menu/sync', async (c) => {
    const body = await c.req.parseBody();
    const kind = syncButtons.find((k) => k === body.kind);
    const settingId = intParam(typeof body.setting === 'string' ? body.setting : undefined);
    if (!kind || !settingId) throw new DomainError('NOT_FOUND', 'No such sync', 404);
    const back = new URLSearchParams({ setting: String(settingId) });
    if (typeof body.org === 'string' && body.org) back.set('org', body.org);
    try {
      const report = await runSync(hub, settingId, kind);
      back.set('run', String(report.sync_run_id));
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      const runId = (error.details as { sync_run_id?: number } | undefined)?.sync_run_id;
      if (runId) back.set('run', String(runId));
      else back.set('error', error.code);
    }
    return c.redirect(`/menu?${back}`, 303);
  });

  // A dish and a category: the same pages for their site fields, each with its own reader, writer and view.
  const editable = <T extends LocalRow>(
    path: string,
    what: string,
    load: (id: number) => Promise<T>,
    update: (tx: Tx, id: number, patch: LocalFieldsPatch, actor: string) => Promise<unknown>,
    render: (
      c: Parameters<typeof viewOf>[0],
      row: T,
      form: LocalForm,
      errors: FieldErrors,
      saved: boolean,
    ) => Response | Promise<Response>,
  ) => {
    const idOf = (raw: string) => {
      const id = intParam(raw);
      if (!id) throw new DomainError('NOT_FOUND', `No such ${what}`, 404);
      return id;
    };
    app.get(`${path}/:id`, async (c) => {
      const row = await load(idOf(c.req.param('id')));
      return render(c, row, formOf(row), {}, c.req.query('saved') === '1');
    });
    app.post(`${path}/:id`, async (c) => {
      const id = idOf(c.req.param('id'));
      const row = await load(id);
      const form = readForm(await c.req.parseBody());
      const parsed = parseLocalFields(viewOf(c), form);
      if ('errors' in parsed) return render(c, row, form, parsed.errors, false);
      await hub.db.transaction((tx) => update(tx, id, parsed.patch, c.get('actor').name));
      return c.redirect(`${path}/${id}?saved=1`, 303);
    });
  };
  editable(
    '/menu/products',
    'product',
    async (id) => (await getProduct(hub.db, id)) as unknown as ProductDetail,
    updateProductLocalFields,
    renderProduct,
  );
  editable('/menu/categories', 'category', (id) => getCategory(hub.db, id), updateCategoryLocalFields, renderCategory);

  return app;
}

/** A tab that lists rows under the frame: their table, or what it says when there are none. */
function renderListTab(
  c: Parameters<typeof viewOf>[0],
  scope: Scope,
  tab: 'stops' | 'history',
  title: Word,
  empty: Word,
  any: boolean,
  table: unknown,
) {
  const v = viewOf(c);
  return renderPage(
    c,
    say(v, title),
    <MenuFrame v={v} scope={scope} tab={tab}>
      {scope.setting && <section class="card">{any ? table : <Empty>{say(v, empty)}</Empty>}</section>}
    </MenuFrame>,
  );
}

// --- rows the queries return (plain rows; these are their columns) ----------------------------

interface ProductListRow {
  id: number;
  external_id: string;
  name: string;
  code: string | null;
  category_name: string | null;
  price_minor: number | null;
  currency: string;
  is_available: boolean;
  is_visible: boolean;
  tags: string[];
  deleted_at: string | null;
}

interface StopRow {
  product_id: number | null;
  product_external_id: string;
  product_name: string | null;
  terminal_group_id: string;
  terminal_group_name: string | null;
  balance: number;
  added_at: string | null;
}

interface HistoryRow {
  id: number;
  sync_type: string;
  status: string;
  items_synced: number;
  duration_ms: number | null;
  started_at: string;
  error_message: string | null;
}

interface LocalRow {
  is_visible: boolean;
  seo_title: string | null;
  seo_description: string | null;
  tags: string[];
  image_urls: string[];
  sort_order: number | null;
}

interface ProductDetail extends ProductListRow, LocalRow {
  description: string | null;
  category_id: number | null;
  setting_id: number;
  organization_id: string;
  weight: number | null;
  measure_unit: string | null;
  sizes: { id: number; name: string | null; is_default: boolean; price_minor: number; currency: string }[];
  modifier_groups: {
    id: number;
    name: string;
    min_amount: number;
    max_amount: number;
    required: boolean;
    modifiers: { id: number; name: string | null; price_minor: number | null }[];
  }[];
  stop_lists: {
    terminal_group_id: string;
    terminal_group_name: string | null;
    balance: number;
    added_at: string | null;
  }[];
}

type CategoryDetail = Awaited<ReturnType<typeof getCategory>>;

// --- the frame every tab shares ------------------------------------------------------------

function kindLabel(v: View, kind: string) {
  return allKinds.includes(kind as SyncKind) ? say(v, `kind.${kind as SyncKind}`) : kind;
}

function StatusBadge({ v, status }: { v: View; status: string }) {
  const known = ['success', 'partial', 'failed', 'running'].includes(status);
  const tone = status === 'success' ? 'ok' : toneOf(status);
  return <Badge tone={tone}>{known ? say(v, `status.${status as 'success'}`) : status}</Badge>;
}

interface FrameProps {
  v: View;
  scope: Scope;
  tab: 'dishes' | 'stops' | 'history';
  last?: Record<string, unknown>;
  run?: Record<string, unknown>;
  error?: string;
  children?: unknown;
}

function MenuFrame({ v, scope, tab, last, run, error, children }: FrameProps) {
  const query = scopeQuery(scope);
  const tabLink = (href: string, key: FrameProps['tab'], label: string) => (
    <a href={`${href}?${query}`} aria-current={tab === key ? 'page' : undefined}>
      {label}
    </a>
  );
  const outcome = run as HistoryRow | undefined;
  return (
    <>
      <style dangerouslySetInnerHTML={{ __html: menuStyle }} />
      <div class="page-head">
        <h1>{say(v, 'title')}</h1>
        {last && (
          <small>
            {say(v, 'lastSync')}: {kindLabel(v, String(last.sync_type))} ·{' '}
            {formatDateTime(v, last.started_at as string)} · <StatusBadge v={v} status={String(last.status)} />
          </small>
        )}
      </div>
      {!scope.setting ? (
        <section class="card">
          <Empty>{say(v, 'noSetting')}</Empty>
        </section>
      ) : (
        <>
          <form
            method="get"
            action={tab === 'dishes' ? '/menu' : tab === 'stops' ? '/menu/stop-lists' : '/menu/history'}
            class="inline-form card"
          >
            {scope.settings.length > 1 && (
              <div class="field">
                <label for="f-setting">{say(v, 'setting')}</label>
                <select id="f-setting" name="setting">
                  {scope.settings.map((s) => (
                    <option value={String(s.id)} selected={s.id === scope.setting!.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </div>
            )}
            <div class="field">
              <label for="f-org">{say(v, 'organization')}</label>
              <select id="f-org" name="org">
                {organizationsOf(scope.setting).map((o) => (
                  <option value={o.id} selected={o.id === scope.organizationId}>
                    {o.name ?? o.id}
                  </option>
                ))}
              </select>
            </div>
            <div class="actions">
              <button type="submit" class="ghost">
                {say(v, 'show')}
              </button>
            </div>
          </form>
          {v.canWrite && (
            // One form per button: a sent form's buttons are disabled at once, so a submitter's own value would be lost.
            <section class="card actions menu-sync" aria-label={say(v, 'syncActions')}>
              {syncButtons.map((kind) => (
                <form method="post" action="/menu/sync" data-busy>
                  <input type="hidden" name="kind" value={kind} />
                  <input type="hidden" name="setting" value={String(scope.setting!.id)} />
                  {scope.organizationId && <input type="hidden" name="org" value={scope.organizationId} />}
                  <button type="submit" class={kind === 'full' ? undefined : 'ghost'}>
                    {say(v, `kind.${kind}`)}
                  </button>
                </form>
              ))}
            </section>
          )}
          {outcome && (
            <Notice kind={outcome.status === 'success' ? 'success' : 'error'}>
              {outcome.status === 'failed'
                ? say(v, 'syncFailed', { kind: kindLabel(v, outcome.sync_type), error: outcome.error_message ?? '' })
                : say(v, 'syncDone', {
                    kind: kindLabel(v, outcome.sync_type),
                    status: say(v, `status.${outcome.status as 'success'}`),
                    items: formatNumber(v, outcome.items_synced),
                    duration: formatDuration(v, outcome.duration_ms),
                  })}
              {outcome.status === 'partial' && outcome.error_message ? ` ${outcome.error_message}` : ''}
            </Notice>
          )}
          {error && (
            <Notice kind="error">
              {error === 'ACCOUNT_NEEDS_REAUTH'
                ? say(v, 'reauth', { id: scope.setting.id })
                : say(v, 'syncFailed', { kind: '', error })}
            </Notice>
          )}
          {scope.setting.status === 'needs_reauth' && !error && (
            <Notice kind="error">{say(v, 'reauth', { id: scope.setting.id })}</Notice>
          )}
          {!last && <Notice kind="info">{say(v, 'notSynced')}</Notice>}
          <nav class="tabs" aria-label={say(v, 'title')}>
            {tabLink('/menu', 'dishes', say(v, 'dishes'))}
            {tabLink('/menu/stop-lists', 'stops', say(v, 'stopLists'))}
            {tabLink('/menu/history', 'history', say(v, 'history'))}
          </nav>
          {children}
        </>
      )}
    </>
  );
}

/** The page's own few rules (the panel's stylesheet is shared and left alone). */
const menuStyle = `
.menu-layout { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); align-items: start; }
@media (min-width: 900px) { .menu-layout { grid-template-columns: minmax(0, 1fr) minmax(0, 3fr); } }
.menu-layout > .card { margin-bottom: 0; }
.menu-sync { margin-top: 0; }
.menu-sync form { margin: 0; }
.tree { list-style: none; margin: 0; padding: 0; }
.tree .tree { padding-left: 0.9rem; margin-left: 0.35rem; border-left: 1px solid var(--line); }
.tree li { padding: 0.15rem 0; }
.tree a[aria-current='page'] { font-weight: 700; color: var(--ink); }
.tree .count { color: var(--muted); font-size: 0.85em; }
.check { display: flex; gap: 0.5rem; align-items: center; font-weight: 600; }
.check input { width: auto; min-height: 0; }
`;

/** A category's dishes with its subcategories' (a top-level category holds none itself). */
const subtreeProducts = (node: CategoryNode): number =>
  node.products + node.children.reduce((n, child) => n + subtreeProducts(child), 0);

function Tree({ v, nodes, scope, current }: { v: View; nodes: CategoryNode[]; scope: Scope; current?: number }) {
  return (
    <ul class="tree">
      {nodes.map((node) => (
        <li data-category={node.name}>
          <a
            href={`/menu?${scopeQuery(scope)}&category=${node.id}`}
            aria-current={node.id === current ? 'page' : undefined}
          >
            {node.name}
          </a>{' '}
          <span class="count">({subtreeProducts(node)})</span>{' '}
          {!node.is_visible && <Badge tone="muted">{say(v, 'hidden')}</Badge>}{' '}
          {v.canWrite && (
            <a
              href={`/menu/categories/${node.id}`}
              class="small"
              aria-label={`${say(v, 'edit')}: ${node.name}`}
              title={say(v, 'edit')}
            >
              ✎
            </a>
          )}
          {node.children.length > 0 && <Tree v={v} nodes={node.children} scope={scope} current={current} />}
        </li>
      ))}
    </ul>
  );
}

const AvailableBadge = ({ v, available }: { v: View; available: boolean }) =>
  available ? <Badge tone="ok">{say(v, 'available')}</Badge> : <Badge tone="bad">{say(v, 'unavailable')}</Badge>;

function ProductTable({ v, items }: { v: View; items: Record<string, unknown>[] }) {
  if (!items.length) return <Empty>{say(v, 'noProducts')}</Empty>;
  return (
    <Table
      label={say(v, 'dishes')}
      id="menu-products"
      columns={[
        key(say(v, 'name')),
        say(v, 'category'),
        key(num(say(v, 'price'))),
        key(say(v, 'availability')),
        say(v, 'site'),
        say(v, 'tags'),
      ]}
    >
      {(items as unknown as ProductListRow[]).map((p) => (
        <tr
          data-external-id={p.external_id}
          data-available={String(p.is_available)}
          class={p.is_available ? undefined : 'row-bad'}
        >
          <td>
            <a href={`/menu/products/${p.id}`}>{p.name}</a>
            {p.code && (
              <>
                <br />
                <small class="mono">{p.code}</small>
              </>
            )}
          </td>
          <td>{p.category_name ?? v.t('common.none')}</td>
          <td class="num">{money(v, p.price_minor, p.currency)}</td>
          <td>
            <AvailableBadge v={v} available={p.is_available} />
          </td>
          <td>
            {p.is_visible ? (
              <Badge tone="info">{say(v, 'visible')}</Badge>
            ) : (
              <Badge tone="muted">{say(v, 'hidden')}</Badge>
            )}
          </td>
          <td>{p.tags.join(', ')}</td>
        </tr>
      ))}
    </Table>
  );
}

// --- local fields -------------------------------------------------------------------------

interface LocalForm {
  is_visible: boolean;
  seo_title: string;
  seo_description: string;
  tags: string;
  image_urls: string;
  sort_order: string;
}

const formOf = (row: LocalRow): LocalForm => ({
  is_visible: row.is_visible,
  seo_title: row.seo_title ?? '',
  seo_description: row.seo_description ?? '',
  tags: row.tags.join(', '),
  image_urls: row.image_urls.join('\n'),
  sort_order: row.sort_order === null ? '' : String(row.sort_order),
});

function readForm(body: Record<string, unknown>): LocalForm {
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  return {
    is_visible: body.is_visible === '1',
    seo_title: text('seo_title'),
    seo_description: text('seo_description'),
    tags: text('tags'),
    image_urls: text('image_urls'),
    sort_order: text('sort_order').trim(),
  };
}

/** The form as the API's patch, checked by the same schema; problems by field, in the page's language. */
function parseLocalFields(v: View, form: LocalForm): { patch: LocalFieldsPatch } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const sortOrder = form.sort_order === '' ? null : /^-?\d{1,7}$/.test(form.sort_order) ? Number(form.sort_order) : NaN;
  if (Number.isNaN(sortOrder)) errors.sort_order = say(v, 'invalid.sort_order');
  const parsed = localFieldsPatch.safeParse({
    is_visible: form.is_visible,
    seo_title: form.seo_title.trim() || null,
    seo_description: form.seo_description.trim() || null,
    tags: form.tags
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    image_urls: form.image_urls.split(/\s+/).filter(Boolean),
    sort_order: Number.isNaN(sortOrder) ? null : sortOrder,
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0]) as (typeof localFieldNames)[number];
      if (localFieldNames.includes(field) && field !== 'is_visible') errors[field] ??= say(v, `invalid.${field}`);
    }
  }
  return Object.keys(errors).length || !parsed.success ? { errors } : { patch: parsed.data };
}

function LocalFieldsForm({
  v,
  action,
  form,
  errors,
}: {
  v: View;
  action: string;
  form: LocalForm;
  errors: FieldErrors;
}) {
  if (!v.canWrite) {
    return (
      <dl class="facts">
        <dt>{say(v, 'field.is_visible')}</dt>
        <dd>{form.is_visible ? v.t('common.yes') : v.t('common.no')}</dd>
        <dt>{say(v, 'field.seo_title')}</dt>
        <dd>{form.seo_title || v.t('common.none')}</dd>
        <dt>{say(v, 'field.seo_description')}</dt>
        <dd>{form.seo_description || v.t('common.none')}</dd>
        <dt>{say(v, 'field.tags')}</dt>
        <dd>{form.tags || v.t('common.none')}</dd>
        <dt>{say(v, 'field.sort_order')}</dt>
        <dd>{form.sort_order || v.t('common.none')}</dd>
      </dl>
    );
  }
  return (
    <form method="post" action={action} class="stack" novalidate data-busy>
      {Object.keys(errors).length > 0 && <Notice kind="error">{v.t('common.fixErrors')}</Notice>}
      <label class="check" for="f-is_visible">
        <input type="checkbox" id="f-is_visible" name="is_visible" value="1" checked={form.is_visible} />
        {say(v, 'field.is_visible')}
      </label>
      <Field
        name="seo_title"
        label={say(v, 'field.seo_title')}
        value={form.seo_title}
        errors={errors}
        attrs={{ maxlength: 300 }}
      />
      <Field
        name="seo_description"
        label={say(v, 'field.seo_description')}
        value={form.seo_description}
        errors={errors}
        multiline
      />
      <Field
        name="tags"
        label={say(v, 'field.tags')}
        value={form.tags}
        errors={errors}
        hint={say(v, 'hint.tags')}
        attrs={{ autocomplete: 'off' }}
      />
      <Field
        name="image_urls"
        label={say(v, 'field.image_urls')}
        value={form.image_urls}
        errors={errors}
        hint={say(v, 'hint.image_urls')}
        multiline
      />
      <Field
        name="sort_order"
        label={say(v, 'field.sort_order')}
        value={form.sort_order}
        errors={errors}
        hint={say(v, 'hint.sort_order')}
        attrs={{ inputmode: 'numeric', autocomplete: 'off' }}
      />
      <div class="actions">
        <button type="submit">{v.t('common.save')}</button>
      </div>
    </form>
  );
}

/** The site fields beside what iiko owns, on a dish's page and a category's. */
function LocalFieldsCard(props: { v: View; action: string; form: LocalForm; errors: FieldErrors }) {
  return (
    <section class="card" aria-labelledby="local-title">
      <h2 id="local-title">{say(props.v, 'localFields')}</h2>
      <p>
        <small>{say(props.v, 'localHint')}</small>
      </p>
      <LocalFieldsForm {...props} />
    </section>
  );
}

function SavedNotices({ v, saved, deletedAt }: { v: View; saved: boolean; deletedAt: string | null }) {
  return (
    <>
      {saved && <Notice kind="success">{say(v, 'saved')}</Notice>}
      {deletedAt && <Notice kind="info">{say(v, 'deleted', { when: formatDateTime(v, deletedAt) })}</Notice>}
    </>
  );
}

const backLink = (v: View, settingId: number, organizationId: string, extra = '') => (
  <p class="crumbs">
    <a href={`/menu?setting=${settingId}&org=${encodeURIComponent(organizationId)}${extra}`}>← {say(v, 'back')}</a>
  </p>
);

function renderProduct(
  c: Parameters<typeof viewOf>[0],
  p: ProductDetail,
  form: LocalForm,
  errors: FieldErrors,
  saved: boolean,
) {
  const v = viewOf(c);
  return renderPage(
    c,
    p.name,
    <>
      <style dangerouslySetInnerHTML={{ __html: menuStyle }} />
      {backLink(v, p.setting_id, p.organization_id, p.category_id ? `&category=${p.category_id}` : '')}
      <div class="page-head">
        <h1>{p.name}</h1>
        <span>
          <AvailableBadge v={v} available={p.is_available} />
        </span>
      </div>
      <SavedNotices v={v} saved={saved} deletedAt={p.deleted_at} />
      <div class="grid grid-2">
        <section class="card" aria-labelledby="iiko-title">
          <h2 id="iiko-title">{say(v, 'fromIiko')}</h2>
          <p>
            <small>{say(v, 'fromIikoHint')}</small>
          </p>
          <dl class="facts">
            <dt>{say(v, 'code')}</dt>
            <dd class="mono">{p.code ?? v.t('common.none')}</dd>
            <dt>{say(v, 'category')}</dt>
            <dd>
              {p.category_id ? <a href={`/menu/categories/${p.category_id}`}>{p.category_name}</a> : v.t('common.none')}
            </dd>
            <dt>{say(v, 'price')}</dt>
            <dd>{money(v, p.price_minor, p.currency)}</dd>
          </dl>
          {p.description && <p>{p.description}</p>}
          {p.sizes.length > 1 && (
            <>
              <h3>{say(v, 'sizes')}</h3>
              <ul id="sizes">
                {p.sizes.map((s) => (
                  <li>
                    {s.name ?? '—'}: {money(v, s.price_minor, s.currency)}
                  </li>
                ))}
              </ul>
            </>
          )}
          {p.modifier_groups.length > 0 && (
            <>
              <h3>{say(v, 'modifierGroups')}</h3>
              <ul id="modifier-groups">
                {p.modifier_groups.map((g) => (
                  <li>
                    <b>{g.name}</b> — {say(v, 'minMax', { min: g.min_amount, max: g.max_amount })}
                    {g.required ? `, ${say(v, 'required')}` : ''}: {g.modifiers.map((m) => m.name ?? '?').join(', ')}
                  </li>
                ))}
              </ul>
            </>
          )}
          {p.stop_lists.length > 0 && (
            <>
              <h3>{say(v, 'stoppedAt')}</h3>
              <ul>
                {p.stop_lists.map((s) => (
                  <li>
                    {s.terminal_group_name ?? <span class="mono">{s.terminal_group_id}</span>}:{' '}
                    {formatNumber(v, s.balance)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <LocalFieldsCard v={v} action={`/menu/products/${p.id}`} form={form} errors={errors} />
      </div>
    </>,
  );
}

function renderCategory(
  c: Parameters<typeof viewOf>[0],
  k: CategoryDetail,
  form: LocalForm,
  errors: FieldErrors,
  saved: boolean,
) {
  const v = viewOf(c);
  return renderPage(
    c,
    k.name,
    <>
      <style dangerouslySetInnerHTML={{ __html: menuStyle }} />
      {backLink(v, k.setting_id, k.organization_id, `&category=${k.id}`)}
      <div class="page-head">
        <h1>{k.name}</h1>
        {!k.is_visible && <Badge tone="muted">{say(v, 'hidden')}</Badge>}
      </div>
      <SavedNotices v={v} saved={saved} deletedAt={k.deleted_at} />
      <div class="grid grid-2">
        <section class="card" aria-labelledby="iiko-title">
          <h2 id="iiko-title">{say(v, 'fromIiko')}</h2>
          <dl class="facts">
            <dt>{say(v, 'parent')}</dt>
            <dd>
              {k.parent_id ? <a href={`/menu/categories/${k.parent_id}`}>{k.parent_name}</a> : v.t('common.none')}
            </dd>
            <dt>{say(v, 'productsIn')}</dt>
            <dd>
              <a href={`/menu?setting=${k.setting_id}&org=${encodeURIComponent(k.organization_id)}&category=${k.id}`}>
                {formatNumber(v, k.products)}
              </a>
            </dd>
          </dl>
          {k.description && <p>{k.description}</p>}
        </section>
        <LocalFieldsCard v={v} action={`/menu/categories/${k.id}`} form={form} errors={errors} />
      </div>
    </>,
  );
}
