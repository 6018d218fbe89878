import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { z, ZodError } from 'zod';
import { listAccounts, getAccount, type AccountView } from '../../channels/core/accounts.ts';
import { setStockRule, type StockRule } from '../../channels/core/availability.ts';
import { enqueueAccountJob } from '../../channels/core/account-jobs.ts';
import { moduleFor } from '../../channels/core/module.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { listLevels } from '../../inventory/levels.ts';
import {
  createWarehouse,
  listWarehouses,
  updateWarehouse,
  warehouseCode,
  warehouseName,
  type Warehouse,
} from '../../inventory/warehouses.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { localize, zodFieldErrors } from '../messages.ts';
import {
  Badge,
  channelName,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatNumber,
  intParam,
  key,
  Notice,
  num,
  offsetParam,
  Pager,
  Table,
} from '../ui.tsx';

/**
 * The warehouses page: own warehouses (made, renamed, archived here) apart from the mirrors of
 * marketplace-run warehouses (made by sync, only read), and which warehouses feed each
 * account's stock (the stock rules of src/channels/core/availability.ts, as the API's
 * /channels/accounts/{id}/availability sets them).
 */

const PAGE_SIZE = 50;

interface Totals {
  warehouse_id: number;
  on_hand: number;
  reserved: number;
  products: number;
}

type Rules = Map<number, StockRule>;

interface WarehouseForm {
  code: string;
  name: string;
}

const warehouseForm = z.object({ code: warehouseCode, name: warehouseName });

/** A count typed into the form: digits only, at most the API's limit. */
const count = z
  .string()
  .regex(/^\d{1,10}$/)
  .transform(Number)
  .pipe(z.number().int().max(1_000_000_000));
const feedForm = z.object({
  warehouse_ids: z
    .array(
      z
        .string()
        .regex(/^\d{1,15}$/)
        .transform(Number)
        .pipe(z.number().int().positive()),
    )
    .max(1000),
  safety_buffer: z
    .string()
    .trim()
    .transform((s) => s || '0')
    .pipe(count),
  max_quantity: z
    .string()
    .trim()
    .pipe(z.union([z.literal('').transform(() => null), count])),
});

export function warehouseRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  const showList = async (c: WebContext, form: WarehouseForm = { code: '', name: '' }, errors: FieldErrors = {}) => {
    const v = viewOf(c);
    const withArchived = c.req.query('archived') === '1';
    const data = await overview(hub, withArchived);
    return renderPage(
      c,
      v.t('wh.title'),
      <WarehousesPage
        v={v}
        {...data}
        withArchived={withArchived}
        form={form}
        errors={errors}
        flash={flashOf(v, c, undefined, data.accounts)}
      />,
    );
  };

  app.get('/warehouses', (c) => showList(c));

  app.post('/warehouses', async (c) => {
    const v = viewOf(c);
    const text = await formText(c);
    const form = { code: text('code'), name: text('name') };
    const parsed = warehouseForm.safeParse(form);
    if (!parsed.success) return showList(c, form, requiredOr(v, form, zodFieldErrors(v.lang, parsed.error)));
    try {
      const made = await hub.db.transaction((tx) =>
        createWarehouse(tx, { ...parsed.data, kind: 'own', readOnly: false }, c.get('actor').name),
      );
      return c.redirect(`/warehouses/${made.id}?done=created`, 303);
    } catch (error) {
      return showList(c, form, warehouseErrors(v, error));
    }
  });

  // The account's stock rule: which warehouses feed it, its buffer and cap (the API's PUT …/availability).
  app.get('/warehouses/feeds/:account', async (c) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, accountParam(c));
    const [warehouses, rules] = await Promise.all([allWarehouses(hub, true), stockRules(hub)]);
    const rule = rules.get(account.id) ?? defaultRule;
    const form = {
      warehouse_ids: rule.warehouse_ids.map(String),
      safety_buffer: String(rule.safety_buffer),
      max_quantity: rule.max_quantity === null ? '' : String(rule.max_quantity),
    };
    return renderPage(
      c,
      v.t('wh.feedOf', { account: account.name }),
      <FeedPage v={v} account={account} warehouses={warehouses} form={form} errors={{}} />,
    );
  });

  app.post('/warehouses/feeds/:account', async (c) => {
    const v = viewOf(c);
    const account = await getAccount(hub.db, accountParam(c));
    const body = await c.req.parseBody({ all: true });
    const list = (value: unknown) =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(
        (x): x is string => typeof x === 'string',
      );
    const one = (value: unknown) => (typeof value === 'string' ? value : '');
    const form = {
      warehouse_ids: list(body.warehouse),
      safety_buffer: one(body.safety_buffer),
      max_quantity: one(body.max_quantity),
    };
    const again = async (errors: FieldErrors) =>
      renderPage(
        c,
        v.t('wh.feedOf', { account: account.name }),
        <FeedPage v={v} account={account} warehouses={await allWarehouses(hub, true)} form={form} errors={errors} />,
      );
    const parsed = feedForm.safeParse(form);
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const key of Object.keys(zodFieldErrors(v.lang, parsed.error)))
        errors[key] = key === 'warehouse_ids' ? v.t('common.fixErrors') : v.t('wh.wholeNumber');
      return again(errors);
    }
    try {
      await hub.db.transaction((tx) => setStockRule(tx, account.id, parsed.data, c.get('actor').name));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return again({ warehouse_ids: localize(v.lang, error) });
    }
    // As the API does: the quantities the rule changes are pushed now.
    await enqueueAccountJob(hub, account.id, 'push').catch((err) =>
      hub.logger.warn({ err, accountId: account.id }, 'could not schedule a push'),
    );
    return c.redirect(`/warehouses?feed=${account.id}#feeds`, 303);
  });

  const showOne = async (c: WebContext, id: number, form?: WarehouseForm, errors: FieldErrors = {}) => {
    const v = viewOf(c);
    const warehouse = (await allWarehouses(hub, true)).find((w) => w.id === id);
    if (!warehouse) throw new DomainError('NOT_FOUND', v.t('wh.notFound', { id }), 404);
    const offset = offsetParam(c.req.query('offset'));
    const [levels, data] = await Promise.all([
      listLevels(hub.db, { warehouseId: id, limit: PAGE_SIZE, offset }),
      overview(hub, true),
    ]);
    return renderPage(
      c,
      `${warehouse.code} · ${warehouse.name}`,
      <WarehousePage
        v={v}
        warehouse={warehouse}
        levels={levels}
        offset={offset}
        fed={fedBy(warehouse, data.accounts, data.rules)}
        form={form ?? { code: warehouse.code, name: warehouse.name }}
        errors={errors}
        flash={flashOf(v, c, warehouse)}
      />,
    );
  };

  app.get('/warehouses/:id', (c) => showOne(c, warehouseParam(c)));

  app.post('/warehouses/:id', async (c) => {
    const v = viewOf(c);
    const id = warehouseParam(c);
    const text = await formText(c);
    const form = { code: text('code'), name: text('name') };
    const parsed = warehouseForm.safeParse(form);
    if (!parsed.success) return showOne(c, id, form, requiredOr(v, form, zodFieldErrors(v.lang, parsed.error)));
    try {
      await hub.db.transaction(async (tx) => {
        const [before] = await rows<{ kind: string }>(tx, sql`select kind from warehouses where id = ${id}`);
        // A mirror's code is how its sync finds it again: only its name changes here.
        await updateWarehouse(
          tx,
          id,
          before?.kind === 'mirror' ? { name: parsed.data.name } : parsed.data,
          c.get('actor').name,
        );
      });
    } catch (error) {
      return showOne(c, id, form, warehouseErrors(v, error));
    }
    return c.redirect(`/warehouses/${id}?done=saved`, 303);
  });

  for (const [action, archived] of [
    ['archive', true],
    ['restore', false],
  ] as const) {
    app.post(`/warehouses/:id/${action}`, async (c) => {
      const v = viewOf(c);
      const id = warehouseParam(c);
      try {
        await hub.db.transaction((tx) => updateWarehouse(tx, id, { archived }, c.get('actor').name));
      } catch (error) {
        if (!(error instanceof DomainError) || error.status === 404) throw error;
        return showOne(c, id, undefined, { form: localize(v.lang, error) });
      }
      return c.redirect(`/warehouses/${id}?done=${action}`, 303);
    });
  }
  return app;
}

const defaultRule: StockRule = { warehouse_ids: [], safety_buffer: 0, max_quantity: null };

/** What the last action did, from the `done` its redirect names. */
function flashOf(v: View, c: WebContext, w?: Warehouse, accounts: AccountView[] = []): string | undefined {
  const done = c.req.query('done');
  if (done === 'created' && w) return v.t('wh.created', { code: w.code });
  if (done === 'saved') return v.t('wh.saved');
  if (done === 'archive') return v.t('wh.archivedDone');
  if (done === 'restore') return v.t('wh.restoredDone');
  const feed = intParam(c.req.query('feed'));
  const account = accounts.find((a) => a.id === feed);
  if (account) return v.t('wh.feedSaved', { account: account.name });
  return undefined;
}

const warehouseParam = (c: WebContext) => {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', viewOf(c).t('wh.notFound', { id: c.req.param('id') ?? '' }), 404);
  return id;
};

const accountParam = (c: WebContext) => {
  const id = intParam(c.req.param('account'));
  if (!id) throw new DomainError('NOT_FOUND', `Account ${c.req.param('account')} does not exist`, 404);
  return id;
};

async function formText(c: WebContext): Promise<(name: string) => string> {
  const body = await c.req.parseBody();
  return (name) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
}

/** An empty field is "required"; any other problem keeps the schema's words. */
function requiredOr(v: View, form: WarehouseForm, errors: FieldErrors): FieldErrors {
  const out: FieldErrors = {};
  for (const [key, message] of Object.entries(errors))
    out[key] = form[key as keyof WarehouseForm] === '' ? v.t('common.required') : message;
  return out;
}

/** The inventory service's refusals beside the field they are about. */
function warehouseErrors(v: View, error: unknown): FieldErrors {
  if (error instanceof ZodError) return zodFieldErrors(v.lang, error);
  if (!(error instanceof DomainError) || error.status === 404) throw error;
  const field = (error.details as { field?: unknown } | undefined)?.field;
  return { [typeof field === 'string' ? field : 'form']: localize(v.lang, error) };
}

async function allWarehouses(hub: Hub, includeArchived: boolean): Promise<Warehouse[]> {
  return (await listWarehouses(hub.db, { includeArchived, limit: 1000, offset: 0 })).items;
}

async function stockRules(hub: Hub): Promise<Rules> {
  const found = await rows<StockRule & { account_id: number }>(
    hub.db,
    sql`
    select account_id, to_jsonb(warehouse_ids) as warehouse_ids, safety_buffer, max_quantity from account_stock_rules`,
  );
  return new Map(
    found.map(({ account_id, ...rule }) => [account_id, { ...rule, warehouse_ids: rule.warehouse_ids.map(Number) }]),
  );
}

/** Accounts whose channel takes stock from Sklad. */
const takesStock = (a: AccountView) => moduleFor(a.channel)?.connector.capabilities.pushStock ?? false;

async function overview(hub: Hub, withArchived: boolean) {
  const [warehouses, totals, accounts, rules] = await Promise.all([
    allWarehouses(hub, withArchived),
    rows<Totals>(
      hub.db,
      sql`
      select warehouse_id, coalesce(sum(on_hand), 0)::bigint as on_hand, coalesce(sum(reserved), 0)::bigint as reserved,
             (count(*) filter (where on_hand > 0))::int as products
        from stock_levels group by warehouse_id`,
    ),
    listAccounts(hub.db).then((all) => all.filter(takesStock)),
    stockRules(hub),
  ]);
  return { warehouses, totals: new Map(totals.map((t) => [Number(t.warehouse_id), t])), accounts, rules };
}

/** The accounts a warehouse feeds: those that name it, and for an own one in use those with no choice (every own warehouse). */
function fedBy(w: Warehouse, accounts: AccountView[], rules: Rules): AccountView[] {
  return accounts.filter((a) => {
    const ids = rules.get(a.id)?.warehouse_ids ?? [];
    return ids.length ? ids.includes(w.id) : w.kind === 'own' && !w.archived_at;
  });
}

/**
 * A mirror's source (`ozon:analytics`, `wildberries:Коледино`) in words: the channel's title, then
 * what the channel calls it, kept as the channel's own words (not the panel's: no translation).
 */
function sourceText(source: string | null) {
  if (!source) return '';
  const [channel, ...rest] = source.split(':');
  const parts = rest.map((part) => (/^fb[a-z]{1,2}$/i.test(part) ? part.toUpperCase() : part));
  return (
    <>
      {channelName(channel)}
      {parts.length > 0 && <span translate="no">{` · ${parts.join(' · ')}`}</span>}
    </>
  );
}

const label = (w: Warehouse) => `${w.code} · ${w.name}`;

function AccountLinks({ v, accounts }: { v: View; accounts: AccountView[] }) {
  if (!accounts.length) return <small class="muted">{v.t('wh.feedsNone')}</small>;
  return (
    <>
      {accounts.map((a, i) => (
        <>
          {i > 0 && ', '}
          <a href={`/channels/${a.id}`} data-feeds={a.name}>
            {a.name}
          </a>
        </>
      ))}
    </>
  );
}

interface PageProps {
  v: View;
  warehouses: Warehouse[];
  totals: Map<number, Totals>;
  accounts: AccountView[];
  rules: Rules;
  withArchived: boolean;
  form: WarehouseForm;
  errors: FieldErrors;
  flash?: string;
}

function WarehousesPage({ v, warehouses, totals, accounts, rules, withArchived, form, errors, flash }: PageProps) {
  const { t } = v;
  const own = warehouses.filter((w) => w.kind === 'own');
  const mirrors = warehouses.filter((w) => w.kind === 'mirror');
  const total = (w: Warehouse, key: 'on_hand' | 'reserved' | 'products') =>
    formatNumber(v, Number(totals.get(w.id)?.[key] ?? 0));
  const status = (w: Warehouse) =>
    w.archived_at ? <Badge tone="muted">{t('wh.archived')}</Badge> : <Badge tone="ok">{t('wh.active')}</Badge>;
  return (
    <>
      <div class="page-head">
        <h1>{t('wh.title')}</h1>
        <a class="button ghost small" href={withArchived ? '/warehouses' : '/warehouses?archived=1'}>
          {withArchived ? t('wh.hideArchived') : t('wh.showArchived')}
        </a>
      </div>
      {flash && <Notice kind="success">{flash}</Notice>}
      <section class="card spaced" id="own">
        <h2>{t('wh.own')}</h2>
        <p class="muted">{t('wh.ownHint')}</p>
        {own.length === 0 ? (
          <Empty>{t('wh.noOwn')}</Empty>
        ) : (
          <Table
            label={t('wh.own')}
            id="own-warehouses"
            class="cards"
            columns={[
              key(t('stock.warehouse')),
              key(num(t('stock.onHand'))),
              key(num(t('stock.reserved'))),
              num(t('wh.products')),
              t('wh.feeds'),
              key(t('common.status')),
            ]}
          >
            {own.map((w) => (
              <tr data-warehouse={w.code} data-kind="own" class={w.archived_at ? 'row-muted' : undefined}>
                <td data-label={t('stock.warehouse')}>
                  <a href={`/warehouses/${w.id}`}>{w.name}</a> <small class="mono">{w.code}</small>
                </td>
                <td data-label={t('stock.onHand')} class="num" data-on-hand>
                  {total(w, 'on_hand')}
                </td>
                <td data-label={t('stock.reserved')} class="num">
                  {total(w, 'reserved')}
                </td>
                <td data-label={t('wh.products')} class="num">
                  {total(w, 'products')}
                </td>
                <td data-label={t('wh.feeds')}>
                  <AccountLinks v={v} accounts={fedBy(w, accounts, rules)} />
                </td>
                <td data-label={t('common.status')}>{status(w)}</td>
              </tr>
            ))}
          </Table>
        )}
        {v.canWrite && (
          <>
            <h3 style="margin:1rem 0 0.5rem">{t('wh.new')}</h3>
            <form
              method="post"
              action="/warehouses"
              class="inline-form"
              novalidate
              data-busy
              id="new-warehouse"
              aria-label={t('wh.new')}
            >
              {errors.form && <Notice kind="error">{errors.form}</Notice>}
              <Field
                name="code"
                label={t('wh.code')}
                value={form.code}
                errors={errors}
                required
                hint={t('wh.codeHint')}
                attrs={{ autocomplete: 'off', spellcheck: 'false', maxlength: 100 }}
              />
              <Field
                name="name"
                label={t('wh.name')}
                value={form.name}
                errors={errors}
                required
                attrs={{ autocomplete: 'off', maxlength: 200 }}
              />
              <div class="actions">
                <button type="submit">+ {t('wh.create')}</button>
              </div>
            </form>
          </>
        )}
      </section>
      <section class="card spaced" id="mirrors">
        <h2>{t('wh.mirrors')}</h2>
        <p class="muted">{t('wh.mirrorsHint')}</p>
        {mirrors.length === 0 ? (
          <Empty>{t('wh.noMirrors')}</Empty>
        ) : (
          <Table
            label={t('wh.mirrors')}
            id="mirror-warehouses"
            class="cards"
            columns={[
              key(t('stock.warehouse')),
              key(t('wh.source')),
              key(num(t('stock.onHand'))),
              num(t('stock.reserved')),
              t('wh.feeds'),
              key(t('common.status')),
            ]}
          >
            {mirrors.map((w) => (
              <tr data-warehouse={w.code} data-kind="mirror" class={w.archived_at ? 'row-muted' : undefined}>
                <td data-label={t('stock.warehouse')}>
                  <a href={`/warehouses/${w.id}`}>{w.name}</a> <small class="mono">{w.code}</small>
                </td>
                <td data-label={t('wh.source')}>{sourceText(w.source)}</td>
                <td data-label={t('stock.onHand')} class="num" data-on-hand>
                  {total(w, 'on_hand')}
                </td>
                <td data-label={t('stock.reserved')} class="num">
                  {total(w, 'reserved')}
                </td>
                <td data-label={t('wh.feeds')}>
                  <AccountLinks v={v} accounts={fedBy(w, accounts, rules)} />
                </td>
                <td data-label={t('common.status')}>{status(w)}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
      <Feeds v={v} warehouses={warehouses} accounts={accounts} rules={rules} />
    </>
  );
}

function Feeds({
  v,
  warehouses,
  accounts,
  rules,
}: {
  v: View;
  warehouses: Warehouse[];
  accounts: AccountView[];
  rules: Rules;
}) {
  const { t } = v;
  const byId = new Map(warehouses.map((w) => [w.id, w]));
  return (
    <section class="card" id="feeds">
      <h2>{t('wh.feedTitle')}</h2>
      <p class="muted">{t('wh.feedHint')}</p>
      {accounts.length === 0 ? (
        <Empty>{t('wh.noFeedAccounts')}</Empty>
      ) : (
        <Table
          label={t('wh.feedTitle')}
          id="feed-rules"
          class="cards"
          columns={[
            t('wh.feedAccount'),
            t('stock.warehouse'),
            num(t('wh.buffer')),
            num(t('wh.cap')),
            ...(v.canWrite ? [''] : []),
          ]}
        >
          {accounts.map((a) => {
            const rule = rules.get(a.id) ?? defaultRule;
            return (
              <tr data-account={a.name}>
                <td data-label={t('wh.feedAccount')}>
                  <a href={`/channels/${a.id}`}>{a.name}</a> <small>{channelName(a.channel)}</small>
                </td>
                <td data-label={t('stock.warehouse')} data-feed-warehouses>
                  {rule.warehouse_ids.length === 0
                    ? t('wh.feedDefault')
                    : rule.warehouse_ids.map((id, i) => {
                        const w = byId.get(id);
                        return (
                          <>
                            {i > 0 && ', '}
                            {w ? <a href={`/warehouses/${id}`}>{label(w)}</a> : `#${id}`}
                            {w?.kind === 'mirror' && (
                              <>
                                {' '}
                                <Badge tone="info">{t('wh.kind.mirror')}</Badge>
                              </>
                            )}
                          </>
                        );
                      })}
                </td>
                <td data-label={t('wh.buffer')} class="num">
                  {formatNumber(v, rule.safety_buffer)}
                </td>
                <td data-label={t('wh.cap')} class="num">
                  {rule.max_quantity === null ? t('wh.noCap') : formatNumber(v, rule.max_quantity)}
                </td>
                {v.canWrite && (
                  <td>
                    <a class="button ghost small" href={`/warehouses/feeds/${a.id}`}>
                      {t('wh.feedEdit')}
                    </a>
                  </td>
                )}
              </tr>
            );
          })}
        </Table>
      )}
    </section>
  );
}

interface FeedForm {
  warehouse_ids: string[];
  safety_buffer: string;
  max_quantity: string;
}

function FeedPage({
  v,
  account,
  warehouses,
  form,
  errors,
}: {
  v: View;
  account: AccountView;
  warehouses: Warehouse[];
  form: FeedForm;
  errors: FieldErrors;
}) {
  const { t } = v;
  // Archived warehouses are offered only when the rule still names them (to take them out).
  const offered = warehouses.filter((w) => !w.archived_at || form.warehouse_ids.includes(String(w.id)));
  const group = (kind: 'own' | 'mirror') => offered.filter((w) => w.kind === kind);
  return (
    <>
      <p class="crumbs">
        <a href="/warehouses#feeds">← {t('wh.title')}</a>
      </p>
      <div class="page-head">
        <h1>{t('wh.feedOf', { account: account.name })}</h1>
      </div>
      <section class="card" style="max-width:40rem">
        <p class="muted">{t('wh.feedHint')}</p>
        {Object.keys(errors).length > 0 && (
          <Notice kind="error">{errors.warehouse_ids ?? t('common.fixErrors')}</Notice>
        )}
        <form method="post" action={`/warehouses/feeds/${account.id}`} class="stack" novalidate data-busy>
          <fieldset class="credentials" id="feed-warehouses">
            <legend>{t('wh.feedChoose')}</legend>
            {(['own', 'mirror'] as const).map((kind) =>
              group(kind).length === 0 ? null : (
                <div>
                  <small class="muted">{kind === 'own' ? t('wh.own') : t('wh.mirrors')}</small>
                  {group(kind).map((w) => (
                    <label class="check" for={`f-wh-${w.id}`}>
                      <input
                        type="checkbox"
                        id={`f-wh-${w.id}`}
                        name="warehouse"
                        value={String(w.id)}
                        checked={form.warehouse_ids.includes(String(w.id))}
                        style="width:auto;min-height:0"
                      />{' '}
                      {label(w)}
                      {w.archived_at && (
                        <>
                          {' '}
                          <Badge tone="muted">{t('wh.archived')}</Badge>
                        </>
                      )}
                    </label>
                  ))}
                </div>
              ),
            )}
          </fieldset>
          <Field
            name="safety_buffer"
            type="number"
            label={t('wh.buffer')}
            value={form.safety_buffer}
            errors={errors}
            hint={t('wh.bufferHint')}
            attrs={{ min: 0, step: 1, inputmode: 'numeric' }}
          />
          <Field
            name="max_quantity"
            type="number"
            label={t('wh.cap')}
            value={form.max_quantity}
            errors={errors}
            hint={t('wh.capHint')}
            attrs={{ min: 0, step: 1, inputmode: 'numeric' }}
          />
          <div class="actions">
            <button type="submit">{t('wh.feedSave')}</button>
            <a class="button ghost" href="/warehouses#feeds">
              {t('common.cancel')}
            </a>
          </div>
        </form>
      </section>
    </>
  );
}

interface WarehousePageProps {
  v: View;
  warehouse: Warehouse;
  levels: Awaited<ReturnType<typeof listLevels>>;
  offset: number;
  fed: AccountView[];
  form: WarehouseForm;
  errors: FieldErrors;
  flash?: string;
}

function WarehousePage({ v, warehouse: w, levels, offset, fed, form, errors, flash }: WarehousePageProps) {
  const { t } = v;
  const mirror = w.kind === 'mirror';
  const moves = v.canWrite && !w.read_only && !w.archived_at;
  return (
    <>
      <p class="crumbs">
        <a href="/warehouses">← {t('wh.title')}</a>
      </p>
      <div class="page-head">
        <h1>
          {w.name} <small class="mono">{w.code}</small>
        </h1>
        {moves && (
          <div class="actions">
            <a class="button" href={`/stock/move?type=transfer&to_warehouse=${w.id}`}>
              ⇄ {t('wh.transferHere')}
            </a>
            <a class="button ghost" href={`/stock/move?type=receipt&warehouse=${w.id}`}>
              + {t('wh.receiveHere')}
            </a>
          </div>
        )}
      </div>
      {flash && <Notice kind="success">{flash}</Notice>}
      {errors.form && <Notice kind="error">{errors.form}</Notice>}
      <div class="grid grid-side">
        <section class="card">
          <dl class="facts" id="warehouse-facts">
            <dt>{t('wh.kind')}</dt>
            <dd data-kind={w.kind}>{mirror ? <Badge tone="info">{t('wh.kind.mirror')}</Badge> : t('wh.kind.own')}</dd>
            {mirror && (
              <>
                <dt>{t('wh.source')}</dt>
                <dd>{sourceText(w.source)}</dd>
              </>
            )}
            <dt>{t('common.status')}</dt>
            <dd data-status={w.archived_at ? 'archived' : 'active'}>
              {w.archived_at ? (
                <Badge tone="muted">{t('wh.archived')}</Badge>
              ) : (
                <Badge tone="ok">{t('wh.active')}</Badge>
              )}
              {w.archived_at && (
                <>
                  {' '}
                  <small>{formatDateTime(v, w.archived_at)}</small>
                </>
              )}
            </dd>
            <dt>{t('wh.feeds')}</dt>
            <dd>
              <AccountLinks v={v} accounts={fed} />
            </dd>
          </dl>
          {mirror && <p class="muted">{t('wh.mirrorManaged')}</p>}
        </section>
        {v.canWrite && (
          <section class="card">
            <h2>{t('wh.rename')}</h2>
            <form method="post" action={`/warehouses/${w.id}`} class="stack" novalidate data-busy id="rename">
              {mirror ? (
                <input type="hidden" name="code" value={w.code} />
              ) : (
                <Field
                  name="code"
                  label={t('wh.code')}
                  value={form.code}
                  errors={errors}
                  required
                  attrs={{ autocomplete: 'off', spellcheck: 'false', maxlength: 100 }}
                />
              )}
              <Field
                name="name"
                label={t('wh.name')}
                value={form.name}
                errors={errors}
                required
                attrs={{ autocomplete: 'off', maxlength: 200 }}
              />
              <div class="actions">
                <button type="submit">{t('common.save')}</button>
              </div>
            </form>
            <form
              method="post"
              action={`/warehouses/${w.id}/${w.archived_at ? 'restore' : 'archive'}`}
              class="stack"
              data-busy
              style="margin-top:1rem"
            >
              <p class="hint-text muted">{t('wh.archiveHint')}</p>
              <div class="actions">
                <button type="submit" class="ghost">
                  {w.archived_at ? t('wh.restore') : t('wh.archive')}
                </button>
              </div>
            </form>
          </section>
        )}
      </div>
      <section class="card" style="margin-top:1rem">
        <h2>{t('wh.levels')}</h2>
        {levels.items.length === 0 ? (
          <Empty>{t('wh.noLevels')}</Empty>
        ) : (
          <>
            <Table
              label={t('wh.levels')}
              id="levels"
              class="cards"
              columns={[
                key(t('products.sku')),
                key(t('products.name')),
                key(num(t('stock.available'))),
                key(num(t('stock.reserved'))),
                num(t('stock.onHand')),
              ]}
            >
              {levels.items.map((l) => (
                <tr data-sku={l.sku}>
                  <td data-label={t('products.sku')} class="mono">
                    {l.sku}
                  </td>
                  <td data-label={t('products.name')}>
                    <a href={`/products/${l.product_id}`}>{l.product_name}</a>
                  </td>
                  <td data-label={t('stock.available')} class="num" data-available>
                    <b>{formatNumber(v, l.available)}</b>
                  </td>
                  <td data-label={t('stock.reserved')} class="num">
                    {formatNumber(v, l.reserved)}
                  </td>
                  <td data-label={t('stock.onHand')} class="num">
                    {formatNumber(v, l.on_hand)}
                  </td>
                </tr>
              ))}
            </Table>
            <Pager
              v={v}
              total={levels.total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{}}
              base={`/warehouses/${w.id}`}
            />
          </>
        )}
      </section>
    </>
  );
}
