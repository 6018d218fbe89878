import { sql } from 'drizzle-orm';
import { beforeAll, expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { setManyMirrorLevels } from './levels.ts';
import { ensureWarehouse, getLevels, recordMovement, setMirrorLevels } from './movements.ts';

describeEachDatabase('stock ledger service', (t) => {
  let productIds: number[];
  let mainId: number;

  const db = () => t.database.db;
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail('expected a refusal'),
      (error: unknown) => {
        expect(error).toBeInstanceOf(DomainError);
        return error as DomainError;
      },
    );

  beforeAll(async () => {
    productIds = (
      await rows<{ id: number }>(
        db(),
        sql`insert into products (sku, name) values ('A-1', 'A'), ('B-1', 'B'), ('C-1', 'C') returning id`,
      )
    ).map((r) => r.id);
    mainId = (await ensureWarehouse(db(), { code: 'MAIN', name: 'Main', kind: 'own', readOnly: false })).id;
  });

  test('ensureWarehouse makes a warehouse once and refuses to turn an own one into a mirror', async () => {
    const again = await ensureWarehouse(db(), { code: 'main', name: 'Other name', kind: 'own', readOnly: false });
    expect(again.id).toBe(mainId);
    expect(again.name).toBe('Main');
    const error = await refusal(ensureWarehouse(db(), { code: 'MAIN', name: 'Main', kind: 'mirror', readOnly: true }));
    expect(error.code).toBe('WAREHOUSE_CODE_TAKEN');
  });

  test('a reference makes a movement happen once; the replay returns the first rows, a transfer both of them', async () => {
    const [a] = productIds;
    const shop = await ensureWarehouse(db(), { code: 'SHOP', name: 'Shop', kind: 'own', readOnly: false });
    const receipt = {
      type: 'receipt',
      productId: a,
      warehouseId: mainId,
      quantity: 5,
      reference: 'delivery:7',
    } as const;
    const first = await db().transaction((tx) => recordMovement(tx, receipt, 'import'));
    const second = await db().transaction((tx) => recordMovement(tx, { ...receipt, quantity: 50 }, 'import'));
    expect(first.replayed).toBe(false);
    expect(second).toEqual({ movements: first.movements, replayed: true });
    // the same reference under another type is another event
    await db().transaction((tx) => recordMovement(tx, { ...receipt, type: 'write_off', quantity: 1 }, 'import'));

    const move = {
      type: 'transfer',
      productId: a,
      warehouseId: mainId,
      toWarehouseId: shop.id,
      quantity: 2,
      reference: 'move:1',
    } as const;
    const moved = await db().transaction((tx) => recordMovement(tx, move, 'import'));
    const replay = await db().transaction((tx) => recordMovement(tx, move, 'import'));
    expect(replay.movements).toEqual(moved.movements);
    expect(replay.movements.map((m) => m.quantity)).toEqual([-2, 2]);
    expect(await getLevels(db(), { productIds: [a] })).toEqual([
      expect.objectContaining({ warehouse_id: mainId, on_hand: 2, available: 2 }),
      expect.objectContaining({ warehouse_id: shop.id, on_hand: 2 }),
    ]);
  });

  test('a refusal inside a larger transaction leaves nothing written, and the caller may go on', async () => {
    const [, b] = productIds;
    await db().transaction(async (tx) => {
      await recordMovement(tx, { type: 'receipt', productId: b, warehouseId: mainId, quantity: 1 }, 'test');
      const error = await refusal(
        recordMovement(tx, { type: 'sale', productId: b, warehouseId: mainId, quantity: 2 }, 'test'),
      );
      expect(error).toMatchObject({ code: 'STOCK_INSUFFICIENT', status: 409 });
      await recordMovement(tx, { type: 'sale', productId: b, warehouseId: mainId, quantity: 1 }, 'test');
    });
    const [{ n }] = await rows<{ n: number }>(
      db(),
      sql`select count(*)::int as n from stock_movements where product_id = ${b}`,
    );
    expect(n).toBe(2);
  });

  test('a rolled-back transaction leaves neither ledger, level nor outbox row', async () => {
    const [, , c] = productIds;
    await expect(
      db().transaction(async (tx) => {
        await recordMovement(tx, { type: 'receipt', productId: c, warehouseId: mainId, quantity: 3 }, 'test');
        throw new Error('the caller changed its mind');
      }),
    ).rejects.toThrow(/changed its mind/);
    const [counts] = await rows<{ moves: number; levels: number; outbox: number }>(
      db(),
      sql`
      select (select count(*)::int from stock_movements where product_id = ${c}) as moves,
             (select count(*)::int from stock_levels where product_id = ${c}) as levels,
             (select count(*)::int from outbox where key = ${String(c)}) as outbox`,
    );
    expect(counts).toEqual({ moves: 0, levels: 0, outbox: 0 });
  });

  test('the ledger cannot be edited or deleted, and a level cannot go negative, even in plain SQL', async () => {
    // drizzle wraps the database's error: its message is the cause's
    const failure = (query: ReturnType<typeof sql>) =>
      db()
        .execute(query)
        .then(
          () => 'no error',
          (error: Error) => String((error.cause as Error | undefined)?.message ?? error.message),
        );
    expect(await failure(sql`update stock_movements set quantity = 1000`)).toMatch(/append-only/);
    expect(await failure(sql`delete from stock_movements`)).toMatch(/append-only/);
    expect(await failure(sql`truncate stock_movements`)).toMatch(/append-only/);
    expect(await failure(sql`update stock_levels set on_hand = -1`)).toMatch(/stock_never_negative/);
    expect(await failure(sql`update stock_levels set reserved = on_hand + 1`)).toMatch(/stock_never_negative/);
  });

  test('bad input from code is refused before anything is written', async () => {
    const [a] = productIds;
    const cases = [
      { type: 'receipt', productId: a, warehouseId: mainId, quantity: -1 },
      { type: 'receipt', productId: a, warehouseId: mainId, quantity: 0.5 },
      { type: 'receipt', productId: a, warehouseId: mainId, quantity: 0 },
      { type: 'adjustment', productId: a, warehouseId: mainId, quantity: 1 },
      { type: 'transfer', productId: a, warehouseId: mainId, quantity: 1 },
    ] as const;
    for (const input of cases)
      await expect(db().transaction((tx) => recordMovement(tx, input, 'test'))).rejects.toThrow();
  });

  test('mirror levels are set without sales: one adjustment per changed level, each announced', async () => {
    const [a, b, c] = productIds;
    const fbo = await ensureWarehouse(db(), {
      code: 'ozon:fbo:1',
      name: 'Ozon FBO',
      kind: 'mirror',
      source: 'ozon:fbo',
      readOnly: true,
    });
    const first = await db().transaction((tx) =>
      setMirrorLevels(tx, fbo.id, [
        { productId: a, onHand: 10, reserved: 2 },
        { productId: b, onHand: 4, reserved: 0 },
        { productId: c, onHand: 0, reserved: 0 },
      ]),
    );
    expect(first).toEqual({ changed: 2, productIds: [a, b] });
    const second = await db().transaction((tx) =>
      setMirrorLevels(tx, fbo.id, [
        { productId: a, onHand: 7, reserved: 2 },
        { productId: b, onHand: 4, reserved: 0 },
      ]),
    );
    expect(second.productIds).toEqual([a]);
    expect(await getLevels(db(), { warehouseIds: [fbo.id] })).toEqual([
      expect.objectContaining({ product_id: a, on_hand: 7, reserved: 2, available: 5 }),
      expect.objectContaining({ product_id: b, on_hand: 4, reserved: 0, available: 4 }),
    ]);
    const ledger = await rows<{ type: string; quantity: number; reserved_delta: number; reason: string }>(
      db(),
      sql`
      select type, quantity, reserved_delta, reason from stock_movements where warehouse_id = ${fbo.id} and product_id = ${a} order by id`,
    );
    expect(ledger).toEqual([
      { type: 'adjustment', quantity: 10, reserved_delta: 2, reason: 'mirror sync' },
      { type: 'adjustment', quantity: -3, reserved_delta: 0, reason: 'mirror sync' },
    ]);
    const [{ n }] = await rows<{ n: number }>(
      db(),
      sql`
      select count(*)::int as n from outbox where topic = 'stock.changed' and payload->'warehouseIds' = ${JSON.stringify([fbo.id])}::jsonb`,
    );
    expect(n).toBe(3);

    // people cannot move mirror stock; syncs cannot set an own warehouse's levels or unknown products
    const manual = await refusal(
      db().transaction((tx) =>
        recordMovement(tx, { type: 'sale', productId: a, warehouseId: fbo.id, quantity: 1 }, 'x'),
      ),
    );
    expect(manual.code).toBe('WAREHOUSE_READ_ONLY');
    const own = await refusal(
      db().transaction((tx) => setMirrorLevels(tx, mainId, [{ productId: a, onHand: 1, reserved: 0 }])),
    );
    expect(own.code).toBe('WAREHOUSE_NOT_MIRROR');
    const unknown = await refusal(
      db().transaction((tx) => setMirrorLevels(tx, fbo.id, [{ productId: 999999, onHand: 1, reserved: 0 }])),
    );
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', details: { product_ids: [999999] } });
  });

  test('many mirrors in one write: a ledger row and a message per changed level, the ledger explains each level, a replay writes nothing', async () => {
    const [a, b] = productIds;
    const w1 = (
      await ensureWarehouse(db(), {
        code: 'ozon:fbo:many-1',
        name: 'FBO 1',
        kind: 'mirror',
        source: 'ozon:analytics',
        readOnly: true,
      })
    ).id;
    const w2 = (
      await ensureWarehouse(db(), {
        code: 'ozon:fbo:many-2',
        name: 'FBO 2',
        kind: 'mirror',
        source: 'ozon:analytics',
        readOnly: true,
      })
    ).id;
    const reading = (onHandA: number) => [
      {
        warehouseId: w2,
        levels: [
          { productId: a, onHand: onHandA, reserved: 1 },
          { productId: b, onHand: 0, reserved: 0 },
        ],
      },
      {
        warehouseId: w1,
        levels: [
          { productId: b, onHand: 5, reserved: 0, promised: 3 },
          { productId: a, onHand: 2, reserved: 0 },
        ],
      },
    ];
    const messages = async () =>
      rows<{ key: string; payload: unknown }>(
        db(),
        sql`
      select key, payload from outbox where topic = 'stock.changed' and (payload->'warehouseIds'->>0)::bigint = any(${sql.param([w1, w2])}::bigint[]) order by id`,
      );
    expect(await db().transaction((tx) => setManyMirrorLevels(tx, reading(4), 'test'))).toEqual({
      changed: 3,
      productIds: [a, b],
    });
    expect(await db().transaction((tx) => setManyMirrorLevels(tx, reading(4), 'test'))).toEqual({
      changed: 0,
      productIds: [],
    });
    expect(await db().transaction((tx) => setManyMirrorLevels(tx, reading(6), 'test'))).toEqual({
      changed: 1,
      productIds: [a],
    });
    expect((await messages()).map((m) => [Number(m.key), m.payload])).toEqual([
      [a, { warehouseIds: [w1] }],
      [b, { warehouseIds: [w1] }],
      [a, { warehouseIds: [w2] }],
      [a, { warehouseIds: [w2] }],
    ]);
    const explained = await rows<{ ok: boolean }>(
      db(),
      sql`
      select bool_and(l.on_hand = m.on_hand and l.reserved = m.reserved) as ok
        from stock_levels l
        join (select product_id, warehouse_id, sum(quantity) as on_hand, sum(reserved_delta) as reserved from stock_movements group by 1, 2) m
          using (product_id, warehouse_id)
       where l.warehouse_id = any(${sql.param([w1, w2])}::bigint[])`,
    );
    expect(explained).toEqual([{ ok: true }]);
    expect(await getLevels(db(), { warehouseIds: [w1, w2] })).toEqual([
      expect.objectContaining({ product_id: a, warehouse_id: w1, on_hand: 2 }),
      expect.objectContaining({ product_id: a, warehouse_id: w2, on_hand: 6, reserved: 1 }),
      expect.objectContaining({ product_id: b, warehouse_id: w1, on_hand: 5 }),
    ]);
    const own = await refusal(
      db().transaction((tx) => setManyMirrorLevels(tx, [...reading(1), { warehouseId: mainId, levels: [] }])),
    );
    expect(own.code).toBe('WAREHOUSE_NOT_MIRROR');
  });
});
