import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { brandWords, englishWordsIn } from '../test/english-words.ts';
import { exited } from '../test/worker-processes.ts';

/**
 * The CLI in a second terminal, as issue 16 met it: `sklad start` (PGlite in a fresh data
 * directory, the demo on, as `npm start` runs it) in one child process, and `sklad …` commands
 * in others beside it. They ask the running hub over its API; with the hub stopped (or only a
 * stale lock left) they open the database themselves. In Russian they say no English word of
 * their own (the panel's check, src/test/english-words.ts).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-cli-hub-'));
const children: ChildProcess[] = [];

function env(): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    SKLAD_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    SKLAD_DEMO: '1',
  };
  // English unless a test asks for Russian (src/cli/lang.ts reads these).
  for (const name of [
    'SKLAD_LANG',
    'LC_ALL',
    'LC_MESSAGES',
    'LANG',
    'DATABASE_URL',
    'SKLAD_MASTER_KEY',
    'TELEGRAM_BOT_TOKEN',
    'TELEGRAM_API_ROOT',
    'BOT_WEBHOOK_URL',
    'WIX_API_KEY',
    'WIX_SITE_ID',
  ])
    delete base[name];
  return base;
}

/** One command, run to its end: its exit code, stdout (the answer) and stderr (which path it took, the bars). */
const sklad = (...args: string[]) => skladWith({}, ...args);
const skladWith = (extra: NodeJS.ProcessEnv, ...args: string[]) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/sklad.mjs', ...args], { cwd: root, env: { ...env(), ...extra } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });

let hub: ChildProcess;
let hubUrl = '';

async function startHub(): Promise<void> {
  hub = spawn(process.execPath, ['bin/sklad.mjs', 'start'], {
    cwd: root,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(hub);
  let out = '';
  hub.stdout!.on('data', (chunk) => (out += chunk));
  hub.stderr!.on('data', (chunk) => (out += chunk));
  const banner = await new Promise<string>((resolve, reject) => {
    hub.stdout!.on('data', () => {
      const found = /\nSklad is running[\s\S]*?\n\n/.exec(out);
      if (found) resolve(found[0]);
    });
    hub.once('exit', (code) => reject(new Error(`sklad start exited with ${code} before its banner:\n${out}`)));
  });
  hubUrl = /Admin panel: (http:\/\/\S+?)\/?\n/.exec(banner)![1];
}

beforeAll(startHub, 240_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the CLI beside a running `sklad start`', () => {
  let ozonId = 0;

  test('the hub names its address beside the lock and keeps a CLI key only its owner can read', () => {
    const announced = JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.json'), 'utf8'));
    expect(announced).toMatchObject({ pid: hub.pid, url: hubUrl });
    const key = path.join(dataDir, 'cli.key');
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(key, 'utf8').trim()).toMatch(/^sk_/);
  });

  test('`keys list` asks the hub: a table by default, JSON with --json, the CLI key among the keys', async () => {
    const text = await sklad('keys', 'list');
    expect(text.code, text.err).toBe(0);
    expect(text.err).toContain(`via the running hub at ${hubUrl}`);
    expect(text.out).toMatch(/^ID\s+ROLE\s+NAME\s+PREFIX/);
    expect(text.out).toMatch(/\badmin\s+cli \(local\)\s+sk_/);

    const json = await sklad('keys', 'list', '--json');
    expect(json.code, json.err).toBe(0);
    const keys = JSON.parse(json.out) as {
      name: string;
      role: string;
      revoked_at: string | null;
      key_prefix: string;
    }[];
    const cli = keys.filter((k) => k.name === 'cli (local)' && !k.revoked_at);
    expect(cli).toHaveLength(1);
    expect(cli[0].role).toBe('admin');
    // The key is hashed in the database: only its prefix is shown.
    expect(fs.readFileSync(path.join(dataDir, 'cli.key'), 'utf8').startsWith(cli[0].key_prefix)).toBe(true);
  }, 60_000);

  test('`ozon test` checks the demo Ozon account through the hub (its simulator lives there)', async () => {
    const json = await sklad('ozon', 'test', '--json');
    expect(json.code, json.err + json.out).toBe(0);
    expect(json.err).toContain(`via the running hub at ${hubUrl}`);
    const results = JSON.parse(json.out) as { account_id: number; name: string; ok: boolean; text: string }[];
    expect(results).toEqual([expect.objectContaining({ name: 'Demo Ozon', ok: true })]);
    ozonId = results[0].account_id;

    const text = await sklad('ozon', 'test', '--account', String(ozonId));
    expect(text.out).toMatch(new RegExp(`^Ozon account ${ozonId} "Demo Ozon": OK — Ozon answered:`));
    expect(text.code).toBe(0);
  }, 60_000);

  test('`sync ID` runs the full sync in the hub and prints its sync run; `sync ozon ID` runs each part there', async () => {
    const json = await sklad('sync', String(ozonId), '--json');
    expect(json.code, json.err + json.out).toBe(0);
    expect(json.err).toContain(`via the running hub at ${hubUrl}`);
    const runs = JSON.parse(json.out) as { type: string; status: string; job_id: number; fetched: number }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ type: 'channels.sync', status: 'succeeded' });
    expect(runs[0].fetched).toBeGreaterThan(0);
    expect(json.err).toMatch(/full sync done/);

    const text = await sklad('sync', String(ozonId));
    expect(text.out).toMatch(new RegExp(`^Account ${ozonId} full sync: succeeded, fetched \\d+, created \\d+`));

    const ozon = await sklad('sync', 'ozon', String(ozonId));
    expect(ozon.code, ozon.err + ozon.out).toBe(0);
    expect(ozon.out).toMatch(/stock\s+succeeded\s+fetched \d+/);
    expect(ozon.out).toMatch(/postings\s+succeeded\s+fetched \d+/);
    expect(ozon.out).toMatch(/listings\s+succeeded\s+fetched \d+/);
    expect(ozon.out).toMatch(/done in \d+\.\d s/);
    // Each part's summary line counts against the part's real total.
    for (const [, done, total] of ozon.err.matchAll(/done: (\d+) of (\d+)/g))
      expect(Number(done)).toBeLessThanOrEqual(Number(total));
  }, 240_000);

  test('`stock` lists the rows with their source and stock type through the hub, filtered as the API filters (seed 002)', async () => {
    const json = await sklad('stock', '--source', 'ozon', '--json');
    expect(json.code, json.err + json.out).toBe(0);
    expect(json.err).toContain(`via the running hub at ${hubUrl}`);
    const rows = JSON.parse(json.out) as {
      items: {
        source: string;
        stock_type: string;
        on_hand: number;
        reserved: number;
        available: number;
        promised: number;
      }[];
      total: number;
    };
    expect(rows.items.length).toBeGreaterThan(0);
    expect(new Set(rows.items.map((r) => r.source))).toEqual(new Set(['ozon']));
    for (const r of rows.items) expect(['FBO', 'FBS', 'realFBS']).toContain(r.stock_type);

    const ru = await skladWith({ SKLAD_LANG: 'ru' }, 'stock', '--type', 'FBO', '--limit', '5');
    expect(ru.code, ru.err + ru.out).toBe(0);
    expect(ru.out).toMatch(/^Артикул\s+Товар\s+Склад\s+Источник\s+Тип\s+В наличии\s+В резерве\s+Доступно\s+В пути/);
    expect(ru.out).toMatch(/\bozon\s+FBO\s+\d+/);
    expect(ru.out).toMatch(/Показано \d+ из \d+\s*$/);
    const none = await sklad('stock', '--source', 'no-such-source');
    expect(none.out.trim()).toBe('No stock rows like that');
  }, 60_000);

  test('in Russian, `sync ID`, `keys list`, `ozon test ID` and `--help` say no English word of their own; in English the same', async () => {
    // The data's own words are not the CLI's: the names the keys and the accounts were given, the keys' prefixes.
    const allowed = new Set(brandWords);
    const keys = JSON.parse((await sklad('keys', 'list', '--json')).out) as { name: string; key_prefix: string }[];
    for (const { key_prefix } of keys) allowed.add(key_prefix.toLowerCase());
    const accounts = JSON.parse((await sklad('ozon', 'test', '--json')).out) as { name: string }[];
    for (const { name } of [...keys, ...accounts])
      for (const word of name.toLowerCase().split(/[^a-z'-]+/)) if (word) allowed.add(word);

    const ru = { SKLAD_LANG: 'ru' };
    const said = {
      sync: await sklad('--lang', 'ru', 'sync', String(ozonId)),
      keys: await skladWith(ru, 'keys', 'list'),
      ozon: await skladWith(ru, 'ozon', 'test', String(ozonId)),
    };
    const problems: string[] = [];
    for (const [command, { code, out, err }] of Object.entries(said)) {
      expect(code, `${command}: ${err}${out}`).toBe(0);
      for (const word of englishWordsIn([terminalProse(out), terminalProse(err)], allowed))
        problems.push(`${command}: ${word}`);
    }
    expect(said.sync.err).toContain(`(через работающий хаб ${hubUrl}`);
    expect(said.sync.err).toMatch(/полная синхронизация: готово/);
    expect(said.sync.out).toMatch(new RegExp(`^Кабинет ${ozonId}, полная синхронизация: успешно, получено \\d+`));
    expect(said.keys.out).toMatch(/^ID\s+РОЛЬ\s+ИМЯ\s+НАЧАЛО/);
    expect(said.keys.out).toMatch(/администратор\s+cli \(local\)\s+sk_/);
    expect(said.ozon.out).toMatch(new RegExp(`^Кабинет Ozon ${ozonId} «Demo Ozon»: в порядке — Ozon ответил:`));

    const help = await sklad('--lang', 'ru', '--help');
    expect(help.code, help.err).toBe(0);
    expect(help.out).toMatch(/^Использование: sklad \[параметры\] \[команда\]/);
    for (const word of englishWordsIn([terminalProse(helpDescriptions(help.out))], allowed))
      problems.push(`--help: ${word}`);
    expect(problems).toEqual([]);

    // The same commands in English: English words, no Russian one.
    const en = [
      await sklad('sync', String(ozonId)),
      await sklad('keys', 'list'),
      await sklad('ozon', 'test', String(ozonId)),
      await sklad('--help'),
    ];
    for (const { code, out, err } of en) {
      expect(code, err + out).toBe(0);
      expect(out + err).not.toMatch(/[А-Яа-яЁё]/);
    }
    expect(en[2].out).toMatch(new RegExp(`^Ozon account ${ozonId} "Demo Ozon": OK — Ozon answered:`));
    expect(en[3].out).toMatch(/^Usage: sklad \[options\] \[command\]/);
  }, 120_000);

  test('an error of the hub is said as the API says it, with exit code 1', async () => {
    const noJob = await sklad('sync', String(ozonId), 'nosuchjob');
    expect(noJob.code).toBe(1);
    expect(noJob.err).toContain('sklad: The ozon channel has no job "nosuchjob"');
    const missing = await sklad('order', 'find', 'NO-SUCH-ORDER');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('No order has the id "NO-SUCH-ORDER"');
  }, 60_000);
});

describe('the CLI with no hub running', () => {
  test('with the hub stopped it opens the database itself; a stale lock and address are said and cleared', async () => {
    hub.kill('SIGTERM');
    await exited(hub);
    expect(hub.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'hub.json'))).toBe(false);

    const direct = await sklad('keys', 'list', '--json');
    expect(direct.code, direct.err).toBe(0);
    expect(direct.err).toContain(`no hub running: opening the embedded database in ${dataDir} directly`);
    expect((JSON.parse(direct.out) as { name: string }[]).map((k) => k.name)).toContain('cli (local)');

    // A hub killed outright leaves its lock and address behind, naming a process that is gone.
    const gone = spawn(process.execPath, ['-e', '0']);
    await exited(gone);
    fs.writeFileSync(path.join(dataDir, 'sklad.pid'), String(gone.pid));
    fs.writeFileSync(
      path.join(dataDir, 'hub.json'),
      JSON.stringify({ pid: gone.pid, url: 'http://127.0.0.1:9', started_at: new Date().toISOString() }),
    );
    const stale = await sklad('keys', 'list');
    expect(stale.code, stale.err).toBe(0);
    expect(stale.err).toMatch(
      new RegExp(`names process ${gone.pid} at http://127.0.0.1:9, which is not running \\(stale\\)`),
    );
    expect(stale.err).toMatch(
      new RegExp(`the lock .*sklad.pid names process ${gone.pid}, which is not running \\(stale\\)`),
    );
    expect(stale.out).toMatch(/cli \(local\)/);
    expect(fs.existsSync(path.join(dataDir, 'hub.json'))).toBe(false);
  }, 120_000);
});

/**
 * What of a terminal's text is prose: not the code a command line holds (`--json`, `<accountId>`,
 * `[job]`, a 'quoted' literal), as the panel's check skips <code>.
 */
function terminalProse(text: string): string {
  // A quoted literal may be wrapped onto the next line of a `--help`.
  return text.replace(/--\S+|<[^>\n]*>|\[[^\]\n]*\]|'[^'\n]*(?:\n[^'\n]*)?'|`[^`\n]*`/g, ' ');
}

/** A `--help`'s text without its terms (the commands' and options' names, the left column). */
function helpDescriptions(help: string): string {
  return help.replace(/^ {2}\S.*?(?: {2,}|$)/gm, '');
}
