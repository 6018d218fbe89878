import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { testKinds, useTestDatabase } from '../../test/databases.ts';

/**
 * `sklad start` with half a Wix configuration in the environment stops at once, exit code 1,
 * naming the variable that is missing (docs/decisions/061). Run as the real command, in a
 * child process, on the machine's PostgreSQL when there is one (else the embedded database).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const usePostgres = testKinds().includes('postgres');

describe('sklad start with an incomplete Wix configuration', () => {
  const t = usePostgres ? useTestDatabase('postgres') : null;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sklad-wix-env-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const start = (wix: Record<string, string>) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        SKLAD_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        SKLAD_DEMO: '0',
        LOG_LEVEL: 'warn',
        ...wix,
      };
      for (const name of ['WIX_API_KEY', 'WIX_SITE_ID', 'WIX_BASE_URL']) if (!(name in wix)) delete env[name];
      if (t) Object.assign(env, { DATABASE_URL: t.url, SKLAD_MASTER_KEY: Buffer.alloc(32, 5).toString('base64') });
      else delete env.DATABASE_URL;
      const child = spawn(process.execPath, ['bin/sklad.mjs', 'start'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      // A start that got past the check would keep running: stop it once it says so.
      child.stdout.on('data', () => {
        if (output.includes('Sklad is running')) child.kill('SIGTERM');
      });
      child.on('exit', (code) => resolve({ code, output }));
    });

  it('fails naming WIX_SITE_ID when only WIX_API_KEY is set, and WIX_API_KEY when only WIX_SITE_ID is', async () => {
    const noSite = await start({ WIX_API_KEY: 'IST.some-key-of-the-seller' });
    expect(noSite.code).toBe(1);
    expect(noSite.output).toMatch(/Missing Wix configuration: WIX_SITE_ID is not set/);
    expect(noSite.output).not.toContain('Sklad is running');
    expect(noSite.output).not.toContain('IST.some-key-of-the-seller');

    const noKey = await start({ WIX_SITE_ID: '6b7c0a4e-0000-4000-8000-000000000001' });
    expect(noKey.code).toBe(1);
    expect(noKey.output).toMatch(/Missing Wix configuration: WIX_API_KEY is not set/);
  }, 120_000);

  it('fails naming WIX_BASE_URL when it is not a URL', async () => {
    const bad = await start({
      WIX_API_KEY: 'IST.some-key-of-the-seller',
      WIX_SITE_ID: '6b7c0a4e-0000-4000-8000-000000000001',
      WIX_BASE_URL: 'wixapis',
    });
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/WIX_BASE_URL must be an http\(s\) URL/);
  }, 120_000);
});
