import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAccount } from '../channels/core/accounts.ts';
import { seedCatalog } from '../channels/core/testing.ts';
import { upsertOrder } from '../orders/service.ts';
import { testKinds, useTestDatabase } from '../test/databases.ts';

/** The support commands as a person runs them: the real CLI in a child process on PostgreSQL. */
describe.skipIf(!testKinds().includes('postgres'))(
  'the support CLI (sklad order …, sklad crm backlog, sklad packages …)',
  () => {
    const t = useTestDatabase('postgres');
    const masterKey = crypto.randomBytes(32);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-support-cli-'));
    let orderId = 0;

    const sklad = (...args: string[]) =>
      new Promise<{ code: number | null; out: string; stdout: string }>((resolve, reject) => {
        const env = {
          ...process.env,
          DATABASE_URL: t.url,
          SKLAD_MASTER_KEY: masterKey.toString('base64'),
          SKLAD_DATA_DIR: dataDir,
          LOG_LEVEL: 'error',
        };
        const child = spawn(process.execPath, ['bin/sklad.mjs', ...args], { env });
        let out = '';
        let stdout = '';
        child.stdout.on('data', (chunk) => ((out += chunk), (stdout += chunk)));
        child.stderr.on('data', (chunk) => (out += chunk));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, out, stdout }));
      });

    beforeAll(async () => {
      const db = t.database.db;
      const { productIds, warehouseId } = await seedCatalog(db, { count: 1, stock: () => 5 });
      const account = await createAccount(
        db,
        masterKey,
        { channel: 'ozon', name: 'Ozon', credentials: { clientId: '12345', apiKey: 'ozon-key-0000001' } },
        'seed',
      );
      orderId = (
        await db.transaction((tx) =>
          upsertOrder(
            tx,
            {
              accountId: account.id,
              channel: 'ozon',
              externalId: '0123-0001-1',
              postingNumber: '0123-0001-1',
              status: 'new',
              orderedAt: '2026-12-01T10:00:00Z',
              currency: 'RUB',
              totalMinor: 1000,
              warehouseId,
              lines: [{ productId: productIds[0], sku: 'SKU-1', name: 'Product SKU-1', quantity: 1, priceMinor: 1000 }],
            },
            'seed',
          ),
        )
      ).orderId;
    });
    afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

    test('finds an order by its posting number or its delivery number, and prints its trace', async () => {
      for (const id of ['0123-0001-1', 'OZ-0123-0001-1', String(orderId)]) {
        const found = await sklad('order', 'find', id, '--json');
        expect(found.code, found.out).toBe(0);
        // The answer is stdout; stderr says which path the command took (no hub: the database directly).
        expect(found.out).toContain('no hub running: opening the PostgreSQL database directly');
        expect(JSON.parse(found.stdout).map((o: { id: number }) => o.id)).toEqual([orderId]);
      }
      const trace = await sklad('order', 'trace', '0123-0001-1');
      expect(trace.code, trace.out).toBe(0);
      expect(trace.out).toMatch(/Order \d+ · Ozon 0123-0001-1 · new/);
      expect(trace.out).toMatch(/channel\s+ok/);
      expect(trace.out).toContain('order.created');
    }, 60_000);

    test('names what it cannot find or do, and exits 1', async () => {
      const missing = await sklad('order', 'find', 'NO-SUCH-ORDER');
      expect(missing.code).toBe(1);
      expect(missing.out).toContain('No order has the id "NO-SUCH-ORDER"');
      const noCrm = await sklad('crm', 'backlog');
      expect(noCrm.code).not.toBe(0);
      expect(noCrm.out).toContain('sklad: No active CRM account');
      const badId = await sklad('order', 'reimport', 'x', '1');
      expect(badId.code).not.toBe(0);
      expect(badId.out).toContain('a positive whole number');
      const noPackage = await sklad('packages', 'find', 'OZ-0123-0001-1');
      expect(noPackage.out).not.toMatch(/Error:|at .*\.ts:\d+/);
    }, 60_000);
  },
);
