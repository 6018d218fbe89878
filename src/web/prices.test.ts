import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOzonSimulator } from '../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../simulators/ozon/state.ts';
import { createAccount } from '../channels/core/accounts.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import { getBasePrice, listingPrices, refusedPrices, setBasePrices } from '../pricing/prices.ts';
import type { WatchedPage } from '../test/browser.ts';
import { translator } from './i18n.ts';
import { zodFieldErrors } from './messages.ts';
import { baseForm } from './pages/price-forms.ts';
import { signIn, usePanel } from './test-kit.ts';

/**
 * The price pages in a real browser (issue 20): a base price typed in the panel (too many digits
 * refused beside the field), an account's rule, the history rows, and a price the channel's
 * simulator refuses (Ozon's minimum price) shown with its reason on the product and the overview.
 */

/** A text as the page shows it, its no-break spaces as plain ones. */
const plain = (text: string | null) => (text ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();

/** Whether anything on the page reaches past the screen's width. */
const overflows = (w: WatchedPage) => w.page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

describe('web panel: prices in a real browser', () => {
  const panel = usePanel();
  const ozon = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 2, fboWarehouses: 1, postings: 0, offerId: (i) => `SKU-${i}` }),
    pairUpdateIntervalMs: 0,
  });
  let closeOzon: () => Promise<void>;
  let stopWorkers: () => Promise<void>;
  let productIds: number[];
  let ozonId: number;

  beforeAll(async () => {
    const hub = panel.server.hub;
    const sim = await ozon.listen();
    closeOzon = sim.close;
    ({ productIds } = await seedCatalog(hub.db, { count: 2, stock: () => 3 }));
    ozonId = (
      await createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'ozon',
          name: 'Ozon цены',
          baseUrl: sim.url,
          credentials: { clientId: ozon.clientId, apiKey: ozon.apiKey },
        },
        'test',
      )
    ).id;
    await syncAccount(hub, ozonId);
    stopWorkers = startWorkers(hub, { concurrency: 2, pollMs: 20, types: ['outbox:price.changed', 'pricing.push'] });
  });
  afterAll(async () => {
    await stopWorkers?.();
    await closeOzon?.();
  });

  const ozonProduct = (sku: string) => ozon.state.byOfferId.get(sku)!;
  const listingOf = async (productId: number) =>
    (await listingPrices(panel.server.hub.db, productId)).find((l) => l.account_id === ozonId);

  it('sets the base price (refusing too many digits), gives the account a rule, and shows both in the history', async () => {
    const [p1] = productIds;
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/products/${p1}`);
    await w.page.locator(`main a[href="/products/${p1}/prices"]`).click();
    await w.page.waitForURL(new RegExp(`/products/${p1}/prices$`));
    expect(plain(await w.page.locator('[data-field="base"]').textContent())).toContain('Базовой цены ещё нет');

    // Rubles have two digits after the comma: a third is refused beside the field, nothing is saved.
    await w.page.locator('#f-amount').fill('1000,505');
    await w.page.getByLabel('Почему меняется').fill('запуск');
    await w.page.getByRole('button', { name: 'Сохранить базовую цену' }).click();
    await expect
      .poll(async () => plain(await w.page.locator('#f-amount-error').textContent()))
      .toContain('У RUB не больше 2 знаков после запятой');
    expect(await w.page.locator('#f-amount').getAttribute('aria-invalid')).toBe('true');
    expect(await getBasePrice(panel.server.hub.db, p1)).toBeNull();

    // A rule needs a base price: refused beside the factor, in the panel's words (PRICE_BASE_MISSING).
    await w.page.goto(`/products/${p1}/prices/accounts/${ozonId}`);
    await w.page.getByLabel('Цена в этом кабинете').selectOption('rule');
    await w.page.getByLabel('Коэффициент').fill('1,2');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await expect
      .poll(async () => plain(await w.page.locator('#f-factor-error').textContent()))
      .toContain('нет базовой цены');
    await w.page.goto(`/products/${p1}/prices`);

    await w.page.locator('#f-amount').fill('1 000,50');
    await w.page.getByLabel('Почему меняется').fill('запуск');
    await w.page.getByRole('button', { name: 'Сохранить базовую цену' }).click();
    await w.page.waitForURL(/saved=base/);
    expect(await getBasePrice(panel.server.hub.db, p1)).toMatchObject({ amount: 100_050, currency: 'RUB' });
    expect(plain(await w.page.locator('[data-field="base"]').textContent())).toContain('1 000,50 ₽');

    // The Ozon account: a rule of base × 1,15, rounded to Ozon's kopeck.
    const row = w.page.locator(`#accounts tr[data-account="${ozonId}"]`);
    expect(plain(await row.locator('[data-field="setting"]').textContent())).toBe('как базовая');
    // Choosing the base price for an account that has it already writes nothing, and says so.
    await w.page.goto(`/products/${p1}/prices/accounts/${ozonId}`);
    await w.page.getByLabel('Цена в этом кабинете').selectOption('inherit');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(new RegExp(`/products/${p1}/prices\\?saved=unchanged`));
    expect(plain(await w.page.locator('.notice').textContent())).toBe(
      'Ничего не изменилось: кабинет и так получает базовую цену.',
    );
    await expect.poll(() => w.page.locator('#history tbody tr').count()).toBe(1);
    await row.getByRole('link', { name: /Изменить/ }).click();
    await w.page.waitForURL(new RegExp(`/products/${p1}/prices/accounts/${ozonId}$`));
    await w.page.getByLabel('Цена в этом кабинете').selectOption('rule');
    await w.page.getByLabel('Коэффициент').fill('1,15');
    await w.page.getByLabel('Почему меняется').fill('комиссия Ozon');
    await w.page.getByRole('button', { name: 'Сохранить' }).click();
    await w.page.waitForURL(new RegExp(`/products/${p1}/prices\\?saved=account`));
    expect(plain(await row.locator('[data-field="setting"]').textContent())).toBe('база × 1,15');
    // 1000,50 × 1,15 = 1150,575 → 1150,58.
    expect(plain(await row.locator('[data-field="gets"]').textContent())).toBe('1 150,58 ₽');

    const history = w.page.locator('#history tbody tr');
    await expect.poll(() => history.count()).toBe(2);
    const [rule, base] = [plain(await history.nth(0).textContent()), plain(await history.nth(1).textContent())];
    expect(rule).toContain('Ozon цены');
    expect(rule).toContain('как базовая → база × 1,15');
    expect(rule).toContain('комиссия Ozon');
    expect(rule).toContain('test-admin');
    expect(base).toContain('Базовая цена');
    expect(base).toContain('— → 1 000,50 ₽');
    expect(base).toContain('запуск');

    // The price reaches Ozon's simulator through the outbox; the listing then says it was sent.
    await waitFor('the rule’s price on Ozon', () => ozonProduct('SKU-1').price === '1150.5800');
    await waitFor('the push settled', async () => (await listingOf(p1))?.last_pushed_amount === 115_058);
    await w.page.reload();
    const listing = plain(await w.page.locator('#listings [data-field="state"]').first().textContent());
    expect(listing).toContain('отправлена');
    expect(listing).toContain('1 150,58 ₽');
    await w.screenshot('prices-product');
  });

  it('shows a price the channel refused with its reason, on the product and on the overview', async () => {
    const p2 = productIds[1];
    ozonProduct('SKU-2').minPrice = '900';
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/products/${p2}/prices`);
    await w.page.locator('#f-amount').fill('800');
    await w.page.getByRole('button', { name: 'Сохранить базовую цену' }).click();
    await w.page.waitForURL(/saved=base/);
    await waitFor('SKU-2 refused', async () => (await listingOf(p2))?.refusal);

    await w.page.reload();
    const state = plain(await w.page.locator('#listings [data-field="state"]').first().textContent());
    expect(state).toContain('отказ канала');
    expect(state).toMatch(/PRICE_LESS_THAN_MIN_PRICE/);

    await w.page.goto('/prices');
    const refused = w.page.locator('#refused tbody tr');
    await expect.poll(() => refused.count()).toBe(1);
    expect(plain(await refused.first().locator('[data-field="refusal"]').textContent())).toMatch(
      /^PRICE_LESS_THAN_MIN_PRICE: /,
    );
    expect(plain(await w.page.locator(`#base-prices tr[data-product="${p2}"] [data-field="base"]`).textContent())).toBe(
      '800,00 ₽',
    );
    await refused.first().getByRole('link').click();
    await w.page.waitForURL(new RegExp(`/products/${p2}/prices#listings$`));
    await w.screenshot('prices-refused');
  });

  it('pages the refused listings past the first 50, keeping the products’ page', async () => {
    const hub = panel.server.hub;
    // 51 more Ozon products with a minimum price, matched, then priced below it in one go: 52 refusals with SKU-2's.
    for (let i = 3; i <= 53; i++) {
      ozon.state.addProduct({
        productId: 300_000_000 + i,
        offerId: `SKU-${i}`,
        sku: 1_600_000_000 + i,
        name: `Товар ${i}`,
        price: '1000.0000',
        minPrice: '900',
        barcode: `OZN${String(i).padStart(10, '0')}`,
        archived: false,
      });
    }
    const { productIds: more } = await seedCatalog(hub.db, { count: 51, from: 3 });
    await syncAccount(hub, ozonId);
    await hub.db.transaction((tx) =>
      setBasePrices(
        tx,
        more.map((productId) => ({ productId, price: { amount: 80_000, currency: 'RUB' } })),
        'test',
        'below the minimum',
      ),
    );
    await waitFor('52 refusals', async () => (await refusedPrices(hub.db, { limit: 1, offset: 0 })).total === 52);

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/prices?offset=50');
    const refused = w.page.locator('#refused tbody tr');
    expect(await refused.count()).toBe(50);
    expect(plain(await w.page.locator('#refused [data-pager="refused"]').textContent())).toContain('1–50');
    await w.page.locator('#refused [data-pager="refused"] a[rel="next"]').click();
    await w.page.waitForURL(/refused_offset=50/);
    expect(await refused.count()).toBe(2);
    // The products' page stays where it was, and its own pager keeps the refusals' page.
    expect(new URL(w.page.url()).searchParams.get('offset')).toBe('50');
    expect(await w.page.locator('#base-prices a[rel="prev"]').getAttribute('href')).toContain('refused_offset=50');
    await w.page.locator('#refused [data-pager="refused"] a[rel="prev"]').click();
    await w.page.waitForURL((url) => !url.searchParams.has('refused_offset'));
    expect(await refused.count()).toBe(50);
  });

  it('at 390 px nothing on the price pages scrolls sideways', async () => {
    const [p1] = productIds;
    const w = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(w, panel.server.adminKey, '/prices');
    for (const url of ['/prices', `/products/${p1}/prices`, `/products/${p1}/prices/accounts/${ozonId}`]) {
      await w.page.goto(url);
      expect(await overflows(w), `${url} fits 390 px`).toBe(false);
    }
  });
});

describe('the price forms read what a seller types', () => {
  const v = { lang: 'en' as const, t: translator('en'), actor: null, path: '/', canWrite: true };
  const read = (amount: string, currency: string) => baseForm(v).safeParse({ amount, currency, reason: '' });

  it('in the currency’s minor units, with a point or a comma, refusing more digits than it has', () => {
    expect(read('1299,90', 'rub').data).toEqual({ amount: 129_990, currency: 'RUB', reason: undefined });
    expect(read('1 299.9', 'RUB').data?.amount).toBe(129_990);
    expect(read('1500', 'JPY').data?.amount).toBe(1500);
    expect(read('1.234', 'KWD').data?.amount).toBe(1234);
    const problems = (r: ReturnType<typeof read>) => (r.success ? {} : zodFieldErrors('en', r.error));
    expect(problems(read('12.345', 'RUB'))).toEqual({
      amount: 'RUB has at most 2 digits after the point: 12.345 is too precise.',
    });
    expect(problems(read('15.5', 'JPY'))).toEqual({ amount: 'JPY has no fractional part: type a whole number.' });
    expect(problems(read('12 руб', 'RU'))).toEqual({
      amount: 'A price is a number, such as 1299.90 or 1299,90.',
      currency: 'A currency code is three letters, such as RUB.',
    });
    expect(problems(read('10000000001', 'RUB'))).toEqual({ amount: 'The price is too large.' });
  });
});
