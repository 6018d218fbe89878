import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database.ts';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Migration {
  name: string;
  file: string;
  sql: string;
}

/**
 * Each domain owns its tables: `src/<domain>/migrations/NNNN_name.sql`. They run in the
 * order of their file names across all domains, each once, each in its own transaction.
 */
export function listMigrations(root = srcDir): Migration[] {
  const found: Migration[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.sql') && path.basename(dir) === 'migrations') {
        found.push({ name: entry.name.replace(/\.sql$/, ''), file: full, sql: fs.readFileSync(full, 'utf8') });
      }
    }
  };
  walk(root);
  found.sort((a, b) => a.name.localeCompare(b.name));
  const seen = new Set<string>();
  for (const m of found) {
    if (seen.has(m.name)) throw new Error(`Two migrations are named ${m.name}`);
    seen.add(m.name);
  }
  return found;
}

/** A fingerprint of all migrations: test templates are rebuilt when it changes. */
export function migrationsHash(migrations = listMigrations()): string {
  const hash = crypto.createHash('sha256');
  for (const m of migrations) hash.update(m.name).update('\0').update(m.sql).update('\0');
  return hash.digest('hex').slice(0, 12);
}

export async function migrate(database: Database, migrations = listMigrations()): Promise<string[]> {
  await database.rawTransaction(async (t) => {
    if (database.kind === 'postgres') await t.query('select pg_advisory_xact_lock(7283461)');
    await t.query(
      'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
    );
  });
  const applied: string[] = [];
  for (const m of migrations) {
    const ran = await database.rawTransaction(async (t) => {
      // Several processes may start at once against one PostgreSQL: one applies, the others wait and skip.
      if (database.kind === 'postgres') await t.query('select pg_advisory_xact_lock(7283461)');
      const done = await t.query('select 1 from schema_migrations where name = $1', [m.name]);
      if (done.length) return false;
      await t.exec(m.sql);
      await t.query('insert into schema_migrations (name) values ($1)', [m.name]);
      return true;
    });
    if (ran) applied.push(m.name);
  }
  return applied;
}
