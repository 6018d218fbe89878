import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { productHistory } from '../../catalog/delete.ts';
import { readProductImage, setProductImage } from '../../catalog/images.ts';
import { createProduct, getProduct, updateProduct } from '../../catalog/products.ts';
import { ProductInput, ProductPatch, type Product } from '../../catalog/schemas.ts';
import { rows } from '../../db/database.ts';
import type { OperationRow } from '../../audit/operations.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { wordsOr, type MessageKey } from '../i18n.ts';
import { localize, zodFieldErrors } from '../messages.ts';
import {
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatNumber,
  intParam,
  key,
  Notice,
  num,
  Table,
} from '../ui.tsx';
import { productListRoutes } from './product-list.tsx';

interface ProductForm {
  sku: string;
  ean: string;
  name: string;
  description: string;
}

interface StockLine {
  warehouse_id: number;
  warehouse: string;
  on_hand: number;
  reserved: number;
  available: number;
}

export function productRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();

  // The list and its bulk edit (product-list.tsx).
  app.route('/', productListRoutes(hub));

  app.get('/products/new', async (c) => {
    const v = viewOf(c);
    if (!v.canWrite) return c.redirect('/products', 303);
    return renderPage(
      c,
      v.t('products.new'),
      <ProductEdit v={v} form={{ sku: '', ean: '', name: '', description: '' }} errors={{}} />,
    );
  });

  app.post('/products/new', async (c) => {
    const v = viewOf(c);
    const form = await readProductForm(c);
    const parsed = ProductInput.safeParse({ ...form, ean: form.ean, description: form.description || null });
    if (!parsed.success)
      return renderPage(
        c,
        v.t('products.new'),
        <ProductEdit v={v} form={form} errors={zodFieldErrors(v.lang, parsed.error)} />,
      );
    try {
      const product = await createProduct(hub.db, parsed.data, c.get('actor').name);
      return c.redirect(`/products/${product.id}?saved=1`, 303);
    } catch (error) {
      const errors = domainFieldErrors(v, error);
      return renderPage(c, v.t('products.new'), <ProductEdit v={v} form={form} errors={errors} />);
    }
  });

  app.get('/products/:id', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    return renderPage(
      c,
      product.name,
      await productCard(hub, v, product, {
        saved: c.req.query('saved') === '1',
        imageSaved: c.req.query('image') === '1',
      }),
    );
  });

  app.get('/products/:id/edit', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    if (!v.canWrite) return c.redirect(`/products/${product.id}`, 303);
    return renderPage(
      c,
      v.t('products.edit', { name: product.name }),
      <ProductEdit v={v} product={product} form={formOf(product)} errors={{}} />,
    );
  });

  // The form is checked with the API's own schema (ProductPatch), so it refuses exactly what the API refuses.
  app.post('/products/:id/edit', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    const form = await readProductForm(c);
    const title = v.t('products.edit', { name: product.name });
    const parsed = ProductPatch.safeParse({
      sku: form.sku,
      ean: form.ean,
      name: form.name,
      description: form.description || null,
    });
    if (!parsed.success) {
      return renderPage(
        c,
        title,
        <ProductEdit v={v} product={product} form={form} errors={zodFieldErrors(v.lang, parsed.error)} />,
      );
    }
    try {
      const version = intParam(form.version);
      await updateProduct(hub.db, product.id, parsed.data, c.get('actor').name, { expectedVersion: version });
      return c.redirect(`/products/${product.id}?saved=1`, 303);
    } catch (error) {
      return renderPage(
        c,
        title,
        <ProductEdit v={v} product={product} form={form} errors={domainFieldErrors(v, error)} />,
      );
    }
  });

  app.post('/products/:id/image', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    const body = await c.req.parseBody();
    const file = body.file;
    let problem: string;
    if (!(file instanceof File) || file.size === 0) {
      problem = v.t('products.imageChoose');
    } else {
      try {
        await setProductImage(hub.db, product.id, new Uint8Array(await file.arrayBuffer()), c.get('actor').name);
        return c.redirect(`/products/${product.id}?image=1`, 303);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        problem = localize(v.lang, error);
      }
    }
    return renderPage(c, product.name, await productCard(hub, v, product, { imageError: problem }));
  });

  // The pictures are served here too, so the panel does not depend on the API's routes.
  for (const [path, size] of [
    ['/products/:id/image', 'full'],
    ['/products/:id/thumbnail', 'thumbnail'],
  ] as const) {
    app.get(path, async (c) => {
      const picture = await readProductImage(hub.db, productId(c), size);
      if (c.req.header('if-none-match') === picture.etag) return c.body(null, 304);
      return c.body(new Uint8Array(picture.body), 200, {
        'content-type': picture.contentType,
        etag: picture.etag,
        'cache-control': 'private, no-cache',
      });
    });
  }
  return app;
}

const productId = (c: WebContext) => {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', viewOf(c).t('products.notFound', { id: c.req.param('id') ?? '' }), 404);
  return id;
};

async function readProductForm(c: WebContext): Promise<ProductForm & { version?: string }> {
  const body = await c.req.parseBody();
  const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
  return {
    sku: text('sku'),
    ean: text('ean'),
    name: text('name'),
    description: text('description'),
    version: text('version'),
  };
}

const formOf = (p: Product): ProductForm => ({
  sku: p.sku,
  ean: p.ean ?? '',
  name: p.name,
  description: p.description ?? '',
});

/** A refusal from the catalog, beside the field it is about (SKU_TAKEN names `sku`), or above the form. */
function domainFieldErrors(v: View, error: unknown): FieldErrors {
  if (!(error instanceof DomainError)) throw error;
  const field = (error.details as { field?: string } | undefined)?.field;
  return { [field ?? 'form']: localize(v.lang, error) };
}

async function stockOf(hub: Hub, productId: number): Promise<StockLine[]> {
  return rows<StockLine>(
    hub.db,
    sql`
    select l.warehouse_id, w.name as warehouse, l.on_hand, l.reserved, l.available
      from stock_levels l join warehouses w on w.id = l.warehouse_id
     where l.product_id = ${productId} order by w.name`,
  );
}

interface CardState {
  saved?: boolean;
  imageSaved?: boolean;
  imageError?: string;
}

async function productCard(hub: Hub, v: View, product: Product, state: CardState) {
  const [stock, history] = await Promise.all([
    stockOf(hub, product.id),
    productHistory(hub.db, product.id, { limit: 50, offset: 0 }),
  ]);
  const { t } = v;
  return (
    <>
      <p class="crumbs">
        <a href="/products">← {t('products.title')}</a>
      </p>
      <div class="page-head">
        <h1>{product.name}</h1>
        <a class="button ghost" href={`/products/${product.id}/prices`}>
          {t('prices.link')}
        </a>
        {v.canWrite && (
          <a class="button" href={`/products/${product.id}/edit`}>
            ✎ {t('common.edit')}
          </a>
        )}
      </div>
      {state.saved && <Notice kind="success">{t('common.saved')}</Notice>}
      {state.imageSaved && <Notice kind="success">{t('products.imageSaved')}</Notice>}
      <div class="grid grid-side">
        <section class="card">
          <dl class="facts">
            <dt>{t('products.sku')}</dt>
            <dd class="mono" data-field="sku">
              {product.sku}
            </dd>
            <dt>{t('products.ean')}</dt>
            <dd class="mono" data-field="ean">
              {product.ean ?? t('common.none')}
            </dd>
            <dt>{t('products.description')}</dt>
            <dd>{product.description ?? t('common.none')}</dd>
            <dt>{t('products.attributes')}</dt>
            <dd data-field="attributes">
              {Object.keys(product.attributes ?? {}).length === 0 ? (
                t('common.none')
              ) : (
                <table class="attributes">
                  <tbody>
                    {Object.entries(product.attributes ?? {}).map(([name, value]) => (
                      <tr>
                        <th scope="row" class="mono" data-raw>
                          {name}
                        </th>
                        <td>{value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </dd>
            {product.archived && (
              <>
                <dt>{t('common.status')}</dt>
                <dd>{t('products.archived')}</dd>
              </>
            )}
          </dl>
          <h2 style="margin-top:1.25rem">{t('products.stock')}</h2>
          {stock.length === 0 ? (
            <Empty>{t('stock.noLevels')}</Empty>
          ) : (
            <Table
              label={t('products.stock')}
              columns={[
                t('stock.warehouse'),
                num(t('stock.onHand')),
                num(t('stock.reserved')),
                num(t('stock.available')),
              ]}
            >
              {stock.map((s) => (
                <tr>
                  <td>{s.warehouse}</td>
                  <td class="num">{formatNumber(v, s.on_hand)}</td>
                  <td class="num">{formatNumber(v, s.reserved)}</td>
                  <td class="num">{formatNumber(v, s.available)}</td>
                </tr>
              ))}
            </Table>
          )}
        </section>
        <section class="card">
          <h2>{t('products.image')}</h2>
          {product.image ? (
            <img
              class="photo"
              id="product-photo"
              src={`/products/${product.id}/image?v=${product.version}`}
              alt={product.name}
              width={product.image.width}
              height={product.image.height}
            />
          ) : (
            <div class="photo" id="product-photo">
              {t('products.noImage')}
            </div>
          )}
          {v.canWrite && (
            <form
              method="post"
              action={`/products/${product.id}/image`}
              enctype="multipart/form-data"
              class="stack"
              style="margin-top:1rem"
              data-busy
            >
              <Field
                name="file"
                type="file"
                label={t('products.imageFile')}
                hint={t('products.imageHint')}
                errors={state.imageError ? { file: state.imageError } : undefined}
                attrs={{ accept: 'image/jpeg,image/png,image/webp', 'data-preview': 'image-preview', required: true }}
              />
              <img id="image-preview" class="preview" alt={t('products.preview')} hidden />
              <div class="actions">
                <button type="submit">{t('products.imageUpload')}</button>
              </div>
            </form>
          )}
        </section>
      </div>
      <section class="card" style="margin-top:1rem" id="history">
        <h2>{t('products.history')}</h2>
        {history.items.length === 0 ? (
          <Empty>{t('products.noHistory')}</Empty>
        ) : (
          <History v={v} items={history.items} />
        )}
      </section>
    </>
  );
}

function History({ v, items }: { v: View; items: OperationRow[] }) {
  const { t } = v;
  return (
    <Table
      label={t('products.history')}
      class="history"
      columns={[key(t('common.when')), t('common.who'), key(t('products.action')), key(t('common.details'))]}
    >
      {items.map((op) => (
        <tr>
          <td>
            <small>{formatDateTime(v, op.at)}</small>
          </td>
          <td>{op.actor}</td>
          <td>{wordsOr(t, `action.${op.action}`, op.action)}</td>
          <td>
            {Object.entries(op.changes).map(([field, change]) => (
              <div class="change" data-change={field}>
                <b>{wordsOr(t, fieldLabels[field] ?? '', field)}</b>: <del>{showValue(v, change.before)}</del> →{' '}
                <ins>{showValue(v, change.after)}</ins>
              </div>
            ))}
          </td>
        </tr>
      ))}
    </Table>
  );
}

const fieldLabels: Record<string, MessageKey> = {
  sku: 'products.sku',
  ean: 'products.ean',
  name: 'products.name',
  description: 'products.description',
  attributes: 'products.attributes',
  archived: 'products.archivedField',
  image: 'products.image',
};

const showValue = (v: View, value: unknown) => {
  if (value === null || value === undefined) return '∅';
  if (typeof value === 'boolean') return v.t(value ? 'common.yes' : 'common.no');
  if (typeof value === 'object') {
    const image = value as { width?: number; height?: number; bytes?: number };
    if (image.width && image.height)
      return `${image.width}×${image.height}, ${Math.round((image.bytes ?? 0) / 1024)} KiB`;
    // Attributes as `colour: red; size: M`, not as JSON.
    return Object.entries(value as Record<string, unknown>)
      .map(([name, x]) => `${name}: ${x !== null && typeof x === 'object' ? JSON.stringify(x) : String(x)}`)
      .join('; ');
  }
  return String(value);
};

function ProductEdit({
  v,
  product,
  form,
  errors,
}: {
  v: View;
  product?: Product;
  form: ProductForm & { version?: string };
  errors: FieldErrors;
}) {
  const { t } = v;
  const action = product ? `/products/${product.id}/edit` : '/products/new';
  const general = errors.form;
  return (
    <>
      <p class="crumbs">
        {product ? (
          <a href={`/products/${product.id}`}>← {product.name}</a>
        ) : (
          <a href="/products">← {t('products.title')}</a>
        )}
      </p>
      <div class="page-head">
        <h1>{product ? t('products.edit', { name: product.name }) : t('products.new')}</h1>
      </div>
      <section class="card" style="max-width:44rem">
        {Object.keys(errors).length > 0 && <Notice kind="error">{general ?? t('common.fixErrors')}</Notice>}
        <form method="post" action={action} class="stack" novalidate data-busy>
          {product && <input type="hidden" name="version" value={form.version || String(product.version)} />}
          <Field
            name="sku"
            label={t('products.sku')}
            value={form.sku}
            errors={errors}
            required
            attrs={{ autocomplete: 'off', spellcheck: 'false' }}
          />
          <Field
            name="ean"
            label={t('products.ean')}
            value={form.ean}
            errors={errors}
            hint={t('products.eanHint')}
            attrs={{ inputmode: 'numeric', autocomplete: 'off' }}
          />
          <Field name="name" label={t('products.name')} value={form.name} errors={errors} required />
          <Field
            name="description"
            label={t('products.description')}
            value={form.description}
            errors={errors}
            multiline
          />
          <div class="actions">
            <button type="submit">{t('common.save')}</button>
            <a class="button ghost" href={product ? `/products/${product.id}` : '/products'}>
              {t('common.cancel')}
            </a>
          </div>
        </form>
      </section>
    </>
  );
}
