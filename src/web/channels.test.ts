import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelModules, type ChannelModule, type DemoSeed } from '../channels/core/module.ts';
import { startDemoSimulators, type DemoSimulators } from '../demo/simulators.ts';
import { withSyncRun } from '../engine/sync-runs.ts';
import type { WatchedPage } from '../test/browser.ts';
import { csrfOf, expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/**
 * The add-account and new-key forms are drawn from each channel's module (its credential
 * fields), and every installed channel can be added from the panel against its simulator
 * (the demo's, src/demo/simulators.ts, with the module's fixed demo credentials).
 */

type Lang = 'ru' | 'en';

const words = {
  ru: {
    channel: 'Канал',
    name: 'Название',
    baseUrl: 'Базовый URL',
    add: 'Проверить ключ и добавить',
    added: 'Кабинет добавлен',
    saveKey: 'Проверить и сохранить ключ',
    keySaved: 'Новый ключ принят',
  },
  en: {
    channel: 'Channel',
    name: 'Name',
    baseUrl: 'Base URL',
    add: 'Check key and add',
    added: 'Account added',
    saveKey: 'Check and save the key',
    keySaved: 'New key accepted',
  },
};

/** What each service says to a wrong key, in the page's language (its module's wording, src/channels/<name>/module.ts). */
const refusals: Record<string, Record<Lang, RegExp>> = {
  generic: { ru: /^Ключ неизвестен или отозван$/, en: /^Unknown or revoked API key$/ },
  allegro: {
    ru: /^Allegro refused the client id or secret \(invalid_client\): connect the account again$/,
    en: /^Allegro refused the client id or secret/,
  },
  wix: {
    ru: /^Wix Stores refused the credentials \(HTTP 40[13]/,
    en: /^Wix Stores refused the credentials \(HTTP 40[13]/,
  },
  ozon: {
    ru: /^Ozon refused the Client-Id and Api-Key \(HTTP 403/,
    en: /^Ozon refused the Client-Id and Api-Key \(HTTP 403/,
  },
  wildberries: { ru: /^Wildberries refused the token \(HTTP 401/, en: /^Wildberries refused the token \(HTTP 401/ },
  iiko: { ru: /^iiko refused the API login \(HTTP 401/, en: /^iiko refused the API login \(HTTP 401/ },
  cdek: {
    ru: /^CDEK refused the Account or Secure password \(HTTP 401: v2_unauthorized/,
    en: /^CDEK refused the Account or Secure password \(HTTP 401/,
  },
  bitrix24: { ru: /^Bitrix24 refused the webhook/, en: /^Bitrix24 refused the webhook/ },
  kaspi: { ru: /^Kaspi refused the API token \(HTTP 401/, en: /^Kaspi refused the API token \(HTTP 401/ },
  lamoda: { ru: /^Lamoda refused the UserID and API key \(E007/, en: /^Lamoda refused the UserID and API key \(E007/ },
  namshi: { ru: /^Namshi refused the UserID and API key \(E007/, en: /^Namshi refused the UserID and API key \(E007/ },
};

const demoOf = (m: ChannelModule): DemoSeed => {
  if (!m.demo)
    throw new Error(
      `The ${m.connector.channel} module has no demo seed (credentials and a simulator) to test its form against`,
    );
  return m.demo;
};

/** The module's demo credentials with its first secret spoilt: its simulator refuses them. */
function spoilt(m: ChannelModule): Record<string, string> {
  const { credentials } = demoOf(m);
  const secret = m.credentialFields.find((f) => f.secret) ?? m.credentialFields[0];
  // A URL-shaped secret (a Bitrix24 webhook) keeps its shape: the code before its last slash is spoilt.
  return { ...credentials, [secret.key]: credentials[secret.key].replace(/\/?$/, (slash) => `-wrong${slash}`) };
}

/** A field by its label's exact words (a required one's label ends in a `*`). */
const field = (scope: Locator | Page, label: string) =>
  scope.getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`));

const fieldsOf = (w: WatchedPage, m: ChannelModule) =>
  w.page.locator(`#channel-fields[data-channel="${m.connector.channel}"]`);

async function fillCredentials(scope: Locator, m: ChannelModule, lang: Lang, credentials: Record<string, string>) {
  for (const f of m.credentialFields) await field(scope, f.label[lang]).fill(credentials[f.key]);
}

/** The form shows the module's own fields: its labels and help, secrets as password inputs. */
async function expectModuleFields(scope: Locator, m: ChannelModule, lang: Lang) {
  const inputs = scope.locator('input:not([type=hidden])');
  expect(await inputs.count()).toBe(m.credentialFields.length);
  for (const f of m.credentialFields) {
    const input = field(scope, f.label[lang]);
    expect(await input.getAttribute('type')).toBe(f.secret ? 'password' : 'text');
    if (f.help) expect(await scope.locator(`#f-cred_${f.key}-hint`).textContent()).toBe(f.help[lang]);
  }
}

const accountsNamed = async (panel: ReturnType<typeof usePanel>, name: string) =>
  panel.server.hub.database.query<{ id: number; status: string; validated: boolean }>(
    'select id, status, validated_at is not null as validated from channel_accounts where name = $1',
    [name],
  );

describe('web panel: every channel added from the form its module describes', () => {
  const panel = usePanel();
  let sims: DemoSimulators;
  const urlOf = (m: ChannelModule) => sims.channels.get(m.connector.channel)!.url;

  beforeAll(async () => {
    sims = await startDemoSimulators({ withOrders: false });
  });
  afterAll(async () => {
    await sims?.close();
  });

  /** One channel's round: a wrong key is refused with the service's words and nothing is kept, then the right one adds the account. */
  async function addAccount(w: WatchedPage, m: ChannelModule, lang: Lang, name: string, shot: string) {
    const say = words[lang];
    const channel = m.connector.channel;
    await w.page.goto('/channels/new');
    await w.page.getByRole('combobox', { name: say.channel }).selectOption(channel);
    // htmx swaps in the chosen channel's fields.
    const fields = fieldsOf(w, m);
    await fields.waitFor();
    expect(await fields.locator('legend').textContent()).toContain(m.connector.title);
    await expectModuleFields(fields, m, lang);
    await field(w.page, say.name).fill(name);
    await field(w.page, say.baseUrl).fill(urlOf(m));
    await fillCredentials(fields, m, lang, spoilt(m));
    await w.page.getByRole('button', { name: say.add }).click();

    const refusal = w.page.locator('#f-credentials-error');
    await refusal.waitFor();
    const said = (await refusal.textContent()) ?? '';
    expect(said, `${channel}: the service's refusal`).toMatch(refusals[channel]?.[lang] ?? /\S/);
    expect(await accountsNamed(panel, name)).toEqual([]);
    // What was typed stays, except the secrets.
    expect(await w.page.getByRole('combobox', { name: say.channel }).inputValue()).toBe(channel);
    expect(await field(w.page, say.name).inputValue()).toBe(name);
    expect(await field(w.page, say.baseUrl).inputValue()).toBe(urlOf(m));
    for (const f of m.credentialFields) {
      expect(await field(fields, f.label[lang]).inputValue(), f.key).toBe(f.secret ? '' : spoilt(m)[f.key]);
    }
    for (const f of m.credentialFields.filter((x) => x.secret))
      expect(await w.page.content()).not.toContain(spoilt(m)[f.key]);
    expect(
      await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    await w.screenshot(shot);

    await fillCredentials(fields, m, lang, demoOf(m).credentials);
    await w.page.getByRole('button', { name: say.add }).click();
    await w.page.waitForURL(/\/channels\/\d+\?added=1$/);
    expect(await w.page.getByRole('status').first().textContent()).toContain(say.added);
    expect(await w.page.locator('h1').textContent()).toBe(name);
    for (const f of m.credentialFields.filter((x) => x.secret))
      expect(await w.page.content()).not.toContain(demoOf(m).credentials[f.key]);
    const [account] = await accountsNamed(panel, name);
    expect(account).toMatchObject({ status: 'active', validated: true });
    return account.id;
  }

  it('adds an account of every installed channel against its simulator, after its wrong key is refused in its own words', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/channels/new');
    expect(await w.page.getByRole('combobox', { name: 'Канал' }).locator('option').allTextContents()).toEqual(
      channelModules().map((m) => m.connector.title),
    );
    for (const m of channelModules())
      await addAccount(w, m, 'ru', `Кабинет ${m.connector.title}`, `channels-refused-${m.connector.channel}`);

    await w.page.goto('/channels');
    for (const m of channelModules()) {
      const row = w.page.locator(`#accounts tr[data-account="Кабинет ${m.connector.title}"]`);
      expect(await row.getAttribute('data-status')).toBe('active');
      expect(await row.textContent()).toContain(m.connector.title);
    }
    expectNoConsoleErrors(w);
  }, 120_000);

  it('does the same on a phone, in English', async () => {
    const w = await panel.open({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    await signIn(w, panel.server.adminKey, '/channels/new');
    for (const m of channelModules())
      await addAccount(w, m, 'en', `${m.connector.title} phone`, `channels-refused-${m.connector.channel}-phone`);
    expectNoConsoleErrors(w);
  }, 120_000);

  it('without scripts, a changed channel choice brings that channel’s fields back instead of an error', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/channels/new');
    const [first, other] = [channelModules()[0], channelModules().at(-1)!];
    const page = await w.page.request.post('/channels/new', {
      headers: { origin: panel.server.baseUrl },
      form: {
        channel: other.connector.channel,
        fields_for: first.connector.channel,
        name: 'No scripts',
        base_url: '',
        cred_apiKey: 'typed-for-another-channel',
        _csrf: await csrfOf(w),
      },
    });
    const html = await page.text();
    expect(page.status()).toBe(200);
    expect(html).toContain(`data-channel="${other.connector.channel}"`);
    for (const f of other.credentialFields) expect(html).toContain(`name="cred_${f.key}"`);
    expect(html).not.toContain('typed-for-another-channel');
    expect(html).not.toContain('id="f-credentials-error"');
    expect(await accountsNamed(panel, 'No scripts')).toEqual([]);
  });

  it('takes new credentials in the channel’s own fields for an account whose key the service refused', async () => {
    // A channel with more than one field shows that the form is the module's, not one key.
    const m = channelModules().find((x) => x.credentialFields.length > 1) ?? channelModules()[0];
    const [account] = await accountsNamed(panel, `Кабинет ${m.connector.title}`);
    await panel.server.api(`/api/v1/channels/accounts/${account.id}`, {
      method: 'PATCH',
      json: { credentials: spoilt(m) },
    });
    expect(
      (await panel.server.api(`/api/v1/channels/accounts/${account.id}/validate`, { method: 'POST' })).body,
    ).toMatchObject({ status: 'needs_reauth' });

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, `/channels/${account.id}`);
    const form = w.page.locator('#new-key');
    await expectModuleFields(form, m, 'ru');
    await fillCredentials(form, m, 'ru', spoilt(m));
    await form.getByRole('button', { name: words.ru.saveKey }).click();
    await expect
      .poll(() => w.page.locator('#f-credentials-error').textContent())
      .toMatch(refusals[m.connector.channel]?.ru ?? /\S/);
    expect((await accountsNamed(panel, `Кабинет ${m.connector.title}`))[0].status).toBe('needs_reauth');
    for (const f of m.credentialFields)
      expect(await field(form, f.label.ru).inputValue()).toBe(f.secret ? '' : spoilt(m)[f.key]);
    await w.screenshot('channels-new-credentials-refused');

    await fillCredentials(form, m, 'ru', demoOf(m).credentials);
    await form.getByRole('button', { name: words.ru.saveKey }).click();
    await w.page.waitForURL(new RegExp(`/channels/${account.id}\\?key=1$`));
    expect(await w.page.getByRole('status').first().textContent()).toContain(words.ru.keySaved);
    expect((await accountsNamed(panel, `Кабинет ${m.connector.title}`))[0]).toMatchObject({
      status: 'active',
      validated: true,
    });
    // The stored credentials are shown masked, each under its field's label.
    for (const f of m.credentialFields)
      expect(await w.page.locator(`[data-credential="${f.key}"]`).textContent()).toContain(f.label.ru);
    expectNoConsoleErrors(w);
  }, 60_000);

  it('names each job type as its module does, and core ones in the panel’s words', async () => {
    const labelled = channelModules().flatMap((m) => Object.entries(m.jobLabels ?? {}));
    expect(labelled.length).toBeGreaterThan(0);
    for (const [type] of labelled) await withSyncRun(panel.server.hub, { type }, async () => undefined);
    await withSyncRun(panel.server.hub, { type: 'channels.sync' }, async () => undefined);

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/sync');
    for (const [type, label] of labelled)
      expect(await w.page.locator(`#runs tr[data-type="${type}"] td`).nth(1).textContent()).toBe(label.ru);
    expect(await w.page.locator('#runs tr[data-type="channels.sync"] td').nth(1).textContent()).toBe(
      'Синхронизация кабинета',
    );
    await w.page.getByRole('link', { name: 'English' }).click();
    await w.page.waitForURL((url) => url.pathname === '/sync');
    for (const [type, label] of labelled)
      expect(await w.page.locator(`#runs tr[data-type="${type}"] td`).nth(1).textContent()).toBe(label.en);
    expectNoConsoleErrors(w);
  });
});
