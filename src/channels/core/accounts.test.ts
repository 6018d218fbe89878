import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { loadMasterKey } from '../../shared/master-key.ts';
import { maskSecret, sealJson, unsealJson } from '../../shared/secrets.ts';

/** How channel credentials are kept: sealed under the master key, which the embedded start makes once. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-master-key-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const capture = () => {
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }),
  );
  return { lines, logger };
};

it('the first embedded start makes a master key, keeps it beside the data (0600) with a warning, and reuses it', () => {
  const config = loadConfig({ SKLAD_DATA_DIR: dir } as NodeJS.ProcessEnv);
  const first = capture();
  const key = loadMasterKey(config, first.logger);
  expect(key).toHaveLength(32);
  const file = path.join(dir, 'master.key');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(first.lines.join('')).toMatch(/"level":40.*SKLAD_MASTER_KEY is not set/);
  expect(first.lines.join('')).not.toContain(key.toString('base64'));

  const second = capture();
  expect(loadMasterKey(config, second.logger).equals(key)).toBe(true);
  expect(second.lines).toEqual([]);
});

it('with DATABASE_URL the key must be given; a given key is used as it is', () => {
  const { logger } = capture();
  expect(() =>
    loadMasterKey(
      loadConfig({ SKLAD_DATA_DIR: dir, DATABASE_URL: 'postgres://x@127.0.0.1/db' } as NodeJS.ProcessEnv),
      logger,
    ),
  ).toThrow(/SKLAD_MASTER_KEY is not set/);
  const given = Buffer.alloc(32, 3);
  const config = loadConfig({
    SKLAD_DATA_DIR: dir,
    DATABASE_URL: 'postgres://x@127.0.0.1/db',
    SKLAD_MASTER_KEY: given.toString('base64'),
  } as NodeJS.ProcessEnv);
  expect(loadMasterKey(config, logger).equals(given)).toBe(true);
  expect(() => loadMasterKey({ ...config, SKLAD_MASTER_KEY: 'c2hvcnQ=' }, logger)).toThrow(/32 bytes/);
});

it('credentials are sealed with AES-256-GCM: no clear text, a fresh nonce each time, a wrong key or a changed byte fails', () => {
  const key = Buffer.alloc(32, 5);
  const credentials = { apiKey: 'SECRET-abcdef-123456', clientSecret: 'another-secret-7890' };
  const sealed = sealJson(key, credentials);
  expect(sealed).toMatch(/^v1\./);
  expect(sealed).not.toContain('SECRET');
  expect(sealJson(key, credentials)).not.toBe(sealed);
  expect(unsealJson(key, sealed)).toEqual(credentials);
  expect(() => unsealJson(Buffer.alloc(32, 6), sealed)).toThrow();
  const parts = sealed.split('.');
  const data = Buffer.from(parts[3], 'base64url');
  data[0] ^= 1;
  expect(() => unsealJson(key, [...parts.slice(0, 3), data.toString('base64url')].join('.'))).toThrow();
  expect(maskSecret(credentials.apiKey)).toBe('••••3456');
  expect(maskSecret('short')).toBe('••••');
});
