import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createIikoSimulator, seedIiko, type IikoSimulator, type SeededIiko } from '../../simulators/iiko/index.ts';
import { assembleSklad } from '../assembly.ts';
import { rows } from '../db/database.ts';
import { getJob } from '../engine/jobs.ts';
import { fireDueSchedules, listScheduleTargets } from '../engine/schedules.ts';
import { startWorkers } from '../engine/worker.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { checkExchange, loadSpec } from '../test/openapi-contract.ts';
import { startTestServer, type TestServer } from '../test/server.ts';
import { ensureIikoSetting } from './settings.ts';

describeEachDatabase('iiko menu sync (seed 003)', (t) => {
  let sim: IikoSimulator;
  let simServer: { url: string; close(): Promise<void> };
  let seeded: SeededIiko;
  let org: string;
  let server: TestServer;

  beforeAll(async () => {
    sim = createIikoSimulator();
    seeded = seedIiko(sim.state, { organizations: 1 });
    org = seeded.organizationIds[0];
    simServer = await sim.listen();
    server = await startTestServer(t.database);
  });
  afterAll(async () => {
    await server?.close();
    await simServer?.close();
  });

  const productByExternalId = async (externalId: string) => {
    const [row] = await rows<{ id: number }>(
      server.hub.db,
      sql`select id from menu_products where external_id = ${externalId}`,
    );
    return (await server.api(`/api/v1/data/products/${row.id}`)).body;
  };

  it('adds the first setting as id 1 with the API login sealed and never shown whole', async () => {
    const created = await server.api('/api/v1/iiko/settings', {
      method: 'POST',
      json: { name: 'Восток', api_login: seeded.apiLogin, base_url: simServer.url },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 1,
      name: 'Восток',
      base_url: simServer.url,
      api_login: `••••${seeded.apiLogin.slice(-4)}`,
    });
    expect(created.body.schedules).toEqual({
      menu: '0 * * * *',
      stoplist: '*/3 * * * *',
      prices: '*/10 * * * *',
      terminals: '*/10 * * * *',
      payments: '0 4 * * *',
    });
    expect(JSON.stringify((await server.api('/api/v1/iiko/settings')).body)).not.toContain(seeded.apiLogin);
    const [stored] = await rows<{ credentials_sealed: string }>(
      server.hub.db,
      sql`select credentials_sealed from channel_accounts where id = ${created.body.account_id}`,
    );
    expect(stored.credentials_sealed).not.toContain(seeded.apiLogin);

    const organizations = await server.api('/api/v1/iiko/settings/1/organizations', { method: 'POST' });
    expect(organizations.status).toBe(200);
    expect(organizations.body.items).toEqual([{ id: org, name: expect.any(String), code: 'ORG-1' }]);
  });

  it('a full sync answers status, duration_ms and per-entity results, and fills every table', async () => {
    const res = await server.api('/api/v1/sync/full', { method: 'POST', json: { setting_id: 1 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'success',
      setting_id: 1,
      sync_type: 'full',
      organization_ids: [org],
      duration_ms: expect.any(Number),
    });
    for (const entity of [
      'categories',
      'products',
      'product_sizes',
      'modifier_groups',
      'modifiers',
      'combos',
      'external_menus',
      'price_categories',
      'stop_lists',
      'terminal_groups',
      'payment_types',
    ]) {
      expect(res.body.results[entity], entity).toMatchObject({
        status: 'success',
        synced: expect.any(Number),
        duration_ms: expect.any(Number),
      });
    }
    expect(res.body.results.products.synced).toBeGreaterThan(200);
    expect(res.body.results.terminal_groups.synced).toBe(3);

    const products = await server.api('/api/v1/data/products?limit=500');
    expect(products.body.total).toBeGreaterThan(200);
    expect(products.body.items.every((p: { type: string }) => p.type !== 'Modifier')).toBe(true);
    const pizza = sim.state.dishes(org).find((p) => p.sizePrices.length === 3)!;
    const detail = await productByExternalId(pizza.id);
    expect(detail.sizes.map((s: { price_minor: number }) => s.price_minor)).toEqual(
      pizza.sizePrices.map((s) => s.price * 100),
    );
    const dough = detail.modifier_groups.find((g: { name: string }) => g.name === 'Тесто');
    expect(dough).toMatchObject({ min_amount: 1, max_amount: 1, required: true });
    expect(dough.modifiers.map((m: { name: string }) => m.name)).toEqual(['Традиционное', 'Тонкое']);

    const tree = await server.api('/api/v1/data/categories?tree=true');
    const pizzaRoot = tree.body.items.find((c: { name: string }) => c.name === 'Пицца');
    expect(pizzaRoot.children.map((c: { name: string }) => c.name)).toEqual([
      'Классические',
      'Фирменные',
      'Вегетарианские',
    ]);
    expect(tree.body.items.some((c: { name: string }) => c.name === 'Модификаторы')).toBe(false);

    const byCategory = await server.api(`/api/v1/data/products?category_id=${pizzaRoot.children[0].id}`);
    expect(byCategory.body.total).toBe(18);
    expect((await server.api(`/api/v1/data/products?category_id=${pizzaRoot.id}`)).body.total).toBe(0);
    expect(
      (await server.api(`/api/v1/data/products?category_id=${pizzaRoot.id}&include_subcategories=true&limit=10`)).body,
    ).toMatchObject({ total: 40, limit: 10 });
    const category = await server.api(`/api/v1/data/categories/${pizzaRoot.id}`);
    expect(category.body).toMatchObject({ name: 'Пицца', parent_id: null, is_visible: true });
  });

  it('a re-sync keeps local edits (visibility, SEO, tags, images, sort order) and takes iiko’s new price', async () => {
    const [dish] = sim.state.dishes(org).filter((p) => p.sizePrices.length === 1);
    const local = {
      is_visible: false,
      seo_title: 'Вкусно',
      seo_description: 'Доставка за 30 минут',
      tags: ['веган', 'острое'],
      image_urls: ['https://cdn.example.com/1.jpg'],
      sort_order: 5,
    };
    const product = await productByExternalId(dish.id);
    const edited = await server.api(`/api/v1/data/products/${product.id}`, { method: 'PATCH', json: local });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject(local);
    const category = await server.api(`/api/v1/data/categories/${product.category_id}`, {
      method: 'PATCH',
      json: { seo_title: 'Раздел', sort_order: 1 },
    });
    expect(category.body).toMatchObject({ seo_title: 'Раздел', sort_order: 1 });

    sim.state.setPrice(dish.id, 555);
    sim.state.rename(dish.id, 'Новое имя');
    const menu = await server.api('/api/v1/sync/menu', { method: 'POST', json: { setting_id: 1 } });
    expect(menu.body.status).toBe('success');
    const after = await productByExternalId(dish.id);
    expect(after).toMatchObject({ ...local, name: 'Новое имя', price_minor: 55_500 });
    const categories = (await server.api('/api/v1/data/categories')).body.items;
    expect(categories.find((c: { id: number }) => c.id === product.category_id)).toMatchObject({
      seo_title: 'Раздел',
      sort_order: 1,
    });

    // The price sync asks only for what changed since the last revision.
    sim.state.setPrice(dish.id, 600);
    const mark = sim.log.length;
    const prices = await server.api('/api/v1/sync/prices', { method: 'POST', json: { setting_id: 1 } });
    expect(prices.body.results.products).toMatchObject({ status: 'success', synced: 1 });
    expect(sim.log.slice(mark).find((e) => e.path === '/api/1/nomenclature')?.body).toMatchObject({
      startRevision: expect.any(Number),
    });
    expect(await productByExternalId(dish.id)).toMatchObject({ ...local, price_minor: 60_000 });
  });

  it('marks items removed upstream deleted instead of dropping them', async () => {
    const [gone, goneByDelta] = sim.state.dishes(org).slice(5, 7);
    sim.state.deleteProduct(gone.id);
    const menu = await server.api('/api/v1/sync/menu', { method: 'POST', json: { setting_id: 1 } });
    expect(menu.body.results.products.deleted).toBe(1);
    expect((await productByExternalId(gone.id)).deleted_at).toEqual(expect.any(String));

    sim.state.deleteProduct(goneByDelta.id);
    await server.api('/api/v1/sync/prices', { method: 'POST', json: { setting_id: 1 } });
    expect((await productByExternalId(goneByDelta.id)).deleted_at).toEqual(expect.any(String));

    const listed = await server.api('/api/v1/data/products?limit=500');
    expect(listed.body.items.some((p: { external_id: string }) => p.external_id === gone.id)).toBe(false);
    const withDeleted = await server.api('/api/v1/data/products?limit=500&include_deleted=true');
    expect(withDeleted.body.items.some((p: { external_id: string }) => p.external_id === gone.id)).toBe(true);
  });

  it('a stop-list webhook makes a product unavailable within that one request', async () => {
    const registered = await server.api('/api/v1/iiko/settings/1/webhooks', {
      method: 'POST',
      json: { url: server.baseUrl },
    });
    expect(registered.status).toBe(200);
    expect(registered.body.items).toEqual([
      expect.objectContaining({ organization_id: org, webhook_url: `${server.baseUrl}/webhooks/iiko` }),
    ]);

    const [dish] = sim.state.dishes(org).slice(10, 11);
    expect((await productByExternalId(dish.id)).is_available).toBe(true);
    sim.state.stop(dish.id, { balance: 0 });
    expect(await sim.sendStopListWebhook(org)).toBe(200);
    expect((await productByExternalId(dish.id)).is_available).toBe(false);

    const unavailable = await server.api('/api/v1/data/products?is_available=false');
    expect(unavailable.body.items.map((p: { external_id: string }) => p.external_id)).toEqual([dish.id]);
    const configs = await server.api('/api/v1/iiko/settings/1/webhooks');
    expect(configs.body.items[0]).toMatchObject({ last_event_type: 'StopListUpdate', events_received: 1 });

    sim.state.unstop(dish.id);
    await sim.sendStopListWebhook(org);
    expect((await productByExternalId(dish.id)).is_available).toBe(true);

    const forged = await fetch(`${server.baseUrl}/webhooks/iiko`, {
      method: 'POST',
      headers: { authorization: 'guess', 'content-type': 'application/json' },
      body: '[]',
    });
    expect(forged.status).toBe(401);
    expect(await sim.sendStopListWebhook(org, `${server.baseUrl}/webhooks/iiko`)).toBe(200);
  });

  it('lists stop lists by organization, and refuses the request without organization_id (400)', async () => {
    const [dish] = sim.state.dishes(org).slice(12, 13);
    sim.state.stop(dish.id, { balance: 0 });
    await server.api('/api/v1/sync/stoplist', { method: 'POST', json: { setting_id: 1 } });
    const lists = await server.api(`/api/v1/data/stop-lists?organization_id=${org}`);
    expect(lists.status).toBe(200);
    expect(lists.body.items).toHaveLength(3); // one per terminal group
    expect(lists.body.items[0]).toMatchObject({ product_external_id: dish.id, product_name: dish.name, balance: 0 });
    const missing = await server.api('/api/v1/data/stop-lists');
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([expect.objectContaining({ field: 'query.organization_id' })]);
  });

  it('answers 404 for a setting that does not exist, and 400 for a bad body', async () => {
    for (const kind of ['full', 'menu', 'stoplist', 'terminals', 'payments']) {
      const res = await server.api(`/api/v1/sync/${kind}`, { method: 'POST', json: { setting_id: 999 } });
      expect(res.status, kind).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await server.api('/api/v1/sync/full', { method: 'POST', json: { setting_id: 'one' } })).status).toBe(400);
    expect(
      (await server.api('/api/v1/sync/full', { method: 'POST', json: { setting_id: 1, extra: true } })).status,
    ).toBe(400);
  });

  it('gets a new token when iiko’s has expired', async () => {
    sim.state.expireAllTokens();
    const res = await server.api('/api/v1/sync/terminals', { method: 'POST', json: { setting_id: 1 } });
    expect(res.body).toMatchObject({ status: 'success', results: { terminal_groups: { synced: 3 } } });
  });

  it('records every sync as an iiko.<kind> run with its calls in api_calls, seen through sync_history and api_logs', async () => {
    const history = await rows<{
      sync_type: string;
      status: string;
      setting_id: number;
      items_synced: number;
      completed_at: string | null;
    }>(
      server.hub.db,
      sql`select sync_type, status, setting_id, items_synced, completed_at from sync_history order by id`,
    );
    expect(history[0]).toMatchObject({ sync_type: 'full', status: 'success', setting_id: 1 });
    expect(history[0].items_synced).toBeGreaterThan(200);
    expect(new Set(history.map((h) => h.sync_type))).toEqual(
      new Set(['full', 'menu', 'prices', 'stoplist', 'terminals']),
    );
    const [runs] = await rows<{ n: number }>(
      server.hub.db,
      sql`select count(*)::int as n from sync_runs where type like 'iiko.%'`,
    );
    expect(runs.n).toBe(history.length);
    const logs = await rows<{ endpoint: string; response_status: number; sync_run_id: number | null }>(
      server.hub.db,
      sql`select endpoint, response_status, sync_run_id from api_logs`,
    );
    expect(
      logs.some(
        (l) => l.endpoint.endsWith('/api/1/nomenclature') && l.response_status === 200 && l.sync_run_id !== null,
      ),
    ).toBe(true);
    expect(logs.some((l) => l.response_status === 401)).toBe(true); // the expired token
    expect(JSON.stringify(logs)).not.toContain(seeded.apiLogin);
  });

  it('answers GET /sync/history in the seed’s form for iiko filters, and the engine’s page without them', async () => {
    const seed = await server.api('/api/v1/sync/history?setting_id=1');
    expect(seed.status).toBe(200);
    expect(Object.keys(seed.body)).toEqual(['history']);
    expect(seed.body.history[0]).toMatchObject({
      id: expect.any(Number),
      organization_id: org,
      sync_type: expect.any(String),
      status: 'success',
      items_synced: expect.any(Number),
      duration_ms: expect.any(Number),
      started_at: expect.any(String),
      completed_at: expect.any(String),
    });
    const started = seed.body.history.map((h: { started_at: string }) => h.started_at);
    expect(started).toEqual([...started].sort().reverse());

    const byOrganization = await server.api(`/api/v1/sync/history?organization_id=${org}&limit=2`);
    expect(byOrganization.body.history).toHaveLength(2);
    const full = await server.api('/api/v1/iiko/sync/history?sync_type=full');
    expect(full.body.history.map((h: { sync_type: string }) => h.sync_type)).toEqual(['full']);
    expect(full.body.history[0].results.products).toMatchObject({ status: 'success' });

    // Seed 003 conformance (issue 17): with no filter at all the seed's form too; the general history is /sync/runs.
    const plain = await server.api('/api/v1/sync/history');
    expect(plain.status).toBe(200);
    expect(Object.keys(plain.body)).toEqual(['history']);
    expect(plain.body.history.length).toBeGreaterThan(0);
    expect(plain.body.history.map((h: { id: number }) => h.id)).toEqual(
      seed.body.history.map((h: { id: number }) => h.id).slice(0, plain.body.history.length),
    );
    const engine = await server.api('/api/v1/sync/runs?limit=500');
    expect(engine.body).toMatchObject({ items: expect.any(Array), total: expect.any(Number), limit: 500, offset: 0 });
    expect(engine.body.items.some((r: { type: string }) => r.type === 'iiko.full')).toBe(true);
    // The engine's own filters on the shared path still answer its page.
    const filtered = await server.api('/api/v1/sync/history?type=iiko.full&limit=500');
    expect(filtered.body).toMatchObject({ items: expect.any(Array), limit: 500 });
    expect(filtered.body.items.every((r: { type: string }) => r.type === 'iiko.full')).toBe(true);

    const bad = await server.api('/api/v1/sync/history?setting_id=one');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ field: 'query.setting_id' })]);
    expect((await server.api('/api/v1/sync/history?setting_id=1', { key: null })).status).toBe(401);
  });

  it('changes the schedule per setting, as the engine’s per-account overrides', async () => {
    const res = await server.api('/api/v1/iiko/settings/1', {
      method: 'PATCH',
      json: { schedules: { stoplist: '*/5 * * * *', payments: null } },
    });
    expect(res.status).toBe(200);
    expect(res.body.schedules).toMatchObject({ stoplist: '*/5 * * * *', payments: null, menu: '0 * * * *' });
    const overrides = await rows<{ name: string; cron: string | null; enabled: boolean }>(
      server.hub.db,
      sql`select name, cron, enabled from schedules where account_id = ${res.body.account_id} order by name`,
    );
    expect(overrides).toEqual([
      { name: 'iiko.payments', cron: null, enabled: false },
      { name: 'iiko.stoplist', cron: '*/5 * * * *', enabled: true },
    ]);
    const bad = await server.api('/api/v1/iiko/settings/1', {
      method: 'PATCH',
      json: { schedules: { menu: 'every hour' } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_CRON');
  });

  it('a refused API login answers as the seed shows a failed sync (a 502 with the report: status failed, iiko’s reason) and the setting needs a new login', async () => {
    const created = await server.api('/api/v1/iiko/settings', {
      method: 'POST',
      json: { name: 'Чужой', api_login: 'wrong-login-123', base_url: simServer.url, organization_ids: [org] },
    });
    const res = await server.api('/api/v1/sync/stoplist', { method: 'POST', json: { setting_id: created.body.id } });
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({
      status: 'failed',
      sync_run_id: expect.any(Number),
      setting_id: created.body.id,
      sync_type: 'stoplist',
      organization_ids: [org],
      duration_ms: expect.any(Number),
      results: {},
      error_message: expect.stringMatching(/iiko/i),
    });
    expect(res.body.error.code).toBe('ACCOUNT_NEEDS_REAUTH');
    // The seed's history keeps the same failed run with the same reason.
    const [run] = (await server.api(`/api/v1/sync/history?setting_id=${created.body.id}`)).body.history;
    expect(run).toMatchObject({ id: res.body.sync_run_id, status: 'failed' });
    expect(run.error_message).toContain(res.body.error_message);
    expect((await server.api(`/api/v1/iiko/settings/${created.body.id}`)).body.status).toBe('needs_reauth');
  });

  it('runs the schedule with the engine’s scheduler: due syncs are queued per setting and a worker runs them', async () => {
    assembleSklad();
    const { account_id: accountId } = (await server.api('/api/v1/iiko/settings/1')).body;
    const targets = (await listScheduleTargets(server.hub.db)).filter((t) => t.accountId === accountId);
    expect(Object.fromEntries(targets.map((t) => [t.definition.name, t.enabled ? t.cron : 'off']))).toEqual({
      'iiko.menu': '0 * * * *',
      'iiko.stoplist': '*/5 * * * *',
      'iiko.prices': '*/10 * * * *',
      'iiko.terminals': '*/10 * * * *',
      'iiko.payments': 'off',
    });

    const [dish] = sim.state.dishes(org).slice(20, 21);
    sim.state.stop(dish.id, { balance: 0 });
    await fireDueSchedules(server.hub.db, new Date('2031-01-01T00:00:30Z')); // first sight: starts watching
    const fired = await fireDueSchedules(server.hub.db, new Date('2031-01-01T00:10:30Z'));
    const jobs = await Promise.all(fired.map((id) => getJob(server.hub.db, id)));
    const mine = jobs.filter((j) => j.account_id === accountId);
    expect(mine.map((j) => j.type).sort()).toEqual(['iiko.prices', 'iiko.stoplist', 'iiko.terminals']);

    const stop = startWorkers(server.hub, { types: ['iiko.prices', 'iiko.stoplist', 'iiko.terminals'], pollMs: 20 });
    try {
      for (const job of mine)
        await expect
          .poll(async () => (await getJob(server.hub.db, job.id)).status, { timeout: 20_000 })
          .toBe('succeeded');
    } finally {
      await stop();
    }
    expect((await productByExternalId(dish.id)).is_available).toBe(false);
    const runs = await rows<{ type: string; status: string }>(
      server.hub.db,
      sql`select type, status from sync_runs where job_id = any(${sql.param(mine.map((j) => j.id))}::bigint[]) order by type`,
    );
    expect(runs).toEqual([
      { type: 'iiko.prices', status: 'succeeded' },
      { type: 'iiko.stoplist', status: 'succeeded' },
      { type: 'iiko.terminals', status: 'succeeded' },
    ]);
  });

  it('ensureIikoSetting keeps the first setting instead of making another', async () => {
    const { setting, created } = await ensureIikoSetting(server.hub, { name: 'Demo', api_login: 'another-login-0001' });
    expect(created).toBe(false);
    expect(setting.id).toBe(1);
  });

  it('every request the client sent and every answer the simulator gave conform to the iiko OpenAPI file', async () => {
    const spec = await loadSpec('iiko/iikocloud.openapi.json');
    // Every call the connector makes was made at least once in this file.
    expect(new Set(sim.log.map((e) => e.path))).toEqual(
      new Set([
        '/api/1/access_token',
        '/api/1/organizations',
        '/api/1/nomenclature',
        '/api/1/stop_lists',
        '/api/1/terminal_groups',
        '/api/1/payment_types',
        '/api/1/combo',
        '/api/2/menu',
        '/api/1/webhooks/update_settings',
      ]),
    );
    const problems = sim.log.flatMap((e) => checkExchange(spec, e));
    expect(problems).toEqual([]);
  });
});
