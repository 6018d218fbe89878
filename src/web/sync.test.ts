import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenericSimulator } from '../../simulators/generic/index.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { defineJobType, enqueueJob, getJob, PermanentJobError } from '../engine/jobs.ts';
import { startWorkers } from '../engine/worker.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

describe('web panel: channels and sync in a real browser', () => {
  const panel = usePanel();
  const sim = createGenericSimulator({ apiKey: 'generic-key-web-panel-1', batchSize: 10 });
  let simulator: { url: string; close(): Promise<void> };
  let stopWorkers: () => Promise<void>;
  let flakyCalls = 0;

  beforeAll(async () => {
    simulator = await sim.listen();
    // 12 listings: SKU-1..10 are ours, SKU-11 and SKU-12 are not; one more shares an EAN with two products.
    sim.seed({ count: 12, from: 1 });
    await seedCatalog(panel.server.hub.db, { count: 10, stock: (n) => n });
    await seedCatalog(panel.server.hub.db, {
      count: 2,
      from: 1,
      skuPrefix: 'TWIN-',
      stock: () => 5,
      ean: () => '4006381333931',
    });
    sim.add({ id: 'L-twin', sku: 'NOT-OURS', ean: '4006381333931', name: 'Twin', quantity: 0 });
    // A job of the test's own that fails for good the first time and works when retried.
    defineJobType('web-test.flaky', () => {
      flakyCalls++;
      if (flakyCalls === 1)
        throw new PermanentJobError('The marketplace refused the batch (HTTP 422)', { httpStatus: 422 });
    });
    stopWorkers = startWorkers(panel.server.hub, { concurrency: 2, pollMs: 50 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    await simulator?.close();
  });

  it('adds an account only when the service accepts its key, then syncs it with live progress to the end', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/channels');
    await w.screenshot('channels-empty');
    await w.page.getByRole('link', { name: '+ Добавить кабинет' }).first().click();
    await w.page.getByRole('combobox', { name: 'Канал' }).selectOption('generic');
    await w.page.getByLabel('Название').fill('Мой магазин');
    await w.page.getByLabel('Базовый URL').fill(simulator.url);
    await w.page.getByLabel('API-ключ').fill('generic-key-WRONG-0000');
    await w.page.getByRole('button', { name: 'Проверить ключ и добавить' }).click();
    // The service's words, in Russian on a Russian page.
    await expect.poll(() => w.page.locator('#f-credentials-error').textContent()).toBe('Ключ неизвестен или отозван');
    await w.screenshot('channels-key-refused');
    const [{ n }] = await panel.server.hub.database.query<{ n: number }>(
      'select count(*)::int as n from channel_accounts',
    );
    expect(n).toBe(0);

    await w.page.getByLabel('API-ключ').fill(sim.apiKey);
    await w.page.getByRole('button', { name: 'Проверить ключ и добавить' }).click();
    await w.page.waitForURL(/\/channels\/\d+\?added=1$/);
    expect(await w.page.getByRole('status').first().textContent()).toContain('Кабинет добавлен');
    // The key is shown masked, never whole.
    expect(await w.page.content()).not.toContain(sim.apiKey);

    await w.page.getByRole('button', { name: '⟳ Синхронизировать' }).click();
    const progress = w.page.locator('.progress');
    await expect.poll(() => progress.getAttribute('data-state'), { timeout: 20_000 }).toBe('succeeded');
    expect(await progress.locator('.progress-text').textContent()).toContain('Синхронизация завершена');
    await w.screenshot('channels-sync-finished');

    await w.page.reload();
    expect(await w.page.locator('#listings tbody tr').count()).toBe(13);
    await w.page.getByRole('link', { name: /Неоднозначные/ }).click();
    expect(await w.page.locator('#listings tbody tr[data-state="ambiguous"]').count()).toBe(1);
    expect(await w.page.locator('#listings').textContent()).toContain('L-twin');
    await w.page.getByRole('link', { name: /Не сопоставлены/ }).click();
    expect(await w.page.locator('#listings tbody tr[data-state="unmatched"]').count()).toBe(2);
    await w.screenshot('channels-unmatched');
    expect(sim.quantityOf('L3')).toBe(3);
    expectNoConsoleErrors(w);
  }, 60_000);

  it('shows the sync history with its chart, and the API calls the sync made', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/sync');
    const run = w.page.locator('#runs tbody tr[data-type="channels.sync"]').first();
    // Unmatched and ambiguous listings make a finished sync 'partial'.
    expect(['succeeded', 'partial']).toContain(await run.getAttribute('data-status'));
    expect(await run.textContent()).toContain('Мой магазин');
    expect(await w.page.locator('svg.chart rect').count()).toBeGreaterThan(0);
    // Durations in Russian units, with a decimal comma.
    expect(await run.textContent()).toMatch(/\d+ мс|\d+,\d с|\d+ мин \d+ с/);
    expect(await w.page.locator('#runs').textContent()).not.toMatch(/\d (ms|s|min)\b/);
    await w.screenshot('sync-history');

    await w.page.getByRole('link', { name: 'Запросы к API' }).click();
    await w.page.waitForURL(/\/sync\/api-calls$/);
    const calls = await w.page.locator('#api-calls tbody tr').count();
    expect(calls).toBeGreaterThan(1);
    expect(await w.page.locator('#api-calls').textContent()).not.toContain(sim.apiKey);
    await w.screenshot('sync-api-calls');
    expectNoConsoleErrors(w);
  });

  it('lists outbox errors and retries a dead job from its row', async () => {
    const { id } = await enqueueJob(panel.server.hub.db, { type: 'web-test.flaky', maxAttempts: 1 });
    await expect.poll(async () => (await getJob(panel.server.hub.db, id)).status, { timeout: 10_000 }).toBe('dead');

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/sync/errors');
    // Grouped per problem; the group's page has one row per attempt, each with its job's retry.
    const group = w.page.locator('#error-groups tbody tr', { hasText: 'The marketplace refused the batch' });
    expect(await group.textContent()).toContain('HTTP 422');
    await group.getByRole('link', { name: 'Попытки' }).click();
    await w.page.waitForURL(/\/sync\/errors\/groups\/[0-9a-f]{32}$/);
    const row = w.page.locator(`#outbox-errors tr[data-job="${id}"]`);
    expect(await row.textContent()).toContain('The marketplace refused the batch');
    await w.screenshot('sync-outbox-errors');
    await row.getByRole('button', { name: /Повторить/ }).click();
    await expect.poll(() => row.textContent()).toContain('Поставлено в очередь');
    await expect
      .poll(async () => (await getJob(panel.server.hub.db, id)).status, { timeout: 10_000 })
      .toBe('succeeded');
    expect(flakyCalls).toBe(2);
    expectNoConsoleErrors(w);
  });

  it('shows the dashboard with stock health, sync status per account and recent errors', async () => {
    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/');
    expect(await w.page.locator('h1').textContent()).toBe('Сводка');
    expect(await w.page.locator('.stats').textContent()).toContain('Товаров');
    expect(await w.page.locator('main').textContent()).toContain('Мой магазин');
    await w.screenshot('dashboard');
    const phone = await panel.open({ viewport: { width: 390, height: 844 } });
    await signIn(phone, panel.server.adminKey, '/');
    expect(
      await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    await phone.screenshot('dashboard-phone');
    expectNoConsoleErrors(w);
    expectNoConsoleErrors(phone);
  });

  it('shows a read-only key accounts and errors without sync or retry buttons, and refuses its sync', async () => {
    const [account] = await panel.server.hub.database.query<{ id: number }>(
      `select id from channel_accounts where name = 'Мой магазин'`,
    );
    const w = await panel.open();
    await signIn(w, await panel.server.keyFor('readonly', 'sync-viewer'), `/channels/${account.id}`);
    expect(await w.page.locator('h1').textContent()).toContain('Мой магазин');
    expect(await w.page.getByRole('button', { name: /Синхронизировать/ }).count()).toBe(0);
    await w.page.goto('/sync/errors?state=all');
    expect(await w.page.locator('#error-groups tbody tr').count()).toBeGreaterThan(0);
    expect(await w.page.getByRole('button', { name: /Повторить/ }).count()).toBe(0);
    const before = await panel.server.hub.database.query<{ n: number }>(
      "select count(*)::int as n from jobs where type = 'channels.sync'",
    );
    const refused = await w.page.request.post(`/channels/${account.id}/sync`, {
      headers: { origin: panel.server.baseUrl },
    });
    expect(refused.status()).toBe(403);
    expect(
      await panel.server.hub.database.query("select count(*)::int as n from jobs where type = 'channels.sync'"),
    ).toEqual(before);
  });

  it('shows an account whose key the service refused, why and what to do, in Russian and English, and takes a new key', async () => {
    const created = await panel.server.api('/api/v1/channels/accounts', {
      method: 'POST',
      json: { channel: 'generic', name: 'Старый ключ', base_url: simulator.url, credentials: { apiKey: sim.apiKey } },
    });
    const id = created.body.id as number;
    // The key was revoked on the channel's side: the account gets one the simulator does not know, and the check fails.
    await panel.server.api(`/api/v1/channels/accounts/${id}`, {
      method: 'PATCH',
      json: { credentials: { apiKey: 'revoked-key-web-0000' } },
    });
    expect((await panel.server.api(`/api/v1/channels/accounts/${id}/validate`, { method: 'POST' })).body).toMatchObject(
      { status: 'needs_reauth' },
    );

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/channels');
    const row = w.page.locator('#accounts tr[data-account="Старый ключ"]');
    expect(await row.getAttribute('data-status')).toBe('needs_reauth');
    expect(await row.textContent()).toContain('нужен новый ключ');
    expect(await row.textContent()).toContain('Ключ неизвестен или отозван');
    expect(await row.getByRole('button', { name: /Синхронизировать/ }).count()).toBe(0);
    await w.screenshot('channels-needs-reauth');

    await row.getByRole('link', { name: /Ввести новый ключ/ }).click();
    await w.page.waitForURL(new RegExp(`/channels/${id}#new-key$`));
    expect(await w.page.locator('#new-key').textContent()).toContain('Сервис отклонил API-ключ этого кабинета.');
    expect(await w.page.locator('#new-key').textContent()).toContain('Ответ сервиса: Ключ неизвестен или отозван');
    const schedule = w.page.locator('[data-schedule="generic.reconcile"]');
    expect(await schedule.getAttribute('data-enabled')).toBe('false');
    expect(await schedule.textContent()).toContain('кабинету нужен новый ключ: Ключ неизвестен или отозван');
    await w.screenshot('channels-needs-reauth-account');

    await w.page.goto('/');
    const dash = w.page.locator('tr[data-account="Старый ключ"]');
    expect(await dash.getAttribute('data-status')).toBe('needs_reauth');
    expect(await dash.textContent()).toMatch(/нужен новый ключ.*Ключ неизвестен или отозван.*Ввести новый ключ/);
    await w.screenshot('dashboard-needs-reauth');

    await w.page.getByRole('link', { name: 'English' }).click();
    await w.page.waitForURL((url) => url.pathname === '/');
    expect(await dash.textContent()).toMatch(/needs a new key.*Unknown or revoked API key.*Enter a new key/);
    await w.screenshot('dashboard-needs-reauth-english');
    await w.page.goto('/channels');
    expect(await row.textContent()).toMatch(/needs a new key.*Unknown or revoked API key.*Enter a new key/);
    await row.getByRole('link', { name: /Enter a new key/ }).click();
    expect(await w.page.locator('#new-key').textContent()).toContain(
      'The service refused this account’s API key. It said: Unknown or revoked API key',
    );
    expect(await w.page.locator('[data-schedule="generic.reconcile"]').textContent()).toContain(
      'the account needs new credentials: Unknown or revoked API key',
    );

    // A wrong key is refused beside the field and the account still needs one; the right one brings it back.
    const newKey = w.page.locator('#new-key').getByLabel('API key');
    await newKey.fill('another-wrong-key-0000');
    await w.page.getByRole('button', { name: 'Check and save the key' }).click();
    await expect
      .poll(() => w.page.locator('#f-credentials-error').textContent())
      .toContain('Unknown or revoked API key');
    expect((await panel.server.api(`/api/v1/channels/accounts/${id}`)).body.status).toBe('needs_reauth');
    await w.screenshot('channels-new-key-refused-english');
    await newKey.fill(sim.apiKey);
    await w.page.getByRole('button', { name: 'Check and save the key' }).click();
    await w.page.waitForURL(new RegExp(`/channels/${id}\\?key=1$`));
    expect(await w.page.getByRole('status').first().textContent()).toContain('New key accepted');
    expect(await w.page.locator('#new-key').count()).toBe(0);
    expect(await w.page.locator('[data-schedule="generic.reconcile"]').getAttribute('data-enabled')).toBe('true');
    expect(await w.page.content()).not.toContain(sim.apiKey);
    expect((await panel.server.api(`/api/v1/channels/accounts/${id}`)).body).toMatchObject({
      status: 'active',
      status_reason: null,
    });

    // Durations speak English units in English.
    await w.page.goto('/sync');
    expect(await w.page.locator('#runs').textContent()).toMatch(/\d+ ms|\d+\.\d s|\d+ min \d+ s/);
    expect(await w.page.locator('#runs').textContent()).not.toMatch(/мс|мин/);
    expectNoConsoleErrors(w);
  }, 60_000);
});
