import crypto from 'node:crypto';
import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { ZodError } from 'zod';
import { rows } from '../../db/database.ts';
import { listProducts } from '../../catalog/products.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { listLevels } from '../../inventory/levels.ts';
import { listMovements, movementTypes, recordMovement, type MovementType } from '../../inventory/movements.ts';
import { listWarehouses, type Warehouse } from '../../inventory/warehouses.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { localize } from '../messages.ts';
import {
  actorName,
  Badge,
  dayParam,
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
  Select,
  Table,
} from '../ui.tsx';

const PAGE_SIZE = 50;

/** The movements a person records by hand here; sales, returns and reservations come from orders. */
const formTypes = ['write_off', 'receipt', 'transfer'] as const;
type FormType = (typeof formTypes)[number];

interface MoveForm {
  type: FormType;
  sku: string;
  warehouse: string;
  to_warehouse: string;
  quantity: string;
  reason: string;
  /** A token per form: sending the same form twice (a double click, a reload) records it once. */
  token: string;
}

export function stockRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  app.get('/stock', async (c) => {
    const v = viewOf(c);
    const warehouseId = intParam(c.req.query('warehouse'));
    const offset = offsetParam(c.req.query('offset'));
    // Seed 002: rows of one source and one stock type ('none': our own, or a mirror of no type).
    const origin = { source: textParam(c.req.query('source')), stockType: textParam(c.req.query('stock_type')) };
    const [warehouses, levels] = await Promise.all([
      allWarehouses(hub),
      listLevels(hub.db, {
        warehouseId,
        sources: origin.source ? [origin.source] : undefined,
        stockTypes: origin.stockType ? [origin.stockType] : undefined,
        limit: PAGE_SIZE,
        offset,
      }),
    ]);
    const done = c.req.query('done');
    return renderPage(
      c,
      v.t('stock.title'),
      <StockLevels
        v={v}
        warehouses={warehouses}
        warehouseId={warehouseId}
        origin={origin}
        levels={levels}
        offset={offset}
        done={done}
      />,
    );
  });

  app.get('/stock/movements', async (c) => {
    const v = viewOf(c);
    const q = c.req.query();
    const filter = {
      warehouseId: intParam(q.warehouse),
      type: movementTypes.includes(q.type as MovementType) ? (q.type as MovementType) : undefined,
      sku: q.sku?.trim() || undefined,
      from: dayParam(q.from),
      to: dayParam(q.to),
    };
    const offset = offsetParam(q.offset);
    // Archived products keep their ledger, so the filter finds them too.
    const [product] = filter.sku
      ? await rows<{ id: number }>(hub.db, sql`select id from products where lower(sku) = lower(${filter.sku})`)
      : [];
    const [warehouses, movements] = await Promise.all([
      allWarehouses(hub),
      filter.sku && !product
        ? { items: [], total: 0 }
        : listMovements(hub.db, {
            warehouseId: filter.warehouseId,
            type: filter.type,
            productId: product?.id,
            from: filter.from,
            // "to" is a whole day: everything before the next midnight.
            to: filter.to ? new Date(Date.parse(filter.to) + 86_400_000).toISOString() : undefined,
            limit: PAGE_SIZE,
            offset,
          }),
    ]);
    const [names, orders] = await Promise.all([
      productNames(
        hub,
        movements.items.map((m) => m.product_id),
      ),
      orderNumbers(
        hub,
        movements.items.flatMap((m) => orderOf(m.reference)?.id ?? []),
      ),
    ]);
    return renderPage(
      c,
      v.t('stock.movements'),
      <Movements
        v={v}
        warehouses={warehouses}
        filter={filter}
        movements={movements}
        offset={offset}
        names={names}
        orders={orders}
      />,
    );
  });

  app.get('/stock/move', async (c) => {
    const v = viewOf(c);
    if (!v.canWrite) return c.redirect('/stock', 303);
    const q = c.req.query();
    const type = formTypes.includes(q.type as FormType) ? (q.type as FormType) : 'write_off';
    const form: MoveForm = {
      type,
      sku: q.sku ?? '',
      warehouse: q.warehouse ?? '',
      to_warehouse: q.to_warehouse ?? '',
      quantity: '',
      reason: '',
      token: crypto.randomUUID(),
    };
    return renderPage(
      c,
      titleOf(v, type),
      <MoveFormPage v={v} form={form} warehouses={await ownWarehouses(hub)} errors={{}} />,
    );
  });

  app.post('/stock/move', async (c) => {
    const v = viewOf(c);
    const form = await readMoveForm(c.req.parseBody());
    const warehouses = await ownWarehouses(hub);
    const again = (errors: FieldErrors) =>
      renderPage(c, titleOf(v, form.type), <MoveFormPage v={v} form={form} warehouses={warehouses} errors={errors} />);

    const product = form.sku.trim()
      ? (await listProducts(hub.db, { sku: form.sku.trim(), limit: 1 })).items[0]
      : undefined;
    if (!product)
      return again({
        sku: form.sku.trim() ? v.t('stock.unknownSku', { sku: form.sku.trim() }) : v.t('common.required'),
      });
    try {
      await hub.db.transaction((tx) =>
        recordMovement(
          tx,
          {
            type: form.type,
            productId: product.id,
            warehouseId: Number(form.warehouse) || 0,
            toWarehouseId: form.type === 'transfer' ? Number(form.to_warehouse) || 0 : null,
            quantity: Number(form.quantity),
            reason: form.reason.trim() || null,
            reference: `web:${form.token}`,
          },
          c.get('actor').name,
        ),
      );
    } catch (error) {
      return again(movementErrors(v, error));
    }
    const done = new URLSearchParams({
      done: `${form.type}:${form.quantity}:${product.sku}`,
      warehouse: form.warehouse,
    });
    return c.redirect(`/stock?${done}`, 303);
  });
  return app;
}

const titleOf = (v: View, type: FormType) =>
  v.t(type === 'write_off' ? 'stock.writeOff' : type === 'receipt' ? 'stock.receipt' : 'stock.transfer');

async function readMoveForm(body: Promise<Record<string, unknown>>): Promise<MoveForm> {
  const b = await body;
  const text = (name: string) => (typeof b[name] === 'string' ? (b[name] as string) : '');
  const type = formTypes.includes(text('type') as FormType) ? (text('type') as FormType) : 'write_off';
  return {
    type,
    sku: text('sku'),
    warehouse: text('warehouse'),
    to_warehouse: text('to_warehouse'),
    quantity: text('quantity').trim(),
    reason: text('reason'),
    token: /^[0-9a-f-]{36}$/.test(text('token')) ? text('token') : crypto.randomUUID(),
  };
}

/** The inventory service's refusals beside the field they are about. */
function movementErrors(v: View, error: unknown): FieldErrors {
  const formField: Record<string, string> = {
    productId: 'sku',
    warehouseId: 'warehouse',
    toWarehouseId: 'to_warehouse',
    quantity: 'quantity',
    reason: 'reason',
  };
  if (error instanceof ZodError) {
    const errors: FieldErrors = {};
    for (const issue of error.issues) {
      const field = formField[String(issue.path[0])] ?? 'form';
      errors[field] ??= field === 'quantity' ? v.t('stock.quantityHint') : localize(v.lang, issue.message);
    }
    return errors;
  }
  if (!(error instanceof DomainError)) throw error;
  const message = localize(v.lang, error);
  if (error.code === 'STOCK_INSUFFICIENT') return { quantity: message };
  if (error.code.startsWith('WAREHOUSE_')) return { warehouse: message };
  if (error.code === 'PRODUCT_ARCHIVED') return { sku: message };
  return { form: message };
}

/** A short text filter from the query string: trimmed, at most 200 characters, or none. */
const textParam = (value: string | undefined) => value?.trim().slice(0, 200) || undefined;

async function allWarehouses(hub: Hub): Promise<Warehouse[]> {
  return (await listWarehouses(hub.db, { limit: 500, offset: 0 })).items;
}

/** Only own, writable warehouses take manual movements; mirrors are set by sync. */
async function ownWarehouses(hub: Hub): Promise<Warehouse[]> {
  return (await allWarehouses(hub)).filter((w) => !w.read_only);
}

async function productNames(hub: Hub, ids: number[]): Promise<Map<number, { sku: string; name: string }>> {
  if (!ids.length) return new Map();
  const found = await rows<{ id: number; sku: string; name: string }>(
    hub.db,
    sql`select id, sku, name from products where id = any(${sql.param([...new Set(ids)])}::bigint[])`,
  );
  return new Map(found.map((p) => [p.id, p]));
}

/** Orders' numbers in their channel, by Sklad's id. */
async function orderNumbers(hub: Hub, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map();
  const found = await rows<{ id: number; external_id: string }>(
    hub.db,
    sql`select id, external_id from orders where id = any(${sql.param([...new Set(ids)])}::bigint[])`,
  );
  return new Map(found.map((o) => [Number(o.id), o.external_id]));
}

function StockTabs({ v, current }: { v: View; current: 'levels' | 'movements' }) {
  return (
    <nav class="tabs" aria-label={v.t('stock.title')}>
      <a href="/stock" aria-current={current === 'levels' ? 'page' : undefined}>
        {v.t('stock.levels')}
      </a>
      <a href="/stock/movements" aria-current={current === 'movements' ? 'page' : undefined}>
        {v.t('stock.movements')}
      </a>
    </nav>
  );
}

/** The manual movements; a mirror warehouse (the marketplace's stock, only read) is never preselected, and offers no write-off. */
function MoveButtons({ v, warehouse }: { v: View; warehouse?: Warehouse }) {
  if (!v.canWrite) return null;
  const writable = warehouse && !warehouse.read_only ? warehouse : undefined;
  const w = writable ? `&warehouse=${writable.id}` : '';
  return (
    <div class="actions">
      {!warehouse?.read_only && (
        <a class="button" href={`/stock/move?type=write_off${w}`}>
          − {v.t('stock.writeOff')}
        </a>
      )}
      <a class="button ghost" href={`/stock/move?type=receipt${w}`}>
        + {v.t('stock.receipt')}
      </a>
      <a class="button ghost" href={`/stock/move?type=transfer${w}`}>
        ⇄ {v.t('stock.transfer')}
      </a>
    </div>
  );
}

interface LevelsProps {
  v: View;
  warehouses: Warehouse[];
  warehouseId?: number;
  origin: { source?: string; stockType?: string };
  levels: Awaited<ReturnType<typeof listLevels>>;
  offset: number;
  done?: string;
}

/** The distinct values of a warehouse field, for a filter's options; 'none' first when some have none. */
function choices(warehouses: Warehouse[], field: 'source' | 'stock_type', none: string) {
  const values = [...new Set(warehouses.map((w) => w[field]).filter((x): x is string => !!x))].sort();
  return [
    ...(warehouses.some((w) => !w[field]) ? [{ value: 'none', label: none }] : []),
    ...values.map((x) => ({ value: x, label: x })),
  ];
}

function StockLevels({ v, warehouses, warehouseId, origin, levels, offset, done }: LevelsProps) {
  const { t } = v;
  const [doneType, doneQuantity, doneSku] = (done ?? '').split(':');
  const byId = new Map(warehouses.map((w) => [w.id, w]));
  return (
    <>
      <div class="page-head">
        <h1>{t('stock.title')}</h1>
        <MoveButtons v={v} warehouse={warehouseId ? byId.get(warehouseId) : undefined} />
      </div>
      <StockTabs v={v} current="levels" />
      {done && formTypes.includes(doneType as FormType) && (
        <Notice kind="success">
          {t('stock.done', { type: t(`move.${doneType as FormType}`), quantity: doneQuantity ?? '' })} {doneSku}
        </Notice>
      )}
      <form method="get" action="/stock" class="inline-form card">
        <Select
          name="warehouse"
          label={t('stock.warehouse')}
          value={warehouseId}
          placeholder={t('stock.allWarehouses')}
          options={warehouses.map((w) => ({ value: w.id, label: warehouseLabel(v, w) }))}
        />
        <Select
          name="source"
          label={t('stock.origin.source')}
          value={origin.source}
          placeholder={t('stock.origin.allSources')}
          options={choices(warehouses, 'source', t('stock.origin.own'))}
          attrs={{ 'data-raw': true }}
        />
        <Select
          name="stock_type"
          label={t('stock.origin.stockType')}
          value={origin.stockType}
          placeholder={t('stock.origin.allStockTypes')}
          options={choices(warehouses, 'stock_type', t('stock.origin.none'))}
          attrs={{ 'data-raw': true }}
        />
        <div class="actions">
          <button type="submit">{t('stock.filter')}</button>
        </div>
      </form>
      <section class="card">
        {warehouses.length === 0 ? (
          <Empty>{t('stock.noWarehouses')}</Empty>
        ) : levels.items.length === 0 ? (
          <Empty
            action={
              v.canWrite ? (
                <a class="button ghost small" href="/stock/move?type=receipt">
                  + {t('stock.receipt')}
                </a>
              ) : undefined
            }
          >
            {t('stock.noLevels')}
          </Empty>
        ) : (
          <>
            <Table
              label={t('stock.levels')}
              id="levels"
              class="cards"
              columns={[
                key(t('stock.product')),
                key(t('stock.warehouse')),
                t('stock.origin.source'),
                num(t('stock.onHand')),
                key(num(t('stock.reserved'))),
                key(num(t('stock.available'))),
                num(t('stock.origin.promised')),
                ...(v.canWrite ? [key('')] : []),
              ]}
            >
              {levels.items.map((l) => {
                const w = byId.get(l.warehouse_id);
                // A mirror's numbers are the marketplace's: Sklad only reads them, so nothing is written off there.
                const mirror = w?.read_only ?? false;
                return (
                  <tr
                    class={l.available <= 0 && !mirror ? 'row-bad' : mirror ? 'row-muted' : undefined}
                    data-sku={l.sku}
                    data-warehouse={l.warehouse_code}
                    data-mirror={mirror ? 'true' : undefined}
                    data-source={l.source ?? undefined}
                    data-stock-type={l.stock_type ?? undefined}
                  >
                    <td data-label={t('stock.product')}>
                      <a href={`/products/${l.product_id}`}>{l.product_name}</a>
                      <br />
                      <small class="mono">{l.sku}</small>
                    </td>
                    <td data-label={t('stock.warehouse')}>
                      {w ? <a href={`/warehouses/${w.id}`}>{w.name}</a> : null}{' '}
                      <small class="mono">{l.warehouse_code}</small>
                      {mirror && (
                        <div>
                          <Badge tone="info">{t('stock.mirrorRow')}</Badge>
                        </div>
                      )}
                    </td>
                    <td data-label={t('stock.origin.source')} data-origin>
                      {l.source ? <span class="mono">{l.source}</span> : t('stock.origin.own')}
                      {l.stock_type && (
                        <>
                          {' '}
                          <Badge tone="info">
                            <span class="mono">{l.stock_type}</span>
                          </Badge>
                        </>
                      )}
                    </td>
                    <td data-label={t('stock.onHand')} class="num">
                      {formatNumber(v, l.on_hand)}
                    </td>
                    <td data-label={t('stock.reserved')} class="num" data-reserved>
                      {formatNumber(v, l.reserved)}
                    </td>
                    <td data-label={t('stock.available')} class="num" data-available>
                      <b>{formatNumber(v, l.available)}</b>
                    </td>
                    <td
                      data-label={t('stock.origin.promised')}
                      class="num"
                      data-promised
                      title={t('stock.origin.promisedHint')}
                    >
                      {formatNumber(v, l.promised)}
                    </td>
                    {v.canWrite && (
                      <td>
                        {!mirror && (
                          <a
                            class="button ghost small"
                            href={`/stock/move?type=write_off&sku=${encodeURIComponent(l.sku)}&warehouse=${l.warehouse_id}`}
                          >
                            {t('stock.writeOff')}
                          </a>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </Table>
            <Pager
              v={v}
              total={levels.total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{
                warehouse: warehouseId ? String(warehouseId) : undefined,
                source: origin.source,
                stock_type: origin.stockType,
              }}
              base="/stock"
            />
          </>
        )}
      </section>
    </>
  );
}

const warehouseLabel = (v: View, w: Warehouse) =>
  `${w.code} · ${w.name}${w.read_only ? ` (${v.t('stock.mirror')})` : ''}`;

interface MovementsProps {
  v: View;
  warehouses: Warehouse[];
  filter: { warehouseId?: number; type?: MovementType; sku?: string; from?: string; to?: string };
  movements: Awaited<ReturnType<typeof listMovements>>;
  offset: number;
  names: Map<number, { sku: string; name: string }>;
  /** Orders' numbers in their channel, for the movements an order made. */
  orders: Map<number, string>;
}

function Movements({ v, warehouses, filter, movements, offset, names, orders }: MovementsProps) {
  const { t } = v;
  const codes = new Map(warehouses.map((w) => [w.id, `${w.code} · ${w.name}`]));
  return (
    <>
      <div class="page-head">
        <h1>{t('stock.title')}</h1>
        <MoveButtons v={v} />
      </div>
      <StockTabs v={v} current="movements" />
      <form method="get" action="/stock/movements" class="inline-form card">
        <Select
          name="warehouse"
          label={t('stock.warehouse')}
          value={filter.warehouseId}
          placeholder={t('stock.allWarehouses')}
          options={warehouses.map((w) => ({ value: w.id, label: warehouseLabel(v, w) }))}
        />
        <Select
          name="type"
          label={t('stock.type')}
          value={filter.type}
          placeholder={t('common.all')}
          options={movementTypes.map((type) => ({ value: type, label: t(`move.${type}`) }))}
        />
        <Field name="sku" label={t('stock.productSku')} value={filter.sku} attrs={{ autocomplete: 'off' }} />
        <Field name="from" type="date" label={t('stock.from')} value={filter.from} />
        <Field name="to" type="date" label={t('stock.to')} value={filter.to} />
        <div class="actions">
          <button type="submit">{t('stock.filter')}</button>
          <a class="button ghost" href="/stock/movements">
            {t('common.reset')}
          </a>
        </div>
      </form>
      <section class="card">
        {movements.items.length === 0 ? (
          <Empty>{t('stock.noMovements')}</Empty>
        ) : (
          <>
            <Table
              label={t('stock.movements')}
              id="movements"
              columns={[
                key(t('common.when')),
                key(t('stock.type')),
                key(t('stock.product')),
                t('stock.warehouse'),
                key(num(t('stock.quantity'))),
                num(t('stock.onHand')),
                t('stock.reason'),
                t('common.who'),
              ]}
            >
              {movements.items.map((m) => (
                <tr data-type={m.type}>
                  <td>
                    <small>{formatDateTime(v, m.created_at)}</small>
                  </td>
                  <td>
                    <Badge tone={m.quantity < 0 ? 'warn' : m.quantity > 0 ? 'ok' : 'muted'}>
                      {orderOf(m.reference)?.cancelled ? t('move.orderCancelled') : t(`move.${m.type}`)}
                    </Badge>
                  </td>
                  <td>
                    <a href={`/products/${m.product_id}`}>{names.get(m.product_id)?.sku ?? `#${m.product_id}`}</a>
                  </td>
                  <td>{codes.get(m.warehouse_id) ?? m.warehouse_id}</td>
                  <td class="num">
                    {m.quantity > 0 ? `+${formatNumber(v, m.quantity)}` : formatNumber(v, m.quantity)}
                  </td>
                  <td class="num">{formatNumber(v, m.on_hand_after)}</td>
                  <td>
                    <Reason v={v} reason={m.reason} reference={m.reference} orders={orders} />
                  </td>
                  <td>{actorName(v, m.actor)}</td>
                </tr>
              ))}
            </Table>
            <Pager
              v={v}
              total={movements.total}
              limit={PAGE_SIZE}
              offset={offset}
              params={{
                warehouse: filter.warehouseId ? String(filter.warehouseId) : undefined,
                type: filter.type,
                sku: filter.sku,
                from: filter.from,
                to: filter.to,
              }}
              base="/stock/movements"
            />
          </>
        )}
      </section>
    </>
  );
}

/**
 * The order a movement belongs to, from its reference (src/orders/service.ts: `order:<id>:line:<n>:sale|return:<cycle>`):
 * an order's return is its cancellation (the stock comes back), not a write-off.
 */
function orderOf(reference: string | null): { id: number; cancelled: boolean } | null {
  const found = /^order:(\d+):line:\d+:(sale|return):\d+$/.exec(reference ?? '');
  return found ? { id: Number(found[1]), cancelled: found[2] === 'return' } : null;
}

/** Why a movement was made: an order's in words with a link to it, a person's as typed. */
function Reason({
  v,
  reason,
  reference,
  orders,
}: {
  v: View;
  reason: string | null;
  reference: string | null;
  orders: Map<number, string>;
}) {
  const order = orderOf(reference);
  if (order) {
    const number = orders.get(order.id) ?? String(order.id);
    return (
      <a href={`/orders/${order.id}`} data-order={order.id}>
        {v.t(order.cancelled ? 'stock.orderCancelled' : 'stock.orderSale', { id: number })}
      </a>
    );
  }
  return <>{reason ? localize(v.lang, reason) : reference?.startsWith('web:') ? '' : (reference ?? '')}</>;
}

function MoveFormPage({
  v,
  form,
  warehouses,
  errors,
}: {
  v: View;
  form: MoveForm;
  warehouses: Warehouse[];
  errors: FieldErrors;
}) {
  const { t } = v;
  const options = warehouses.map((w) => ({ value: w.id, label: warehouseLabel(v, w) }));
  return (
    <>
      <p class="crumbs">
        <a href="/stock">← {t('stock.title')}</a>
      </p>
      <div class="page-head">
        <h1>{titleOf(v, form.type)}</h1>
      </div>
      <nav class="tabs" aria-label={t('stock.type')}>
        {formTypes.map((type) => (
          <a
            href={`/stock/move?type=${type}${form.sku ? `&sku=${encodeURIComponent(form.sku)}` : ''}${form.warehouse ? `&warehouse=${form.warehouse}` : ''}`}
            aria-current={type === form.type ? 'page' : undefined}
          >
            {titleOf(v, type)}
          </a>
        ))}
      </nav>
      <section class="card" style="max-width:40rem">
        {Object.keys(errors).length > 0 && <Notice kind="error">{errors.form ?? t('common.fixErrors')}</Notice>}
        {warehouses.length === 0 ? (
          <Empty>{t('stock.noWarehouses')}</Empty>
        ) : (
          <form method="post" action="/stock/move" class="stack" novalidate data-busy>
            <input type="hidden" name="type" value={form.type} />
            <input type="hidden" name="token" value={form.token} />
            <Field
              name="sku"
              label={t('stock.productSku')}
              value={form.sku}
              errors={errors}
              required
              attrs={{ autocomplete: 'off', spellcheck: 'false' }}
            />
            <Select
              name="warehouse"
              label={form.type === 'transfer' ? t('stock.fromWarehouse') : t('stock.warehouse')}
              value={form.warehouse}
              options={options}
              errors={errors}
              required
              placeholder=""
            />
            {form.type === 'transfer' && (
              <Select
                name="to_warehouse"
                label={t('stock.toWarehouse')}
                value={form.to_warehouse}
                options={options}
                errors={errors}
                required
                placeholder=""
              />
            )}
            <Field
              name="quantity"
              type="number"
              label={t('stock.quantity')}
              value={form.quantity}
              errors={errors}
              required
              attrs={{ min: 1, step: 1, inputmode: 'numeric' }}
            />
            <Field
              name="reason"
              label={t('stock.reason')}
              value={form.reason}
              errors={errors}
              attrs={{ placeholder: form.type === 'write_off' ? t('stock.reasonExample') : undefined }}
            />
            <div class="actions">
              <button type="submit">{titleOf(v, form.type)}</button>
              <a class="button ghost" href="/stock">
                {t('common.cancel')}
              </a>
            </div>
          </form>
        )}
      </section>
    </>
  );
}
