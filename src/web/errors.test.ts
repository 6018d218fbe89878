import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenericSimulator } from '../../simulators/generic/index.ts';
import { syncAccount } from '../channels/core/sync.ts';
import { createGenericAccount, seedCatalog } from '../channels/core/testing.ts';
import { enqueueJob, getJob } from '../engine/jobs.ts';
import { startWorkers } from '../engine/worker.ts';
import { expectNoConsoleErrors, signIn, usePanel } from './test-kit.ts';

/**
 * An error a seller can act on, in a real browser: the generic simulator refuses listing reads
 * (503, its fault injection), so two syncs of the account really fail for good; the dashboard
 * counts one unresolved problem linked to its list, the group says where and what, the fault is
 * cleared, the group is retried with one button and the dashboard no longer shows it.
 */
describe('web panel: an error group retried and cleared from the dashboard', () => {
  const panel = usePanel();
  const sim = createGenericSimulator({ apiKey: 'generic-key-web-errors-1', batchSize: 10 });
  let simulator: { url: string; close(): Promise<void> };
  let stopWorkers: () => Promise<void>;
  let accountId: number;
  const jobs: number[] = [];

  beforeAll(async () => {
    simulator = await sim.listen();
    sim.seed({ count: 3, from: 1 });
    await seedCatalog(panel.server.hub.db, { count: 3, stock: () => 4 });
    accountId = await createGenericAccount(panel.server.hub, {
      name: 'Лавка у моста',
      baseUrl: simulator.url,
      apiKey: sim.apiKey,
    });
    await syncAccount(panel.server.hub, accountId);
    stopWorkers = startWorkers(panel.server.hub, { concurrency: 2, pollMs: 50 });
  });
  afterAll(async () => {
    await stopWorkers?.();
    await simulator?.close();
  });

  it('counts the unresolved problem, shows it grouped, retries the group and clears it', async () => {
    const hub = panel.server.hub;
    sim.faults.set({ rate: 1, kinds: ['503'], paths: ['/v1/listings'] });
    for (let i = 0; i < 2; i++) {
      const job = await enqueueJob(hub.db, {
        type: 'channels.sync',
        accountId,
        payload: { accountId },
        maxAttempts: 1,
      });
      await expect.poll(async () => (await getJob(hub.db, job.id)).status, { timeout: 30_000 }).toBe('dead');
      jobs.push(job.id);
    }

    const w = await panel.open();
    await signIn(w, panel.server.adminKey, '/');
    const card = w.page.locator(`.problems li[data-kind="errors"][data-account="${accountId}"]`);
    expect(await card.getAttribute('data-count')).toBe('1');
    expect(await card.textContent()).toContain('Лавка у моста');
    expect(await card.textContent()).toContain('Нерешённых ошибок: 1');
    expect(await w.page.locator(`.problems li[data-kind="failed"][data-account="${accountId}"]`).count()).toBe(1);
    await w.screenshot('errors-dashboard-before');

    // The count leads to the list filtered to this account.
    await card.getByRole('link').click();
    await w.page.waitForURL(new RegExp(`/sync/errors\\?account=${accountId}$`));
    const rows = w.page.locator('#error-groups tbody tr');
    expect(await rows.count()).toBe(1);
    const row = rows.first();
    const text = (await row.textContent())!;
    expect(text).toContain('Лавка у моста');
    expect(text).toContain('HTTP 503');
    expect(text).not.toContain('HTTP 503: ');
    expect(text).not.toMatch(/ChannelHttpError|JobError|http:\/\//);
    expect(await row.locator('td.num').textContent()).toBe('2');
    await w.screenshot('errors-groups');

    // One row per attempt stays in the detail.
    await row.getByRole('link', { name: 'Попытки' }).click();
    await w.page.waitForURL(/\/sync\/errors\/groups\/[0-9a-f]{32}$/);
    expect(await w.page.locator('#outbox-errors tbody tr').count()).toBe(2);
    for (const id of jobs) expect(await w.page.locator(`#outbox-errors tr[data-job="${id}"]`).count()).toBe(1);
    await w.page.goBack();

    sim.faults.set(null);
    await w.page
      .locator('#error-groups tbody tr')
      .first()
      .getByRole('button', { name: /Повторить все/ })
      .click();
    await expect
      .poll(() => w.page.locator('#error-groups tbody tr').first().textContent())
      .toContain('Снова в очереди: 2');
    for (const id of jobs)
      await expect.poll(async () => (await getJob(hub.db, id)).status, { timeout: 30_000 }).toBe('succeeded');

    await w.page.goto('/');
    expect(await w.page.locator(`.problems li[data-account="${accountId}"]`).count()).toBe(0);
    await w.page.goto(`/sync/errors?account=${accountId}`);
    expect(await w.page.locator('#error-groups tbody tr').count()).toBe(0);
    await w.page.goto(`/sync/errors?account=${accountId}&state=resolved`);
    expect(await w.page.locator('#error-groups tbody tr').first().textContent()).toContain('Решено');
    await w.screenshot('errors-resolved');
    expectNoConsoleErrors(w);
  }, 120_000);
});
