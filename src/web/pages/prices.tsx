import { Hono } from 'hono';
import { getProduct } from '../../catalog/products.ts';
import type { Product } from '../../catalog/schemas.ts';
import type { Hub } from '../../hub.ts';
import type { AppEnv } from '../../http/router.ts';
import {
  accountPrices,
  channelPrice,
  clearAccountPrice,
  Factor,
  getBasePrice,
  listingPrices,
  priceHistory,
  pricedAccounts,
  setAccountPrice,
  setBasePrice,
  type AccountPrice,
  type ListingPriceView,
  type PriceChange,
  type PricedAccount,
} from '../../pricing/prices.ts';
import { DomainError } from '../../shared/errors.ts';
import { viewOf, type View, type WebContext } from '../context.ts';
import { renderPage } from '../layout.tsx';
import { localize, zodFieldErrors } from '../messages.ts';
import {
  actorName,
  Badge,
  channelName,
  Empty,
  Field,
  type FieldErrors,
  formatDateTime,
  formatMoney,
  intParam,
  key,
  Notice,
  num,
  offsetParam,
  Pager,
  Select,
  Table,
} from '../ui.tsx';
import { accountForm, accountModes, baseForm, factorShown, majorText } from './price-forms.ts';
import { priceOverviewRoutes, Refusal } from './prices-overview.tsx';

/**
 * A product's prices (issue 20, docs/decisions/190) through the services of src/pricing/prices.ts:
 * its base price, each account's price (the base, one of its own, or a rule rounded to the
 * channel's step), the history (who, when, why, old → new) and what each listing got from the
 * channel: the price sent, waiting to be sent, or refused with the channel's words.
 */

const HISTORY_PAGE = 25;

type Form = Record<string, string>;

export function priceRoutes(hub: Hub) {
  const app = new Hono<AppEnv>();
  app.route('/', priceOverviewRoutes(hub));

  app.get('/products/:id/prices', async (c) => {
    const product = await getProduct(hub.db, productId(c));
    return pricesPage(c, hub, product, { saved: c.req.query('saved') });
  });

  app.post('/products/:id/prices', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    const form = await readForm(c, ['amount', 'currency', 'reason']);
    const parsed = baseForm(v).safeParse(form);
    if (!parsed.success) return pricesPage(c, hub, product, { form, errors: zodFieldErrors(v.lang, parsed.error) });
    await setBasePrice(hub.db, product.id, parsed.data, c.get('actor').name);
    return c.redirect(`/products/${product.id}/prices?saved=base`, 303);
  });

  app.get('/products/:id/prices/accounts/:accountId', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    if (!v.canWrite) return c.redirect(`/products/${product.id}/prices`, 303);
    return accountPage(c, hub, product, await accountOf(c, hub));
  });

  app.post('/products/:id/prices/accounts/:accountId', async (c) => {
    const v = viewOf(c);
    const product = await getProduct(hub.db, productId(c));
    const account = await accountOf(c, hub);
    const form = await readForm(c, ['mode', 'amount', 'currency', 'factor', 'reason']);
    const parsed = accountForm(v, account).safeParse(form);
    if (!parsed.success)
      return accountPage(c, hub, product, account, { form, errors: zodFieldErrors(v.lang, parsed.error) });
    const choice = parsed.data;
    const actor = c.get('actor').name;
    try {
      if (choice.mode === 'inherit') {
        const has = (await accountPrices(hub.db, product.id)).some((p) => p.account_id === account.id);
        // The account already gets the base price: nothing is written, and the page says so rather than "saved".
        if (!has) return c.redirect(`/products/${product.id}/prices?saved=unchanged#accounts`, 303);
        await clearAccountPrice(hub.db, product.id, account.id, actor, choice.reason);
      } else {
        const input =
          choice.mode === 'rule'
            ? { factor: choice.factor, reason: choice.reason }
            : { amount: choice.amount, currency: choice.currency, reason: choice.reason };
        await setAccountPrice(hub.db, product.id, account.id, input, actor);
      }
    } catch (error) {
      if (!(error instanceof DomainError) || error.status === 404) throw error;
      // A rule without a base price (PRICE_BASE_MISSING): said beside the factor it is about.
      const field = choice.mode === 'rule' ? 'factor' : 'form';
      return accountPage(c, hub, product, account, { form, errors: { [field]: localize(v.lang, error) } });
    }
    return c.redirect(`/products/${product.id}/prices?saved=account#accounts`, 303);
  });

  return app;
}

function productId(c: WebContext): number {
  const id = intParam(c.req.param('id'));
  if (!id) throw new DomainError('NOT_FOUND', viewOf(c).t('products.notFound', { id: c.req.param('id') ?? '' }), 404);
  return id;
}

async function accountOf(c: WebContext, hub: Hub): Promise<PricedAccount> {
  const id = intParam(c.req.param('accountId'));
  const account = id ? (await pricedAccounts(hub.db)).find((a) => a.id === id) : undefined;
  if (!account)
    throw new DomainError(
      'NOT_FOUND',
      viewOf(c).t('prices.accountNotFound', { id: c.req.param('accountId') ?? '' }),
      404,
    );
  return account;
}

async function readForm(c: WebContext, names: string[]): Promise<Form> {
  const body = await c.req.parseBody();
  return Object.fromEntries(names.map((name) => [name, typeof body[name] === 'string' ? (body[name] as string) : '']));
}

interface PageState {
  saved?: string;
  form?: Form;
  errors?: FieldErrors;
}

async function pricesPage(c: WebContext, hub: Hub, product: Product, state: PageState) {
  const v = viewOf(c);
  const offset = offsetParam(c.req.query('offset'));
  const [base, own, listings, history, accounts] = await Promise.all([
    getBasePrice(hub.db, product.id),
    accountPrices(hub.db, product.id),
    listingPrices(hub.db, product.id),
    priceHistory(hub.db, product.id, { limit: HISTORY_PAGE, offset }),
    pricedAccounts(hub.db),
  ]);
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const form = state.form ?? {
    amount: base ? majorText(v, base.amount, base.currency) : '',
    currency: base?.currency ?? 'RUB',
    reason: '',
  };
  const { t } = v;
  return renderPage(
    c,
    t('prices.titleOf', { name: product.name }),
    <>
      <p class="crumbs">
        <a href={`/products/${product.id}`}>← {product.name}</a>
      </p>
      <div class="page-head">
        <h1>{t('prices.titleOf', { name: product.name })}</h1>
        <a class="button ghost" href="/prices">
          {t('prices.all')}
        </a>
      </div>
      {state.saved === 'base' && <Notice kind="success">{t('prices.baseSaved')}</Notice>}
      {state.saved === 'account' && <Notice kind="success">{t('prices.accountSaved')}</Notice>}
      {state.saved === 'unchanged' && <Notice kind="info">{t('prices.accountUnchanged')}</Notice>}
      <div class="grid grid-2">
        <section class="card" id="base">
          <h2>{t('prices.base')}</h2>
          <p data-field="base">
            {base ? (
              <>
                <b>{formatMoney(v, base.amount, base.currency)}</b>{' '}
                <small>{t('prices.since', { at: formatDateTime(v, base.updated_at) })}</small>
              </>
            ) : (
              t('prices.baseNone')
            )}
          </p>
          {v.canWrite ? (
            <BaseForm v={v} product={product} form={form} errors={state.errors ?? {}} />
          ) : (
            <Notice kind="info">{t('common.readonlyNote')}</Notice>
          )}
        </section>
        <section class="card" id="listings">
          <h2>{t('prices.listings')}</h2>
          <Listings v={v} listings={listings.filter((l) => byId.has(l.account_id))} accounts={byId} />
        </section>
      </div>
      <section class="card" style="margin-top:1rem" id="accounts">
        <h2>{t('prices.accounts')}</h2>
        <Accounts v={v} product={product} base={base} own={own} accounts={accounts} />
      </section>
      <section class="card" style="margin-top:1rem" id="history">
        <h2>{t('prices.history')}</h2>
        {history.items.length === 0 ? (
          <Empty>{t('prices.historyNone')}</Empty>
        ) : (
          <>
            <History v={v} items={history.items} accounts={byId} />
            <Pager
              v={v}
              total={history.total}
              limit={history.limit}
              offset={history.offset}
              params={{}}
              base={`/products/${product.id}/prices`}
            />
          </>
        )}
      </section>
    </>,
  );
}

function BaseForm({ v, product, form, errors }: { v: View; product: Product; form: Form; errors: FieldErrors }) {
  const { t } = v;
  return (
    <form method="post" action={`/products/${product.id}/prices`} class="stack" novalidate data-busy>
      {Object.keys(errors).length > 0 && <Notice kind="error">{errors.form ?? t('common.fixErrors')}</Notice>}
      <Field
        name="amount"
        label={t('prices.amount')}
        value={form.amount}
        errors={errors}
        hint={t('prices.amountHint')}
        required
        attrs={{ inputmode: 'decimal', autocomplete: 'off' }}
      />
      <Field
        name="currency"
        label={t('prices.currency')}
        value={form.currency}
        errors={errors}
        hint={t('prices.currencyHint')}
        required
        attrs={{ maxlength: 3, autocomplete: 'off', spellcheck: 'false', style: 'max-width:8rem' }}
      />
      <Field
        name="reason"
        label={t('prices.why')}
        value={form.reason}
        errors={errors}
        hint={t('prices.whyHint')}
        attrs={{ maxlength: 500 }}
      />
      <div class="actions">
        <button type="submit">{t('prices.saveBase')}</button>
      </div>
    </form>
  );
}

/** What an account is set to: the base price, its own price, or a rule. */
function settingText(v: View, own: AccountPrice | undefined): string {
  if (!own) return v.t('prices.inherits');
  if (own.factor !== null) return v.t('prices.rule', { factor: factorShown(v, own.factor) });
  return formatMoney(v, own.amount, own.currency);
}

/** The price the channel gets, as the pusher computes it (src/pricing/push.ts), rounded to its step. */
function channelGets(
  base: { amount: number; currency: string } | null,
  own: AccountPrice | undefined,
  account: PricedAccount,
) {
  const setting = own
    ? {
        amount: own.amount,
        currency: own.currency,
        factor_permille: own.factor !== null ? Factor.parse(own.factor) : null,
      }
    : null;
  return channelPrice(base, setting, account.step);
}

function Accounts({
  v,
  product,
  base,
  own,
  accounts,
}: {
  v: View;
  product: Product;
  base: { amount: number; currency: string } | null;
  own: AccountPrice[];
  accounts: PricedAccount[];
}) {
  const { t } = v;
  if (accounts.length === 0) return <Empty>{t('prices.accountsNone')}</Empty>;
  const byAccount = new Map(own.map((p) => [p.account_id, p]));
  return (
    <Table
      label={t('prices.accounts')}
      columns={[
        key(t('prices.account')),
        t('prices.setting'),
        key(num(t('prices.gets'))),
        num(t('prices.step')),
        ...(v.canWrite ? [''] : []),
      ]}
    >
      {accounts.map((a) => {
        const setting = byAccount.get(a.id);
        const gets = channelGets(base, setting, a);
        const currency = gets?.currency ?? base?.currency ?? a.currencies?.[0] ?? 'RUB';
        return (
          <tr data-account={a.id}>
            <td>
              {a.name} <small>{channelName(a.channel)}</small>
            </td>
            <td data-field="setting">{settingText(v, setting)}</td>
            <td class="num" data-field="gets">
              {gets ? formatMoney(v, gets.amount, gets.currency) : t('common.none')}
            </td>
            <td class="num">{formatMoney(v, a.step, currency)}</td>
            {v.canWrite && (
              <td>
                <a
                  class="button ghost small"
                  href={`/products/${product.id}/prices/accounts/${a.id}`}
                  aria-label={`${t('prices.change')}: ${a.name}`}
                >
                  ✎ {t('common.edit')}
                </a>
              </td>
            )}
          </tr>
        );
      })}
    </Table>
  );
}

function ListingState({ v, listing }: { v: View; listing: ListingPriceView }) {
  const { t } = v;
  const sent =
    listing.last_pushed_amount !== null && listing.last_pushed_currency
      ? t('prices.sentAt', {
          amount: formatMoney(v, listing.last_pushed_amount, listing.last_pushed_currency),
          at: formatDateTime(v, listing.last_pushed_at),
        })
      : null;
  if (listing.needs_push) {
    return (
      <>
        <Badge tone="info">{t('prices.stateWaiting')}</Badge>
        {listing.refusal && (
          <div style="overflow-wrap:anywhere">
            <small>
              {t('prices.lastRefusal')}
              <Refusal v={v} text={listing.refusal} />
            </small>
          </div>
        )}
      </>
    );
  }
  if (listing.refusal) {
    return (
      <>
        <Badge tone="bad">{t('prices.stateRefused')}</Badge> <small>{formatDateTime(v, listing.refused_at)}</small>
        <div class="refusal" data-field="refusal" style="overflow-wrap:anywhere">
          <Refusal v={v} text={listing.refusal} />
        </div>
      </>
    );
  }
  if (sent)
    return (
      <>
        <Badge tone="ok">{t('prices.stateSent')}</Badge> <small>{sent}</small>
      </>
    );
  return <Badge tone="muted">{t('prices.stateNone')}</Badge>;
}

function Listings({
  v,
  listings,
  accounts,
}: {
  v: View;
  listings: ListingPriceView[];
  accounts: Map<number, PricedAccount>;
}) {
  const { t } = v;
  if (listings.length === 0) return <Empty>{t('prices.listingsNone')}</Empty>;
  return (
    <Table
      label={t('prices.listings')}
      columns={[key(t('prices.account')), t('prices.listing'), key(t('prices.state'))]}
    >
      {listings.map((l) => (
        <tr data-listing={l.listing_id} data-account={l.account_id}>
          <td>{accounts.get(l.account_id)?.name}</td>
          <td class="mono">{l.external_id}</td>
          <td data-field="state">
            <ListingState v={v} listing={l} />
          </td>
        </tr>
      ))}
    </Table>
  );
}

/** A price as the history keeps it: `{amount, currency}`, `{factor}`, or null (none; for an account, the base price). */
function storedPrice(v: View, value: unknown, ofAccount: boolean): string {
  if (value === null || typeof value !== 'object') return ofAccount ? v.t('prices.inherits') : v.t('common.none');
  const price = value as { amount?: unknown; currency?: unknown; factor?: unknown };
  if (typeof price.factor === 'string') return v.t('prices.rule', { factor: factorShown(v, price.factor) });
  if (typeof price.amount === 'number' && typeof price.currency === 'string')
    return formatMoney(v, price.amount, price.currency);
  return JSON.stringify(value);
}

function History({ v, items, accounts }: { v: View; items: PriceChange[]; accounts: Map<number, PricedAccount> }) {
  const { t } = v;
  return (
    <Table
      label={t('prices.history')}
      class="history"
      columns={[
        key(t('common.when')),
        t('common.who'),
        key(t('prices.what')),
        key(t('prices.oldNew')),
        t('prices.reason'),
      ]}
    >
      {items.map((change) => {
        const ofAccount = change.account_id !== null;
        const account = ofAccount ? accounts.get(change.account_id!) : undefined;
        return (
          <tr data-change={ofAccount ? `account-${change.account_id}` : 'base'}>
            <td>
              <small>{formatDateTime(v, change.at)}</small>
            </td>
            <td>{actorName(v, change.actor)}</td>
            <td>{ofAccount ? (account?.name ?? `#${change.account_id}`) : t('prices.base')}</td>
            <td class="change">
              <del>{storedPrice(v, change.before, ofAccount)}</del> →{' '}
              <ins>{storedPrice(v, change.after, ofAccount)}</ins>
            </td>
            <td>{change.reason ? localize(v.lang, change.reason) : t('common.none')}</td>
          </tr>
        );
      })}
    </Table>
  );
}

async function accountPage(
  c: WebContext,
  hub: Hub,
  product: Product,
  account: PricedAccount,
  state: { form?: Form; errors?: FieldErrors } = {},
) {
  const v = viewOf(c);
  const { t } = v;
  const [base, own] = await Promise.all([getBasePrice(hub.db, product.id), accountPrices(hub.db, product.id)]);
  const setting = own.find((p) => p.account_id === account.id);
  const currency = setting?.currency ?? account.currencies?.[0] ?? base?.currency ?? 'RUB';
  const form = state.form ?? {
    mode: !setting ? 'inherit' : setting.factor !== null ? 'rule' : 'own',
    amount: setting?.amount != null ? majorText(v, setting.amount, currency) : '',
    currency,
    factor: setting?.factor ? factorShown(v, setting.factor) : '',
    reason: '',
  };
  const errors = state.errors ?? {};
  const gets = channelGets(base, setting, account);
  const title = t('prices.accountTitle', { account: account.name, name: product.name });
  const modeWords = { inherit: t('prices.modeInherit'), own: t('prices.modeOwn'), rule: t('prices.modeRule') };
  return renderPage(
    c,
    title,
    <>
      <p class="crumbs">
        <a href={`/products/${product.id}/prices`}>← {t('prices.titleOf', { name: product.name })}</a>
      </p>
      <div class="page-head">
        <h1>{title}</h1>
      </div>
      <section class="card" style="max-width:44rem">
        <dl class="facts" style="margin-bottom:1rem">
          <dt>{t('prices.account')}</dt>
          <dd>
            {account.name} <small>{channelName(account.channel)}</small>
          </dd>
          <dt>{t('prices.base')}</dt>
          <dd>{base ? formatMoney(v, base.amount, base.currency) : t('prices.notSet')}</dd>
          <dt>{t('prices.setting')}</dt>
          <dd data-field="setting">{settingText(v, setting)}</dd>
          <dt>{t('prices.gets')}</dt>
          <dd data-field="gets">{gets ? formatMoney(v, gets.amount, gets.currency) : t('common.none')}</dd>
          <dt>{t('prices.step')}</dt>
          <dd>{formatMoney(v, account.step, currency)}</dd>
          <dt>{t('prices.currencies')}</dt>
          <dd>{account.currencies ? account.currencies.join(', ') : t('prices.anyCurrency')}</dd>
        </dl>
        {Object.keys(errors).length > 0 && <Notice kind="error">{errors.form ?? t('common.fixErrors')}</Notice>}
        <form
          method="post"
          action={`/products/${product.id}/prices/accounts/${account.id}`}
          class="stack"
          novalidate
          data-busy
        >
          <Select
            name="mode"
            label={t('prices.mode')}
            value={form.mode}
            errors={errors}
            options={accountModes.map((m) => ({ value: m, label: modeWords[m] }))}
          />
          <fieldset class="credentials">
            <legend>{t('prices.modeOwn')}</legend>
            <Field
              name="amount"
              label={t('prices.amount')}
              value={form.amount}
              errors={errors}
              hint={t('prices.amountHint')}
              attrs={{ inputmode: 'decimal', autocomplete: 'off' }}
            />
            <Field
              name="currency"
              label={t('prices.currency')}
              value={form.currency}
              errors={errors}
              hint={t('prices.currencyHint')}
              attrs={{ maxlength: 3, autocomplete: 'off', spellcheck: 'false', style: 'max-width:8rem' }}
            />
          </fieldset>
          <fieldset class="credentials">
            <legend>{t('prices.modeRule')}</legend>
            <Field
              name="factor"
              label={t('prices.factor')}
              value={form.factor}
              errors={errors}
              hint={t('prices.factorHint', { step: formatMoney(v, account.step, currency) })}
              attrs={{ inputmode: 'decimal', autocomplete: 'off' }}
            />
          </fieldset>
          <Field
            name="reason"
            label={t('prices.why')}
            value={form.reason}
            errors={errors}
            hint={t('prices.whyHint')}
            attrs={{ maxlength: 500 }}
          />
          <div class="actions">
            <button type="submit">{t('common.save')}</button>
            <a class="button ghost" href={`/products/${product.id}/prices`}>
              {t('common.cancel')}
            </a>
          </div>
        </form>
      </section>
    </>,
  );
}
