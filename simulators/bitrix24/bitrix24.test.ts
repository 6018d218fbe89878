import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitrixSchemas, checkBitrixAnswer, loadBitrixContract } from './contract.ts';
import { createBitrix24Simulator, seedDeals, type Bitrix24Simulator, type BitrixPortal } from './index.ts';
import { parseFilterKey } from './methods.ts';

/**
 * The simulator against ../shared/specs/bitrix24/CONTRACT.md, read at run time by
 * contract.ts: every answer any simulator of this file gave is checked at the end against
 * the schemas written from the digest.
 */

type Server = { url: string; close(): Promise<void> };
type Answer = { status: number; type: string | null; body: any };

const contract = loadBitrixContract();
const schemas = bitrixSchemas(contract);
const started: { sim: Bitrix24Simulator; server: Server }[] = [];

async function start(options: Parameters<typeof createBitrix24Simulator>[0] = {}) {
  const sim = createBitrix24Simulator(options);
  const server = await sim.listen();
  started.push({ sim, server });
  return { sim, server };
}

/** A call through an incoming webhook: JSON POST (default), form-encoded POST, or GET with a query. */
async function call(
  base: string,
  method: string,
  params?: unknown,
  as: 'json' | 'form' | 'get' = 'json',
): Promise<Answer> {
  const url = `${base}${method}`;
  const res =
    as === 'get'
      ? await fetch(`${url}${params ? `?${params as string}` : ''}`)
      : await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: as === 'json' ? JSON.stringify(params ?? {}) : (params as string),
        });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* HTML or a broken body: kept as text */
  }
  return { status: res.status, type: res.headers.get('content-type'), body };
}

describe('Bitrix24 simulator', () => {
  let sim: Bitrix24Simulator;
  let server: Server;
  let portal: BitrixPortal;
  let hook: string;

  beforeAll(async () => {
    ({ sim, server } = await start({ rateLimit: null }));
    portal = sim.state.addPortal({
      name: 'sklad.bitrix24.ru',
      userId: 7,
      code: 'abcdef0123456789',
      funnels: [{ id: 1, name: 'Marketplace' }],
    });
    hook = portal.webhookUrl(server.url);
  });
  afterAll(() => Promise.all(started.map(({ server: s }) => s.close())));

  it('reads what it holds to from the digest itself', () => {
    expect(contract.timeKeys).toContain('operating_reset_at');
    expect(contract.pageSize).toBe(50);
    expect(contract.maxBatch).toBe(50);
    expect(contract.bucket).toEqual({ perSecond: 2, burst: 50 });
    expect(contract.systemErrors.get('QUERY_LIMIT_EXCEEDED')).toBe(503);
    expect(contract.systemErrors.get('OPERATION_TIME_LIMIT')).toBe(429);
    // Every filter prefix §4 documents is understood as that prefix.
    for (const prefix of contract.filterPrefixes)
      expect(parseFilterKey(`${prefix}ORIGIN_ID`)).toEqual({ op: prefix, field: 'ORIGIN_ID' });
  });

  it('takes calls through the incoming webhook, with or without .json, and refuses a wrong code, no code and a lacking scope', async () => {
    expect((await call(hook, 'crm.deal.list')).status).toBe(200);
    expect((await call(hook, 'crm.deal.list.json', 'select[]=ID', 'get')).status).toBe(200);

    const wrong = await call(`${server.url}/rest/7/wrongcode0000000/`, 'crm.deal.list');
    expect(wrong.status).toBe(contract.systemErrors.get('NO_AUTH_FOUND'));
    expect(schemas.error.parse(wrong.body)).toEqual({
      error: 'NO_AUTH_FOUND',
      error_description: 'Wrong authorization data',
    });
    expect((await call(`${server.url}/rest/8/abcdef0123456789/`, 'crm.deal.list')).status).toBe(401); // the code is the user's
    expect((await call(`${server.url}/rest/`, 'crm.deal.list')).body.error).toBe('NO_AUTH_FOUND');

    const expired = portal.addWebhook({ userId: 7, expiresAt: Date.now() - 1 });
    expect((await call(portal.webhookUrl(server.url, expired), 'crm.deal.list')).status).toBe(401);
    const noCrm = portal.addWebhook({ userId: 7, scopes: ['user'] });
    const scoped = await call(portal.webhookUrl(server.url, noCrm), 'crm.deal.list');
    expect([scoped.status, scoped.body.error]).toEqual([
      contract.systemErrors.get('insufficient_scope'),
      'insufficient_scope',
    ]);
    expect((await call(hook, 'crm.nothing.here')).body.error).toBe('ERROR_METHOD_NOT_FOUND');
  });

  it('adds a deal from JSON (fields or FIELDS), a form with nested keys, or multipart, keeping the money as sent', async () => {
    const json = await call(hook, 'crm.deal.add', {
      fields: {
        TITLE: 'OZ 1',
        ORIGIN_ID: 'OZ-1',
        ORIGINATOR_ID: 'sklad',
        OPPORTUNITY: '1234.5',
        CURRENCY_ID: 'RUB',
        UF_CRM_SKLAD_KEY: 'OZ-1',
        BOGUS: 1,
      },
    });
    expect(json.status).toBe(200);
    expect(schemas.methods['crm.deal.add'].parse(json.body)).toMatchObject({ result: expect.any(Number) });
    const stored = portal.deal(json.body.result)!;
    expect(stored.fields).toMatchObject({
      OPPORTUNITY: '1234.5',
      CURRENCY_ID: 'RUB',
      STAGE_ID: 'NEW',
      CATEGORY_ID: 0,
      ASSIGNED_BY_ID: 7,
    });
    expect(stored.fields).not.toHaveProperty('BOGUS'); // §3: unknown fields are ignored

    const upper = await call(hook, 'crm.deal.add', { FIELDS: { TITLE: 'upper', OPPORTUNITY: 99.9, CATEGORY_ID: 1 } });
    expect(portal.deal(upper.body.result)!.fields).toMatchObject({
      OPPORTUNITY: 99.9,
      CATEGORY_ID: 1,
      STAGE_ID: 'C1:NEW',
    });

    const form = await call(
      hook,
      'crm.deal.add',
      'fields[TITLE]=Form%20deal&fields[ORIGIN_ID]=WB-9&fields[UF_CRM_TAGS][]=a&fields[UF_CRM_TAGS][]=b&fields[OPPORTUNITY]=10',
      'form',
    );
    expect(portal.deal(form.body.result)!.fields).toMatchObject({
      TITLE: 'Form deal',
      ORIGIN_ID: 'WB-9',
      UF_CRM_TAGS: { 0: 'a', 1: 'b' },
    });

    const multipart = new FormData();
    multipart.set('fields[TITLE]', 'Multipart');
    multipart.set('fields[ORIGIN_ID]', 'MP-1');
    const mp = await fetch(`${hook}crm.deal.add`, { method: 'POST', body: multipart });
    expect(mp.status).toBe(200);
    expect(portal.dealBy('ORIGIN_ID', 'MP-1')?.fields.TITLE).toBe('Multipart');

    const noFields = await call(hook, 'crm.deal.add', {});
    expect([noFields.status, noFields.body]).toEqual([
      400,
      { error: '', error_description: "Parameter 'fields' must be array." },
    ]);
    expect((await call(hook, 'crm.deal.add', { fields: { CURRENCY_ID: 'XXX' } })).status).toBe(400);
    expect((await call(hook, 'crm.deal.add', { fields: { CATEGORY_ID: 1, STAGE_ID: 'WON' } })).status).toBe(400);
    expect((await call(hook, 'crm.deal.add', { fields: { CATEGORY_ID: 9 } })).status).toBe(400);
  });

  it('gets a deal with numbers as strings and OPPORTUNITY as a two-place decimal', async () => {
    const id = portal.dealBy('ORIGIN_ID', 'OZ-1')!.id;
    const got = await call(hook, 'crm.deal.get', { id });
    expect(got.status).toBe(200);
    const deal = schemas.methods['crm.deal.get'].parse(got.body) as { result: Record<string, unknown> };
    expect(deal.result).toMatchObject({
      ID: String(id),
      OPPORTUNITY: '1234.50',
      CURRENCY_ID: 'RUB',
      CATEGORY_ID: '0',
      STAGE_ID: 'NEW',
      STAGE_SEMANTIC_ID: 'P',
      UF_CRM_SKLAD_KEY: 'OZ-1',
      ASSIGNED_BY_ID: '7',
    });
    expect((await call(hook, 'crm.deal.get', `ID=${id}`, 'get')).body.result.ID).toBe(String(id));
    const missing = await call(hook, 'crm.deal.get', { id: 99999 });
    expect([missing.status, missing.body]).toEqual([400, { error: '', error_description: 'Not found' }]);
    expect((await call(hook, 'crm.deal.get', { id: 'x' })).body.error_description).toBe(
      'ID is not defined or invalid.',
    );
  });

  it('updates a deal: the stage, the money, unknown fields ignored, the funnel kept; a deleted deal is not found', async () => {
    const deal = portal.dealBy('ORIGIN_ID', 'OZ-1')!;
    const updated = await call(hook, 'crm.deal.update', {
      id: deal.id,
      fields: { STAGE_ID: 'WON', OPPORTUNITY: '2000', CATEGORY_ID: 1, NOPE: 'x' },
    });
    expect(schemas.methods['crm.deal.update'].parse(updated.body)).toMatchObject({ result: true });
    expect(deal.fields).toMatchObject({ STAGE_ID: 'WON', OPPORTUNITY: '2000', CATEGORY_ID: 0 });
    expect((await call(hook, 'crm.deal.get', { id: deal.id })).body.result).toMatchObject({
      STAGE_SEMANTIC_ID: 'S',
      CLOSED: 'Y',
      OPPORTUNITY: '2000.00',
    });
    expect((await call(hook, 'crm.deal.update', `id=${deal.id}&fields[STAGE_ID]=C1:NEW`, 'form')).status).toBe(400); // not this deal's funnel

    const doomed = portal.addDeal({ TITLE: 'to delete', ORIGIN_ID: 'DEL-1' });
    expect(portal.deleteDeal(doomed.id)).toBe(true);
    const gone = await call(hook, 'crm.deal.update', { id: doomed.id, fields: { TITLE: 'x' } });
    expect([gone.status, gone.body.error_description]).toEqual([400, 'Not found']);
    expect((await call(hook, 'crm.deal.list', { filter: { ORIGIN_ID: 'DEL-1' } })).body).toMatchObject({
      result: [],
      total: 0,
    });
  });

  it('lists deals by ORIGIN_ID, by a custom field and with the documented operators, with select', async () => {
    const byOrigin = await call(hook, 'crm.deal.list', {
      filter: { ORIGIN_ID: 'OZ-1', ORIGINATOR_ID: 'sklad' },
      select: ['ID', 'ORIGIN_ID', 'OPPORTUNITY'],
    });
    expect(byOrigin.body.result).toEqual([{ ID: expect.any(String), ORIGIN_ID: 'OZ-1', OPPORTUNITY: '2000.00' }]);
    const byUf = await call(hook, 'crm.deal.list', 'filter[UF_CRM_SKLAD_KEY]=OZ-1&select[]=UF_*', 'form');
    expect(byUf.body.result).toEqual([{ ID: byOrigin.body.result[0].ID, UF_CRM_SKLAD_KEY: 'OZ-1' }]);
    expect(
      (await call(hook, 'crm.deal.list', { filter: { UF_CRM_TAGS: 'b' }, select: ['ORIGIN_ID'] })).body.result,
    ).toEqual([{ ID: expect.any(String), ORIGIN_ID: 'WB-9' }]);

    const ids = (r: Answer) => r.body.result.map((d: { ORIGIN_ID: string }) => d.ORIGIN_ID);
    const list = (filter: Record<string, unknown>) =>
      call(hook, 'crm.deal.list', { filter, select: ['ORIGIN_ID'], order: { ID: 'ASC' } });
    expect(ids(await list({ '@ORIGIN_ID': ['OZ-1', 'MP-1', 'none'] }))).toEqual(['OZ-1', 'MP-1']);
    expect(ids(await list({ '!@ORIGIN_ID': ['OZ-1', 'MP-1'], '>=ID': 1 }))).toEqual([null, 'WB-9']);
    expect(ids(await list({ '%TITLE': 'form' }))).toEqual(['WB-9']);
    expect(ids(await list({ '=%TITLE': 'Multi%' }))).toEqual(['MP-1']);
    expect(ids(await list({ '>OPPORTUNITY': 1000 }))).toEqual(['OZ-1']);
    expect(ids(await list({ '<OPPORTUNITY': '50', '!ORIGIN_ID': 'MP-1', CATEGORY_ID: 0 }))).toEqual(['WB-9']);
    expect(ids(await list({ '!=STAGE_ID': 'NEW', '%STAGE_ID': 'WO' }))).toEqual([]); // LIKE does not apply to stages (§4)
    const all = await call(hook, 'crm.deal.list', { select: ['*'] });
    expect(all.body.result[0]).not.toHaveProperty('UF_CRM_SKLAD_KEY');
    expect(all.body.result[0]).toHaveProperty('STAGE_ID');
  });

  it('pages lists by 50 with next and total, and skips the total for start=-1', async () => {
    const many = sim.state.addPortal({ name: 'many.bitrix24.ru' });
    seedDeals(many, { deals: 120, originPrefix: 'P-' });
    const base = many.webhookUrl(server.url);
    const pages: { n: number; next?: number; total?: number }[] = [];
    for (let start: number | undefined = 0; start !== undefined; ) {
      const r = await call(base, 'crm.deal.list', { start, select: ['ID'] });
      pages.push({ n: r.body.result.length, next: r.body.next, total: r.body.total });
      start = r.body.next;
    }
    expect(pages).toEqual([
      { n: 50, next: 50, total: 120 },
      { n: 50, next: 100, total: 120 },
      { n: 20, next: undefined, total: 120 },
    ]);
    const fast = await call(base, 'crm.deal.list', {
      start: -1,
      order: { ID: 'ASC' },
      filter: { '>ID': 100 },
      select: ['ID'],
    });
    expect(fast.body).not.toHaveProperty('total');
    expect(fast.body.result.map((d: { ID: string }) => d.ID)).toEqual(
      Array.from({ length: 20 }, (_, i) => String(101 + i)),
    );
  });

  it('adds timeline comments to deals only with the lower-case fields key, and refuses an empty one or a missing deal', async () => {
    const deal = portal.dealBy('ORIGIN_ID', 'OZ-1')!;
    const added = await call(hook, 'crm.timeline.comment.add', {
      fields: { ENTITY_ID: deal.id, ENTITY_TYPE: 'deal', COMMENT: 'Shipped: 2 × SKU-1' },
    });
    expect(schemas.methods['crm.timeline.comment.add'].parse(added.body)).toMatchObject({ result: expect.any(Number) });
    expect(portal.commentsOn(deal.id)).toEqual([
      expect.objectContaining({ id: added.body.result, comment: 'Shipped: 2 × SKU-1', authorId: 7 }),
    ]);

    const upper = await call(hook, 'crm.timeline.comment.add', {
      FIELDS: { ENTITY_ID: deal.id, ENTITY_TYPE: 'deal', COMMENT: 'x' },
    });
    expect([upper.status, upper.body.error]).toEqual([400, '100']); // §5: only `fields` since crm 23.100.0
    expect(
      (
        await call(hook, 'crm.timeline.comment.add', {
          fields: { ENTITY_ID: deal.id, ENTITY_TYPE: 'deal', COMMENT: ' ' },
        })
      ).body.error,
    ).toBe('INVALID_ARG_VALUE');
    expect(
      (
        await call(hook, 'crm.timeline.comment.add', {
          fields: { ENTITY_ID: 99999, ENTITY_TYPE: 'deal', COMMENT: 'x' },
        })
      ).body.error,
    ).toBe('OWNER_NOT_FOUND');
    const form = await call(
      hook,
      'crm.timeline.comment.add',
      `fields[ENTITY_ID]=${deal.id}&fields[ENTITY_TYPE]=deal&fields[COMMENT]=from%20a%20form`,
      'form',
    );
    expect(form.status).toBe(200);
    expect(portal.commentsOn(deal.id)).toHaveLength(2);
  });

  it('lists the deal stages of each funnel by DEAL_STAGE and DEAL_STAGE_<n>', async () => {
    const general = await call(hook, 'crm.status.list', {
      filter: { ENTITY_ID: 'DEAL_STAGE' },
      order: { SORT: 'ASC' },
    });
    const rows = schemas.methods['crm.status.list'].parse(general.body) as {
      result: { STATUS_ID: string; CATEGORY_ID: string | null }[];
      total: number;
    };
    expect(rows.result.map((r) => r.STATUS_ID)).toEqual(contract.defaultStages);
    expect(rows.total).toBe(contract.defaultStages.length);
    const funnel = await call(hook, 'crm.status.list', 'filter[ENTITY_ID]=DEAL_STAGE_1', 'form');
    expect(funnel.body.result.map((r: { STATUS_ID: string }) => r.STATUS_ID)).toEqual([
      'C1:NEW',
      'C1:PREPARATION',
      'C1:EXECUTING',
      'C1:WON',
      'C1:LOSE',
    ]);
    expect(funnel.body.result[0]).toMatchObject({ CATEGORY_ID: '1', EXTRA: { SEMANTICS: 'process' } });
    expect(funnel.body.result[3]).toMatchObject({ SEMANTICS: 'S', EXTRA: { SEMANTICS: 'success' } });
  });

  it('runs a batch: results and per-call errors by id, $result references, halt, the 50 limit and no nested batch', async () => {
    const r = await call(hook, 'batch', {
      halt: 0,
      cmd: {
        add: 'crm.deal.add?fields[TITLE]=Batch deal&fields[ORIGIN_ID]=B-1&fields[OPPORTUNITY]=5.5',
        get: 'crm.deal.get?id=$result[add]',
        broken: 'crm.deal.get?id=99999',
        find: 'crm.deal.list?filter[ORIGIN_ID]=B-1&select[]=ID&select[]=OPPORTUNITY',
        nested: 'batch?cmd[a]=crm.deal.list',
      },
    });
    expect(r.status).toBe(200);
    const body = schemas.batch.parse(r.body) as any;
    expect(body.result.result.get).toMatchObject({
      ID: String(body.result.result.add),
      ORIGIN_ID: 'B-1',
      OPPORTUNITY: '5.50',
    });
    expect(body.result.result.find).toEqual([{ ID: String(body.result.result.add), OPPORTUNITY: '5.50' }]);
    expect(body.result.result_error).toEqual({
      broken: { error: '', error_description: 'Not found' },
      nested: { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: expect.any(String) },
    });
    expect(body.result.result_total).toEqual({ find: 1 });
    expect(body.result.result_next).toEqual([]); // an empty PHP array, as batch.md shows

    const halted = await call(hook, 'batch', 'halt=1&cmd[a]=crm.deal.get%3Fid%3D99999&cmd[b]=crm.deal.list', 'form');
    expect(halted.body.result).toMatchObject({ result: [], result_error: { a: { error: '' } } });
    const listed = await call(hook, 'batch', {
      cmd: ['crm.status.list?filter[ENTITY_ID]=DEAL_STAGE', 'crm.deal.get?id=1'],
    });
    expect(Array.isArray(listed.body.result.result)).toBe(true);

    const tooMany = await call(hook, 'batch', {
      cmd: Object.fromEntries(Array.from({ length: contract.maxBatch + 1 }, (_, i) => [`c${i}`, 'crm.deal.list'])),
    });
    expect([tooMany.status, tooMany.body.error]).toEqual([
      contract.systemErrors.get('ERROR_BATCH_LENGTH_EXCEEDED'),
      'ERROR_BATCH_LENGTH_EXCEEDED',
    ]);
  });

  it('blocks one method over its time budget with 429 OPERATION_TIME_LIMIT, in a batch too, and says so in time.operating', async () => {
    const before = await call(hook, 'crm.deal.list', { select: ['ID'] });
    expect(before.body.time.operating_reset_at).toBeGreaterThan(Date.now() / 1000);
    portal.spendOperatingTime('crm.deal.list', portal.operatingLimitSeconds + 1);
    const blocked = await call(hook, 'crm.deal.list');
    expect([blocked.status, blocked.body.error]).toEqual([429, 'OPERATION_TIME_LIMIT']);
    expect((await call(hook, 'crm.deal.get', { id: 1 })).status).toBe(200); // only that method
    const batch = await call(hook, 'batch', { cmd: { l: 'crm.deal.list', g: 'crm.deal.get?id=1' } });
    expect(batch.body.result.result_error.l.error).toBe('OPERATION_TIME_LIMIT');
    expect(batch.body.result.result.g.ID).toBe('1');
    portal.resetOperatingTime('crm.deal.list');
    expect((await call(hook, 'crm.deal.list')).status).toBe(200);

    const timed = await start({ rateLimit: null, operatingSeconds: () => 100 });
    const p = timed.sim.state.addPortal();
    const base = p.webhookUrl(timed.server.url);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await call(base, 'crm.status.list');
      seen.push(res.status === 200 ? res.body.time.operating : res.status);
    }
    expect(seen).toEqual([100, 200, 300, 400, 500, 429]);
  });

  it('answers 503 QUERY_LIMIT_EXCEEDED past the leaky bucket of 50, drains 2 a second, and counts a batch as one request', async () => {
    let clock = Date.UTC(2025, 0, 1, 9);
    const limited = await start({ now: () => clock });
    const p = limited.sim.state.addPortal({ name: 'limited.bitrix24.ru' });
    const base = p.webhookUrl(limited.server.url);
    const statuses = await Promise.all(
      Array.from({ length: contract.bucket.burst }, () => call(base, 'crm.deal.list').then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const refused = await call(base, 'batch', { cmd: { a: 'crm.deal.list' } });
    expect(refused.status).toBe(contract.systemErrors.get('QUERY_LIMIT_EXCEEDED'));
    expect(schemas.error.parse(refused.body)).toEqual({
      error: 'QUERY_LIMIT_EXCEEDED',
      error_description: 'Too many requests',
    });
    clock += 1000; // drains Y = 2
    const batched = await call(base, 'batch', {
      cmd: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`c${i}`, 'crm.deal.list'])),
    });
    expect(batched.status).toBe(200);
    expect((await call(base, 'crm.deal.list')).status).toBe(200);
    expect((await call(base, 'crm.deal.list')).status).toBe(503);
    // Another portal has its own bucket.
    const other = limited.sim.state.addPortal({ name: 'other.bitrix24.ru' });
    expect((await call(other.webhookUrl(limited.server.url), 'crm.deal.list')).status).toBe(200);
  });

  it('injects faults in Bitrix24 words: 500, the gateway 502, 503 limit, 429 time limit, malformed and timeouts', async () => {
    const faulty = await start({ rateLimit: null });
    const p = faulty.sim.state.addPortal();
    const base = p.webhookUrl(faulty.server.url);
    faulty.sim.faults.next('500');
    expect(await call(base, 'crm.deal.list')).toMatchObject({ status: 500, body: { error: 'INTERNAL_SERVER_ERROR' } });
    faulty.sim.faults.next('502');
    const gateway = await call(base, 'crm.deal.list');
    expect([gateway.status, gateway.type]).toEqual([502, expect.stringContaining('text/html')]);
    faulty.sim.faults.next('503');
    expect(await call(base, 'crm.deal.list')).toMatchObject({ status: 503, body: { error: 'QUERY_LIMIT_EXCEEDED' } });
    faulty.sim.faults.next('429', 1, [`/rest/${p.webhook.userId}/${p.webhook.code}/crm.deal.add`]);
    expect((await call(base, 'crm.deal.list')).status).toBe(200);
    expect(await call(base, 'crm.deal.add', { fields: {} })).toMatchObject({
      status: 429,
      body: { error: 'OPERATION_TIME_LIMIT' },
    });
    faulty.sim.faults.next('malformed');
    const broken = await call(base, 'crm.deal.list');
    expect([broken.status, typeof broken.body]).toEqual([200, 'string']);
    faulty.sim.faults.set({ rate: 1, kinds: ['timeout'], slowMs: 50 });
    expect((await call(base, 'crm.deal.list')).status).toBe(504);
    faulty.sim.faults.set(null);
    expect(faulty.sim.statusCounts()).toMatchObject({ 200: 2, 500: 1, 502: 1, 503: 1, 429: 1, 504: 1 });
  });

  it('lets other processes seed a portal, read deals and comments, edit and delete a deal through /__sim/bitrix24', async () => {
    const seeded = await (
      await fetch(`${server.url}/__sim/bitrix24/portals`, {
        method: 'POST',
        body: JSON.stringify({ name: 'remote.bitrix24.ru', userId: 3, code: 'remote0000000000' }),
      })
    ).json();
    expect(seeded.webhook).toMatchObject({ userId: 3, code: 'remote0000000000', scopes: ['crm'] });
    const base = `${server.url}/rest/3/remote0000000000/`;
    const id = (await call(base, 'crm.deal.add', { fields: { ORIGIN_ID: 'R-1', OPPORTUNITY: '12.345' } })).body.result;
    const deals = await (await fetch(`${server.url}/__sim/bitrix24/portals/remote.bitrix24.ru/deals`)).json();
    expect(deals.deals).toEqual([
      expect.objectContaining({
        raw: expect.objectContaining({ OPPORTUNITY: '12.345' }),
        deal: expect.objectContaining({ ID: String(id), OPPORTUNITY: '12.35' }),
      }),
    ]);
    await fetch(`${server.url}/__sim/bitrix24/portals/remote.bitrix24.ru/deals/${id}`, {
      method: 'POST',
      body: JSON.stringify({ fields: { STAGE_ID: 'LOSE' } }),
    });
    expect((await call(base, 'crm.deal.get', { id })).body.result.STAGE_SEMANTIC_ID).toBe('F');
    const deleted = await (
      await fetch(`${server.url}/__sim/bitrix24/portals/remote.bitrix24.ru/deals/${id}`, { method: 'DELETE' })
    ).json();
    expect(deleted).toEqual({ deleted: true });
    expect((await call(base, 'crm.deal.get', { id })).status).toBe(400);
  });

  it('can refuse a wrong webhook code the way later docs say (INVALID_CREDENTIALS)', async () => {
    const strict = createBitrix24Simulator({ refusedWebhookCode: 'INVALID_CREDENTIALS' });
    const s = await strict.listen();
    try {
      const r = await call(`${s.url}/rest/1/nope/`, 'crm.deal.list');
      expect([r.status, r.body]).toEqual([
        401,
        { error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' },
      ]);
    } finally {
      await s.close();
    }
  });

  it('gave every answer above in the shape the digest documents', () => {
    const log = started.flatMap(({ sim: s }) => s.log);
    expect(log.length).toBeGreaterThan(100);
    expect(new Set(log.map((e) => e.status))).toEqual(new Set([200, 400, 401, 403, 404, 429, 500, 502, 503, 504]));
    expect(log.flatMap((entry) => checkBitrixAnswer(entry, schemas, contract))).toEqual([]);
  });

  it('has a checker that does notice an answer off the digest', () => {
    const entry = (path: string, status: number, responseBody: unknown) => ({
      at: '',
      method: 'POST',
      path,
      query: {},
      headers: {},
      body: null,
      status,
      responseBody,
    });
    const time = {
      start: 1,
      finish: 1,
      duration: 0,
      processing: 0,
      date_start: '2025-01-01T00:00:00+03:00',
      date_finish: '2025-01-01T00:00:00+03:00',
      operating_reset_at: 1,
      operating: 0,
    };
    const deal = {
      ID: '1',
      TITLE: 't',
      STAGE_ID: 'NEW',
      CATEGORY_ID: '0',
      CURRENCY_ID: 'RUB',
      OPPORTUNITY: 1234.5,
      ORIGIN_ID: null,
      DATE_CREATE: time.date_start,
      DATE_MODIFY: time.date_start,
    };
    expect(checkBitrixAnswer(entry('/rest/1/c/crm.deal.get', 200, { result: deal, time }))).toEqual([
      expect.stringContaining('OPPORTUNITY'),
    ]);
    expect(
      checkBitrixAnswer(entry('/rest/1/c/crm.deal.get', 200, { result: { ...deal, OPPORTUNITY: '1234.50' }, time })),
    ).toEqual(
      expect.arrayContaining([expect.stringContaining('lacks TYPE_ID'), expect.stringContaining('lacks UTM_TERM')]),
    );
    expect(checkBitrixAnswer(entry('/rest/1/c/crm.deal.add', 200, { result: 5 }))).toEqual([
      expect.stringContaining('time'),
    ]);
    expect(
      checkBitrixAnswer(
        entry('/rest/1/c/crm.deal.list', 429, { error: 'QUERY_LIMIT_EXCEEDED', error_description: '' }),
      ),
    ).toEqual([expect.stringContaining('503')]);
    expect(
      checkBitrixAnswer(
        entry('/rest/1/c/crm.deal.list', 200, { result: [], next: 50, total: 0, time: { ...time, operating: '0' } }),
      ),
    ).toHaveLength(1);
  });
});
