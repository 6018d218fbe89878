import fs from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  CONTRACT_PATH,
  checkBitrixAnswer,
  loadBitrixContract,
  methodOfPath,
} from '../../../simulators/bitrix24/contract.ts';
import { createBitrix24Simulator, type BitrixPortal, type PortalInput } from '../../../simulators/bitrix24/index.ts';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { testHub } from '../../test/server.ts';
import { createAccount } from '../core/accounts.ts';
import { ChannelHttpError, CredentialsRejected } from '../core/connector.ts';
import { connectorContextFor, type ContextOptions } from '../core/context.ts';
import type { DealDraft } from '../core/crm.ts';
import { bitrix24Connector } from './connector.ts';
import { bitrix24Crm as crm } from './crm.ts';
import { bitrix24Module } from './module.ts';

/**
 * The Bitrix24 adapter against the simulator over real HTTP, with the portal's real leaky bucket
 * (2/s, 50) on: deals exported, found, moved and commented, per-call errors, injected faults and
 * refused webhooks; at the end every answer against the digest (CONTRACT.md) and every request
 * against what it documents.
 */

const contract = loadBitrixContract();
const digest = fs.readFileSync(CONTRACT_PATH, 'utf8');

/** The main account's custom fields for Sklad's ids. */
const idFields = {
  postingNumber: 'UF_CRM_POSTING',
  externalId: 'UF_CRM_ORDER',
  deliveryNumber: 'UF_CRM_DELIVERY',
  deliveryStatus: 'UF_CRM_DELIVERY_STATUS',
};

/** A draft as the CRM flow hands it over; its title and lines carry what a query string must escape. */
const draft = (n: number, over: Partial<DealDraft> = {}): DealDraft => ({
  key: `ozon:1:${n}`,
  title: `Ozon #${n} & co = 100% +tax`,
  amount: '1234.56',
  currency: 'RUB',
  categoryId: 1,
  stageId: 'C1:NEW',
  channel: { id: 'ozon', title: 'Ozon', account: 'Ozon main' },
  externalId: `0100-${n}`,
  postingNumber: `0100-${n}-1`,
  orderId: n,
  orderedAt: '2025-03-01T10:00:00.000Z',
  buyer: { name: 'Ivan Petrov', phone: '+79990000000' },
  lines: [{ sku: 'SKU-1', name: 'Mug "blue" & saucer', quantity: 2, price: '617.28' }],
  fields: {},
  ...over,
});

describeEachDatabase('the Bitrix24 CRM adapter', (t) => {
  const sim = createBitrix24Simulator();
  let url: string;
  let close: () => Promise<void>;
  let hub: Hub;
  let main: { portal: BitrixPortal; accountId: number };
  const portals: BitrixPortal[] = [];
  let mark = 0;
  const since = () => sim.log.slice(mark);
  const markLog = () => void (mark = sim.log.length);

  /** A portal on the simulator and an account on it; the webhook URL names the portal, the base URL is the simulator's. */
  async function connect(
    name: string,
    input: PortalInput = {},
    settings: Record<string, unknown> = {},
    webhook?: { userId: number; code: string },
  ) {
    const portal = sim.state.portals.get(name) ?? sim.state.addPortal({ name, ...input });
    if (!portals.includes(portal)) portals.push(portal);
    const { userId, code } = webhook ?? portal.webhook;
    const account = await createAccount(
      hub.db,
      hub.masterKey!,
      {
        channel: 'bitrix24',
        name: `${name} ${code}`,
        baseUrl: url,
        credentials: { webhookUrl: `https://${name}/rest/${userId}/${code}/` },
        settings,
      },
      'test',
    );
    return { portal, accountId: account.id };
  }
  const ctxOf = (accountId: number, options: ContextOptions = {}) => connectorContextFor(hub, accountId, options);
  const dealsWith = (portal: BitrixPortal, key: string) => portal.deals().filter((d) => d.fields.ORIGIN_ID === key);
  const pathOf = (portal: BitrixPortal, method: string) =>
    `/rest/${portal.webhook.userId}/${portal.webhook.code}/${method}`;

  beforeAll(async () => {
    ({ url, close } = await sim.listen());
    hub = testHub(t.database);
    main = await connect(
      'shop.bitrix24.ru',
      {
        funnels: [
          { id: 1, name: 'Marketplaces', stages: ['NEW', 'PREPARATION', 'EXECUTING', 'WON', 'LOSE', 'RETURNED'] },
        ],
      },
      {
        categoryId: 1,
        stageMap: { new: 'C1:NEW', shipped: 'C1:EXECUTING' },
        fields: idFields,
      },
    );
  });
  afterAll(() => close());

  test('takes an incoming-webhook URL only, kept as its base, and checks it with a call that needs the crm scope', async () => {
    const parse = (webhookUrl: string) => bitrix24Connector.credentialsSchema.safeParse({ webhookUrl });
    expect(parse(' https://shop.bitrix24.ru/rest/7/abcdef0123456789/crm.deal.list.json ').data).toEqual({
      webhookUrl: 'https://shop.bitrix24.ru/rest/7/abcdef0123456789/',
    });
    expect(parse('https://crm.example.com/b24/rest/1/abcdef0123456789').data).toEqual({
      webhookUrl: 'https://crm.example.com/b24/rest/1/abcdef0123456789/',
    });
    for (const wrong of [
      'https://shop.bitrix24.ru/crm/deal/',
      'http://shop.bitrix24.ru/rest/1/abcdef0123456789/',
      'https://shop.bitrix24.ru/rest/x/abc/',
    ]) {
      expect(parse(wrong).error?.issues[0].message, wrong).toMatch(
        /incoming-webhook URL looks like https:\/\/<portal>/,
      );
    }
    await expect(
      createAccount(
        hub.db,
        hub.masterKey!,
        { channel: 'bitrix24', name: 'bad', credentials: { webhookUrl: 'https://shop.bitrix24.ru/' } },
        'test',
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('body.credentials.webhookUrl'),
    });
    await expect(
      createAccount(
        hub.db,
        hub.masterKey!,
        {
          channel: 'bitrix24',
          name: 'bad',
          credentials: { webhookUrl: 'https://a.bitrix24.ru/rest/1/abcdef0123/' },
          settings: { fields: { postingNumber: 'POSTING' } },
        },
        'test',
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('UF_CRM_') });

    expect(await bitrix24Connector.validate(await ctxOf(main.accountId))).toEqual({
      ok: true,
      details: 'Bitrix24 answered: 8 stages in the default funnel',
    });
    // An account without a base URL of its own talks to the webhook's portal (here the simulator on loopback).
    const own = await createAccount(
      hub.db,
      hub.masterKey!,
      { channel: 'bitrix24', name: 'own portal', credentials: { webhookUrl: main.portal.webhookUrl(url) } },
      'test',
    );
    expect(own.base_url).toBe(bitrix24Connector.defaultBaseUrl);
    expect(await bitrix24Connector.validate(await ctxOf(own.id))).toMatchObject({ ok: true });
  });

  test('a refused webhook is CredentialsRejected with Bitrix24’s words: a wrong code, a lacking scope', async () => {
    const wrong = await connect('shop.bitrix24.ru', {}, {}, { userId: 1, code: 'wrongcode0000000' });
    expect(await bitrix24Connector.validate(await ctxOf(wrong.accountId))).toEqual({
      ok: false,
      reason:
        'Bitrix24 refused the webhook: the webhook code is wrong, or the webhook was deleted (HTTP 401 NO_AUTH_FOUND: Wrong authorization data)',
    });
    const refused = crm.exportDeals(await ctxOf(wrong.accountId), [draft(900)]);
    await expect(refused).rejects.toBeInstanceOf(CredentialsRejected);
    await expect(refused).rejects.toThrow(/NO_AUTH_FOUND/);

    const noCrm = main.portal.addWebhook({ userId: 3, scopes: ['user'] });
    const scoped = await connect('shop.bitrix24.ru', {}, {}, noCrm);
    expect(await bitrix24Connector.validate(await ctxOf(scoped.accountId))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/lacks the crm scope \(HTTP 403 insufficient_scope: /),
    });
    await expect(crm.findDeal(await ctxOf(scoped.accountId), 'x')).rejects.toBeInstanceOf(CredentialsRejected);
    expect(dealsWith(main.portal, 'ozon:1:900')).toEqual([]);
  });

  test('exports new orders as deals in two requests, with the exact amounts, the funnel, the stage and the ids', async () => {
    const drafts = [
      draft(1),
      draft(2, { amount: '12345678901234.56', currency: 'KZT' }),
      draft(3, {
        amount: '0.50',
        currency: 'USD',
        categoryId: null,
        stageId: null,
        postingNumber: null,
        buyer: null,
        fields: { deliveryNumber: 'CDEK-77', deliveryStatus: 'ready', UF_CRM_EXTRA: 'x' },
      }),
    ];
    markLog();
    const outcomes = await crm.exportDeals(await ctxOf(main.accountId), drafts);
    expect(outcomes).toEqual(
      drafts.map((d) => ({ key: d.key, ok: true, dealId: expect.stringMatching(/^\d+$/), created: true })),
    );
    expect(since().map((e) => [methodOfPath(e.path), e.status])).toEqual([
      ['crm.deal.list', 200],
      ['batch', 200],
    ]);

    const [one, two, three] = drafts.map((d) => dealsWith(main.portal, d.key));
    expect(one).toHaveLength(1);
    expect(one[0].id).toBe(Number((outcomes[0] as { dealId: string }).dealId));
    expect(one[0].fields).toMatchObject({
      TITLE: 'Ozon #1 & co = 100% +tax',
      OPPORTUNITY: '1234.56',
      CURRENCY_ID: 'RUB',
      CATEGORY_ID: 1,
      STAGE_ID: 'C1:NEW',
      ORIGIN_ID: 'ozon:1:1',
      ORIGINATOR_ID: 'sklad',
      UF_CRM_POSTING: '0100-1-1',
      UF_CRM_ORDER: '0100-1',
    });
    expect(String(one[0].fields.COMMENTS).split('\n')).toEqual([
      'Sklad order 1: Ozon (Ozon main), ordered 2025-03-01T10:00:00.000Z',
      'Order 0100-1, posting 0100-1-1',
      'Buyer: Ivan Petrov, +79990000000',
      'SKU-1 Mug "blue" & saucer × 2 at 617.28 RUB',
      'Total: 1234.56 RUB',
    ]);
    // The very string sent, not a float's rounding of it.
    expect(two[0].fields).toMatchObject({ OPPORTUNITY: '12345678901234.56', CURRENCY_ID: 'KZT' });
    const shown = (await (await fetch(`${url}/__sim/bitrix24/portals/shop.bitrix24.ru/deals`)).json()) as {
      deals: { deal: Record<string, string> }[];
    };
    expect(shown.deals.find((d) => d.deal.ORIGIN_ID === 'ozon:1:2')?.deal.OPPORTUNITY).toBe('12345678901234.56');
    // No funnel and no stage: the default funnel and its first stage; extra fields by their id names or as given.
    expect(three[0].fields).toMatchObject({
      OPPORTUNITY: '0.50',
      CURRENCY_ID: 'USD',
      CATEGORY_ID: 0,
      STAGE_ID: 'NEW',
      UF_CRM_DELIVERY: 'CDEK-77',
      UF_CRM_DELIVERY_STATUS: 'ready',
      UF_CRM_EXTRA: 'x',
    });
    expect(three[0].fields).not.toHaveProperty('UF_CRM_POSTING');
  });

  test('a second export of the same keys updates the deals and moves their stage, never makes a second one', async () => {
    const before = main.portal.deals().length;
    const ids = ['ozon:1:1', 'ozon:1:2'].map((k) => String(dealsWith(main.portal, k)[0].id));
    markLog();
    const outcomes = await crm.exportDeals(await ctxOf(main.accountId), [
      draft(1, { stageId: 'C1:EXECUTING', amount: '1300.00', categoryId: 2 }),
      draft(2, { amount: '12345678901234.56', currency: 'KZT' }),
      draft(4),
      draft(5, { title: 'first' }),
      draft(5, { title: 'the later draft of a key counts' }),
    ]);
    expect(outcomes).toEqual([
      { key: 'ozon:1:1', ok: true, dealId: ids[0], created: false },
      { key: 'ozon:1:2', ok: true, dealId: ids[1], created: false },
      { key: 'ozon:1:4', ok: true, dealId: expect.any(String), created: true },
      { key: 'ozon:1:5', ok: true, dealId: expect.any(String), created: true },
      { key: 'ozon:1:5', ok: true, dealId: (outcomes[3] as { dealId: string }).dealId, created: true },
    ]);
    expect(main.portal.deals().length).toBe(before + 2);
    expect(dealsWith(main.portal, 'ozon:1:1')[0].fields).toMatchObject({
      STAGE_ID: 'C1:EXECUTING',
      OPPORTUNITY: '1300.00',
      CATEGORY_ID: 1,
    });
    expect(dealsWith(main.portal, 'ozon:1:5').map((d) => d.fields.TITLE)).toEqual(['the later draft of a key counts']);
    const batch = since().find((e) => methodOfPath(e.path) === 'batch')!.body as { cmd: Record<string, string> };
    expect(Object.values(batch.cmd).map((c) => c.split('?')[0])).toEqual([
      'crm.deal.update',
      'crm.deal.update',
      'crm.deal.add',
      'crm.deal.add',
    ]);
    expect(batch.cmd.d0).not.toContain('CATEGORY_ID');
  });

  test('a call Bitrix24 refuses is that deal’s failed outcome with its words, the others go through', async () => {
    const outcomes = await crm.exportDeals(await ctxOf(main.accountId), [
      draft(6, { currency: 'XXX' }),
      draft(7),
      draft(1, { stageId: 'NOPE' }),
      draft(8, { amount: '12,50' }),
    ]);
    expect(outcomes).toEqual([
      {
        key: 'ozon:1:6',
        ok: false,
        error: 'The field "Currency" contains an invalid value: XXX.',
        httpStatus: 400,
        retryable: false,
      },
      { key: 'ozon:1:7', ok: true, dealId: expect.any(String), created: true },
      { key: 'ozon:1:1', ok: false, error: 'Stage NOPE is not in funnel 1.', httpStatus: 400, retryable: false },
      {
        key: 'ozon:1:8',
        ok: false,
        error: 'The amount "12,50" is not a decimal number',
        httpStatus: null,
        retryable: false,
      },
    ]);
    expect(dealsWith(main.portal, 'ozon:1:6')).toEqual([]);
    expect(dealsWith(main.portal, 'ozon:1:1')[0].fields.STAGE_ID).toBe('C1:EXECUTING');

    // §8: crm.deal.add over its time budget fails its calls only, and may pass later.
    main.portal.spendOperatingTime('crm.deal.add', main.portal.operatingLimitSeconds + 1);
    const blocked = await crm.exportDeals(await ctxOf(main.accountId), [draft(9), draft(7, { stageId: 'C1:WON' })]);
    expect(blocked).toEqual([
      {
        key: 'ozon:1:9',
        ok: false,
        error: 'OPERATION_TIME_LIMIT: Method is blocked due to operation time limit.',
        httpStatus: 429,
        retryable: true,
      },
      { key: 'ozon:1:7', ok: true, dealId: expect.any(String), created: false },
    ]);
    main.portal.resetOperatingTime('crm.deal.add');
    expect(await crm.exportDeals(await ctxOf(main.accountId), [draft(9)])).toEqual([
      { key: 'ozon:1:9', ok: true, dealId: expect.any(String), created: true },
    ]);
  });

  test('rides out a 503 limit, a broken answer, a 500, a timeout and a lost answer with zero duplicates; fails whole when the batch keeps failing', async () => {
    const list = pathOf(main.portal, 'crm.deal.list');
    const batch = pathOf(main.portal, 'batch');
    // The timed-out write hangs a little past the client's 300 ms, then is dropped unanswered (never made).
    sim.faults.set({ rate: 0, kinds: ['timeout'], slowMs: 400 });
    sim.faults.next('503', 2, [list]);
    sim.faults.next('malformed', 1, [list]);
    sim.faults.next('500', 1, [batch]);
    sim.faults.next('timeout', 1, [batch]);
    markLog();
    const drafts = [draft(10), draft(11), draft(1, { stageId: 'C1:WON' })];
    const outcomes = await crm.exportDeals(await ctxOf(main.accountId, { timeoutMs: 300 }), drafts);
    sim.faults.set(null);
    expect(outcomes.map((o) => [o.key, o.ok])).toEqual(drafts.map((d) => [d.key, true]));
    for (const d of drafts) expect(dealsWith(main.portal, d.key), d.key).toHaveLength(1);
    expect(dealsWith(main.portal, 'ozon:1:1')[0].fields.STAGE_ID).toBe('C1:WON');
    expect(since().map((e) => e.fault ?? e.status)).toEqual(expect.arrayContaining(['503', 'malformed', '500', 200]));

    // A write Bitrix24 made whose answer never came (the client gave up at 100 ms, the deals were made at 150): the
    // next round's lookup finds them, where sending the same batch again would have made each twice.
    sim.faults.set({ rate: 0, kinds: ['slow'], slowMs: 150 });
    sim.faults.next('slow', 1, [batch]);
    const lost = await crm.exportDeals(await ctxOf(main.accountId, { timeoutMs: 100 }), [draft(13), draft(14)]);
    sim.faults.set(null);
    expect(lost).toEqual(
      [13, 14].map((n) => ({ key: `ozon:1:${n}`, ok: true, dealId: expect.any(String), created: false })),
    );
    for (const n of [13, 14]) expect(dealsWith(main.portal, `ozon:1:${n}`)).toHaveLength(1);

    sim.faults.next('500', 3, [batch]);
    const failing = crm.exportDeals(await ctxOf(main.accountId), [draft(12)]);
    await expect(failing).rejects.toBeInstanceOf(ChannelHttpError);
    await expect(failing).rejects.toMatchObject({
      status: 500,
      retryable: true,
      message: expect.stringContaining('INTERNAL_SERVER_ERROR: Internal server error'),
    });
    expect(dealsWith(main.portal, 'ozon:1:12')).toEqual([]);
  });

  test('finds a deal by its key, by ORIGIN_ID or by a custom field, and names the field of an answer it cannot read', async () => {
    const ctx = await ctxOf(main.accountId);
    expect(await crm.findDeal(ctx, 'ozon:1:1')).toEqual({
      dealId: String(dealsWith(main.portal, 'ozon:1:1')[0].id),
      stageId: 'C1:WON',
      amount: '1234.56',
      currency: 'RUB',
    });
    expect(await crm.findDeal(ctx, 'ozon:1:none')).toBeNull();
    // A deal with the same ORIGIN_ID from another source is not Sklad's.
    main.portal.addDeal({ ORIGIN_ID: 'ozon:1:404', ORIGINATOR_ID: 'someone-else' });
    expect(await crm.findDeal(ctx, 'ozon:1:404')).toBeNull();

    const uf = await connect(
      'uf.bitrix24.ru',
      { userFields: ['UF_CRM_SKLAD_KEY'] },
      { fields: { orderKey: 'UF_CRM_SKLAD_KEY' } },
    );
    const ufCtx = await ctxOf(uf.accountId);
    const [made] = await crm.exportDeals(ufCtx, [draft(20, { categoryId: null, stageId: null })]);
    expect(uf.portal.dealBy('UF_CRM_SKLAD_KEY', 'ozon:1:20')?.id).toBe(Number((made as { dealId: string }).dealId));
    markLog();
    expect(await crm.findDeal(ufCtx, 'ozon:1:20')).toEqual({
      dealId: (made as { dealId: string }).dealId,
      stageId: 'NEW',
      amount: '1234.56',
      currency: 'RUB',
    });
    expect(since()[0].body).toMatchObject({ filter: { '@UF_CRM_SKLAD_KEY': ['ozon:1:20'] } });
    expect(await crm.exportDeals(ufCtx, [draft(20, { categoryId: null, stageId: 'WON' })])).toEqual([
      { key: 'ozon:1:20', ok: true, dealId: (made as { dealId: string }).dealId, created: false },
    ]);
    expect(uf.portal.deals()).toHaveLength(1);

    const deal = dealsWith(main.portal, 'ozon:1:2')[0];
    main.portal.editDeal(deal.id, { STAGE_ID: { broken: 'x' } });
    await expect(crm.findDeal(ctx, 'ozon:1:2')).rejects.toThrow(
      /crm\.deal\.list answered in an unknown shape: result\.0\.STAGE_ID: /,
    );
    main.portal.editDeal(deal.id, { STAGE_ID: 'C1:NEW' });
  });

  test('adds a timeline comment with the lower-case fields key, and says why Bitrix24 refused one', async () => {
    const ctx = await ctxOf(main.accountId);
    const dealId = String(dealsWith(main.portal, 'ozon:1:4')[0].id);
    markLog();
    const id = await crm.addComment(ctx, dealId, 'Ships from MAIN & co: 2 × SKU-1');
    expect(main.portal.commentsOn(Number(dealId))).toEqual([
      expect.objectContaining({ id: Number(id), comment: 'Ships from MAIN & co: 2 × SKU-1', entityType: 'deal' }),
    ]);
    expect(since()[0].body).toEqual({
      fields: { ENTITY_ID: Number(dealId), ENTITY_TYPE: 'deal', COMMENT: 'Ships from MAIN & co: 2 × SKU-1' },
    });
    await expect(crm.addComment(ctx, '99999', 'x')).rejects.toMatchObject({
      status: 400,
      retryable: false,
      message: expect.stringContaining('OWNER_NOT_FOUND: Owner of the element not found.'),
    });
  });

  test('lists the stages of every funnel, page by page', async () => {
    expect(await crm.stages(await ctxOf(main.accountId))).toEqual([
      ...contract.defaultStages.map((id) => ({ id, name: expect.any(String), categoryId: null })),
      ...['NEW', 'PREPARATION', 'EXECUTING', 'WON', 'LOSE', 'RETURNED'].map((id) => ({
        id: `C1:${id}`,
        name: id,
        categoryId: 1,
      })),
    ]);
    const many = await connect('many.bitrix24.ru', { funnels: Array.from({ length: 9 }, (_, i) => ({ id: i + 1 })) });
    markLog();
    const stages = await crm.stages(await ctxOf(many.accountId));
    expect(stages).toHaveLength(8 + 9 * 5);
    expect(stages.filter((s) => s.categoryId === 9).map((s) => s.id)).toEqual(
      ['NEW', 'PREPARATION', 'EXECUTING', 'WON', 'LOSE'].map((s) => `C9:${s}`),
    );
    expect(since().map((e) => (e.body as { start: number }).start)).toEqual([0, 50]);
  });

  test('keeps to the portal’s bucket of 50 and 2 a second: no 503 from it however many calls are asked at once', async () => {
    const busy = await connect('busy.bitrix24.ru');
    const ctx = await ctxOf(busy.accountId);
    const found = await Promise.all(
      Array.from({ length: contract.bucket.burst + 1 }, (_, i) => crm.findDeal(ctx, `k${i}`)),
    );
    expect(found.every((f) => f === null)).toBe(true);
    const answers = sim.log.filter((e) =>
      e.path.startsWith(`/rest/${busy.portal.webhook.userId}/${busy.portal.webhook.code}/`),
    );
    expect(answers.map((e) => e.status)).toEqual(answers.map(() => 200));
    expect(answers).toHaveLength(contract.bucket.burst + 1);
  });

  test('the demo’s portal takes the demo account as seeded: its funnel, its stage map and its id fields', async () => {
    const demo = bitrix24Module.demo!;
    const { sim: demoSim } = demo.simulator({ withOrders: false });
    const server = await demoSim.listen();
    try {
      const settings = demo.settings!(1) as { categoryId: number; stageMap: Record<string, string> };
      const account = await createAccount(
        hub.db,
        hub.masterKey!,
        { channel: 'bitrix24', name: 'Demo Bitrix24', baseUrl: server.url, credentials: demo.credentials, settings },
        'test',
      );
      const ctx = await ctxOf(account.id);
      expect(await bitrix24Connector.validate(ctx)).toMatchObject({ ok: true });
      const funnel = (await crm.stages(ctx)).filter((s) => s.categoryId === settings.categoryId);
      expect(Object.values(settings.stageMap)).toEqual(funnel.map((s) => s.id));
      const [made] = await crm.exportDeals(ctx, [
        draft(1, { categoryId: settings.categoryId, stageId: settings.stageMap.shipped }),
      ]);
      expect(made).toMatchObject({ ok: true, created: true });
      expect((demoSim as typeof sim).state.portal().deals()[0].fields).toMatchObject({
        STAGE_ID: 'C1:EXECUTING',
        UF_CRM_SKLAD_POSTING: '0100-1-1',
      });
    } finally {
      await server.close();
    }
  });

  test('never writes a webhook code into api_calls', async () => {
    const calls = await rows<{ url: string; error: string | null }>(hub.db, sql`select url, error from api_calls`);
    expect(calls.length).toBeGreaterThan(50);
    const codes = [...new Set(portals.flatMap((p) => p.webhooks.map((w) => w.code))), 'wrongcode0000000'];
    for (const call of calls) for (const code of codes) expect(`${call.url} ${call.error ?? ''}`).not.toContain(code);
    // The code is cut from every URL (an account on the webhook's own portal: the whole webhook URL, a secret as well).
    expect(calls.filter((c) => !/(\/rest\/\d+\/|^)\*\*\*\/?[a-z.]+$/.test(c.url))).toEqual([]);
  });

  test('sent only documented requests and got only documented answers', () => {
    // A method the digest names (a heading `## 2. crm.deal.add` or a `code` span).
    const documented = (method: string) => new RegExp(`[\\s\`]${method.replace(/\./g, '\\.')}[\\s\`]`).test(digest);
    const problems: string[] = [];
    for (const entry of sim.log) {
      const method = methodOfPath(entry.path) ?? entry.path;
      if (!documented(method)) problems.push(`${method}: not in the digest`);
      if (entry.method !== 'POST' || !/application\/json/.test(entry.headers['content-type'] ?? ''))
        problems.push(`${method}: not a JSON POST`);
      const body = entry.body as Record<string, unknown>;
      if (method === 'batch') {
        const cmd = Object.values(body.cmd as Record<string, string>);
        if (cmd.length > contract.maxBatch) problems.push(`batch of ${cmd.length}`);
        for (const c of cmd)
          if (!documented(c.split('?')[0])) problems.push(`batch: ${c.split('?')[0]} not in the digest`);
      }
      if (method === 'crm.timeline.comment.add' && (!body.fields || 'FIELDS' in body))
        problems.push('comment without the lower-case fields');
    }
    expect(problems).toEqual([]);
    expect(new Set(sim.log.map((e) => methodOfPath(e.path)))).toEqual(
      new Set(['crm.status.list', 'crm.deal.list', 'batch', 'crm.timeline.comment.add']),
    );
    expect(sim.log.flatMap((entry) => checkBitrixAnswer(entry))).toEqual([]);
  });
});
