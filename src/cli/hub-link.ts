import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { authenticate, createApiKey, listApiKeys, revokeApiKey } from '../access/api-keys.ts';
import type { Config } from '../config.ts';
import type { Hub } from '../hub.ts';
import { say } from './lang.ts';

/**
 * How a CLI command in a second terminal finds a running `sklad start` (docs/decisions/175):
 * the hub writes its address to `hub.json` beside the data directory's lock (`sklad.pid`), and
 * a key of its own for the CLI (admin, named "cli (local)", hashed in the database like every
 * key) to `cli.key`, readable by the owner only. A command that finds both, with the hub's
 * process alive, asks the hub over its API; otherwise it opens the database itself.
 */

export const cliKeyName = 'cli (local)';
const hubFile = (config: Config) => path.join(config.dataDir, 'hub.json');
const keyFile = (config: Config) => path.join(config.dataDir, 'cli.key');
const lockFile = (config: Config) => path.join(config.dataDir, 'sklad.pid');

const HubFile = z.object({ pid: z.number().int().positive(), url: z.string().url(), started_at: z.string() });

/** Writes `hub.json` and the CLI's key (kept across starts while it still authenticates); returns how to remove `hub.json`. */
export async function announceHub(hub: Hub, url: string): Promise<() => void> {
  const { config } = hub;
  fs.mkdirSync(config.dataDir, { recursive: true });
  await ensureCliKey(hub);
  const file = hubFile(config);
  const body: z.infer<typeof HubFile> = { pid: process.pid, url, started_at: new Date().toISOString() };
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  return () => {
    // Only this process's file: a later hub may have written its own.
    const now = readHubFile(config);
    if (now?.pid === process.pid) fs.rmSync(file, { force: true });
  };
}

async function ensureCliKey(hub: Hub) {
  const file = keyFile(hub.config);
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
  const actor = existing ? await authenticate(hub.database, existing) : null;
  let keepId = actor?.name === cliKeyName && actor.role === 'admin' ? actor.keyId : null;
  if (keepId === null) {
    const created = await createApiKey(hub.database, { name: cliKeyName, role: 'admin' });
    keepId = created.id;
    fs.writeFileSync(`${file}.tmp`, `${created.key}\n`, { mode: 0o600 });
    fs.chmodSync(`${file}.tmp`, 0o600);
    fs.renameSync(`${file}.tmp`, file);
  } else {
    fs.chmodSync(file, 0o600);
  }
  // Keys made for the CLI by earlier starts whose file is gone are revoked: one CLI key at a time.
  for (const key of await listApiKeys(hub.database)) {
    if (key.name === cliKeyName && key.id !== keepId && !key.revoked_at) await revokeApiKey(hub.database, key.id);
  }
}

function readHubFile(config: Config): z.infer<typeof HubFile> | null {
  try {
    const parsed = HubFile.safeParse(JSON.parse(fs.readFileSync(hubFile(config), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type HubFinding =
  | { kind: 'hub'; url: string; key: string; pid: number }
  /** No hub: `note` says why the database is opened (a stale lock or address file), or null when nothing was there. */
  | { kind: 'none'; note: string | null };

/** The running hub of this data directory, if there is one. */
export function findRunningHub(config: Config): HubFinding {
  const announced = readHubFile(config);
  if (announced && announced.pid !== process.pid && isAlive(announced.pid)) {
    const file = keyFile(config);
    if (!fs.existsSync(file)) {
      throw new Error(say('cli.hub.noKey', { url: announced.url, pid: announced.pid, file }));
    }
    return { kind: 'hub', url: announced.url, key: fs.readFileSync(file, 'utf8').trim(), pid: announced.pid };
  }
  const notes: string[] = [];
  if (announced) {
    notes.push(say('cli.hub.staleFile', { file: hubFile(config), pid: announced.pid, url: announced.url }));
    fs.rmSync(hubFile(config), { force: true });
  }
  if (!config.DATABASE_URL && fs.existsSync(lockFile(config))) {
    const holder = Number(fs.readFileSync(lockFile(config), 'utf8'));
    if (holder && !isAlive(holder)) notes.push(say('cli.hub.staleLock', { file: lockFile(config), pid: holder }));
  }
  return { kind: 'none', note: notes.length ? say('cli.hub.stale', { notes: notes.join('; ') }) : null };
}
