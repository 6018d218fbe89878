import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase } from '../db/database.ts';
import { listMigrations, migrate, migrationsHash } from '../db/migrate.ts';
import { pgAdminUrl, pgliteTemplateFile, postgresTemplateName, testKinds } from './databases.ts';

/**
 * Builds, once per run, a migrated template of each database kind; every test file then
 * gets its own copy (CREATE DATABASE … TEMPLATE on PostgreSQL, a loaded data dump on PGlite).
 */
export default async function setup() {
  const migrations = listMigrations();
  const hash = migrationsHash(migrations);
  if (testKinds().includes('postgres')) await buildPostgresTemplate(hash);
  if (testKinds().includes('pglite')) await buildPgliteTemplate(hash);
}

async function buildPostgresTemplate(hash: string) {
  const name = postgresTemplateName(hash);
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    await admin.query('select pg_advisory_lock(99173)');
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (!exists.rowCount) {
      const building = `${name}_building`;
      await admin.query(`drop database if exists ${building}`);
      await admin.query(`create database ${building}`);
      const url = new URL(pgAdminUrl());
      url.pathname = `/${building}`;
      const database = await openDatabase({ url: url.toString(), poolSize: 2 });
      await migrate(database);
      await database.close();
      await admin.query(`alter database ${building} rename to ${name}`);
    }
    // Old templates and test databases left by killed runs are dropped so they do not pile up.
    // The three newest other templates stay: a run of another checkout (other migrations) may
    // still be copying from its own.
    const stale = await admin.query(
      `select datname from pg_database
        where (datname like 'sklad\\_tpl\\_%' and datname <> $1 and oid not in (
                 select oid from pg_database where datname like 'sklad\\_tpl\\_%' and datname <> $1
                  order by oid desc limit 3))
           or datname like 'sklad\\_t\\_%'`,
      [name],
    );
    for (const row of stale.rows) {
      if (String(row.datname).startsWith('sklad_t_') && !isOrphan(row.datname)) continue;
      await admin.query(`drop database if exists ${row.datname} with (force)`).catch(() => {});
    }
    await admin.query('select pg_advisory_unlock(99173)');
  } finally {
    await admin.end();
  }
}

/** A test database is named after the pid that made it; it is an orphan once that process is gone. */
function isOrphan(datname: string): boolean {
  const pid = Number(datname.split('_')[2]);
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

async function buildPgliteTemplate(hash: string) {
  const file = pgliteTemplateFile(hash);
  if (fs.existsSync(file)) return;
  const database = await openDatabase({});
  await migrate(database);
  // dumpDataDir lives on the PGlite client, which drizzle keeps as $client.
  const client = (database.db as unknown as { $client: PGlite }).$client;
  const dump = await client.dumpDataDir('none');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(`${file}.tmp`, Buffer.from(await dump.arrayBuffer()));
  fs.renameSync(`${file}.tmp`, file);
  await database.close();
}
