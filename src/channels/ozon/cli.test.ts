import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createOzonSimulator } from '../../../simulators/ozon/server.ts';
import { OzonState, seedOzon } from '../../../simulators/ozon/state.ts';
import { rows } from '../../db/database.ts';
import { useTestDatabase } from '../../test/databases.ts';
import { createAccount } from '../core/accounts.ts';
import { seedCatalog } from '../core/testing.ts';

/** `sklad ozon test` and `sklad ozon sync` as a person runs them: the real CLI in a child process on PostgreSQL. */
describe('the Ozon CLI', () => {
  const t = useTestDatabase('postgres');
  const sim = createOzonSimulator({
    state: seedOzon(new OzonState(), { products: 25, fboWarehouses: 3, postings: 6, offerId: (i) => `SKU-${i}` }),
  });
  const masterKey = crypto.randomBytes(32);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-ozon-cli-'));
  let close: () => Promise<void>;
  const ids = { good: 0, wrong: 0 };

  // util-linux `script` runs the command in a pseudo-terminal, where the progress bar is drawn.
  const sklad = (...args: string[]) => run(false, args);
  const skladInTerminal = (...args: string[]) => run(true, args);
  const run = (terminal: boolean, args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const env = {
        ...process.env,
        DATABASE_URL: t.url,
        SKLAD_MASTER_KEY: masterKey.toString('base64'),
        SKLAD_DATA_DIR: dataDir,
        LOG_LEVEL: 'error',
      };
      const command = [process.execPath, 'bin/sklad.mjs', ...args];
      const child = terminal
        ? spawn('script', ['-qefc', command.map((a) => `'${a}'`).join(' '), '/dev/null'], { env })
        : spawn(command[0], command.slice(1), { env });
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (out += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out }));
    });

  beforeAll(async () => {
    const server = await sim.listen();
    close = server.close;
    await seedCatalog(t.database.db, { count: 25, stock: () => 4 });
    const add = async (name: string, apiKey: string) =>
      (
        await createAccount(
          t.database.db,
          masterKey,
          { channel: 'ozon', name, baseUrl: server.url, credentials: { clientId: sim.clientId, apiKey } },
          'test',
        )
      ).id;
    ids.good = await add('Ozon main', sim.apiKey);
    ids.wrong = await add('Ozon old key', 'revoked-key-0000');
  });
  afterAll(async () => {
    await close?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('`ozon test` says OK for good keys and FAILED with the reason for refused ones', async () => {
    const all = await sklad('ozon', 'test');
    expect(all.out).toContain(`Ozon account ${ids.good} "Ozon main": OK — Ozon answered:`);
    expect(all.out).toMatch(
      new RegExp(
        `Ozon account ${ids.wrong} "Ozon old key": FAILED — Ozon refused the Client-Id and Api-Key \\(HTTP 403`,
      ),
    );
    expect(all.code).toBe(1);

    const one = await sklad('ozon', 'test', '--account', String(ids.good));
    expect(one.out).not.toContain('Ozon old key');
    expect(one.code).toBe(0);
  }, 120_000);

  test('`sync ozon ID` runs a full sync with a progress bar and prints its counts', async () => {
    const { code, out } = await skladInTerminal('sync', 'ozon', String(ids.good));
    // The bar (cli-progress, shades preset) as drawn while each part runs.
    expect(out).toMatch(/stock\s+\[[█░]+\] \d+\/\d+ Ozon stocks/);
    // Postings report no total: no bar is drawn against a made-up one; each part ends with its summary line.
    expect(out).not.toMatch(/postings\s+\[[█░]+\]/);
    expect(out).toMatch(/stock\s+done: 25 of 25/);
    expect(out).toMatch(/postings done, 6 counted/);
    expect(out).toMatch(/stock\s+succeeded\s+fetched \d+/);
    expect(out).toMatch(/postings\s+succeeded\s+fetched 6, created 6/);
    expect(out).toMatch(/listings\s+succeeded\s+fetched \d+, created 25, updated 0, pushed 25/);
    expect(out).toMatch(/done in \d+\.\d s/);
    expect(code).toBe(0);
    const runs = await rows<{ type: string }>(
      t.database.db,
      sql`select type from sync_runs where account_id = ${ids.good} order by id`,
    );
    expect(runs.map((r) => r.type)).toEqual(['ozon.stocks', 'ozon.postings', 'channels.sync']);
  }, 180_000);

  test('`ozon sync --account ID` does the same without a terminal; the re-run creates and pushes nothing', async () => {
    const { code, out } = await sklad('ozon', 'sync', '--account', String(ids.good));
    expect(out).not.toMatch(/[█░]/);
    // Postings: only those changed since the last run; listings: Ozon already has Sklad's quantities on its FBS warehouse.
    expect(out).toMatch(/postings\s+succeeded\s+fetched 0, created 0, updated 0/);
    expect(out).toMatch(/listings\s+succeeded\s+fetched \d+, created 0, updated \d+, pushed 0, failed 0/);
    expect(code).toBe(0);
  }, 180_000);

  test('`sync NAME` names the channels it knows', async () => {
    const { code, out } = await sklad('sync', 'nosuch');
    expect(out).toMatch(/accountId is a positive whole number, or a channel: ozon/);
    expect(code).not.toBe(0);
  }, 60_000);
});
