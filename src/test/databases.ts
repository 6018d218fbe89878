import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase, type Database, type DatabaseKind } from '../db/database.ts';
import { migrationsHash } from '../db/migrate.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The machine's real PostgreSQL server (trust auth on localhost); SKLAD_TEST_PG_URL overrides. */
export const pgAdminUrl = () => process.env.SKLAD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `SKLAD_TEST_DB=pglite` or `=postgres` runs one kind; both by default. */
export function testKinds(): DatabaseKind[] {
  const only = process.env.SKLAD_TEST_DB;
  return only === 'pglite' || only === 'postgres' ? [only] : ['pglite', 'postgres'];
}

export const postgresTemplateName = (hash: string) => `sklad_tpl_${hash}`;
export const pgliteTemplateFile = (hash: string) =>
  path.join(projectRoot, 'node_modules/.cache/sklad', `pglite-${hash}.tar`);

export interface TestDatabase {
  readonly kind: DatabaseKind;
  readonly database: Database;
  /** For PostgreSQL: the URL of this file's own database, for child processes. */
  readonly url?: string;
}

/** A fresh migrated database of the given kind for the current test file (or describe block). */
export function useTestDatabase(kind: DatabaseKind, options: { poolSize?: number } = {}): TestDatabase {
  let database: Database | undefined;
  let url: string | undefined;
  let dropName: string | undefined;
  beforeAll(async () => {
    const hash = migrationsHash();
    if (kind === 'postgres') {
      dropName = `sklad_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgAdminUrl() });
      await admin.connect();
      try {
        await createFromTemplate(admin, dropName, postgresTemplateName(hash));
      } finally {
        await admin.end();
      }
      const u = new URL(pgAdminUrl());
      u.pathname = `/${dropName}`;
      url = u.toString();
      database = await openDatabase({ url, poolSize: options.poolSize ?? 10 });
    } else {
      const dump = fs.readFileSync(pgliteTemplateFile(hash));
      database = await openDatabase({ loadDataDir: new Blob([dump]) });
    }
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    if (dropName) {
      const admin = new pg.Client({ connectionString: pgAdminUrl() });
      await admin.connect();
      await admin.query(`drop database if exists ${dropName} with (force)`).catch(() => {});
      await admin.end();
    }
  }, 60_000);
  return {
    kind,
    get database() {
      if (!database) throw new Error('The test database is not open yet: use it inside a test or a hook');
      return database;
    },
    get url() {
      return url;
    },
  };
}

// Two files copying the template in the same instant make PostgreSQL say it is "being accessed"; wait and retry.
async function createFromTemplate(admin: pg.Client, name: string, template: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.query(`create database ${name} template ${template}`);
      return;
    } catch (error) {
      if (attempt > 50 || !/being accessed/.test((error as Error).message)) throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
}

/** Runs the same tests on PGlite and on the real PostgreSQL server, each on its own database. */
export function describeEachDatabase(name: string, body: (t: TestDatabase) => void) {
  for (const kind of testKinds()) {
    describe(`${name} [${kind}]`, () => body(useTestDatabase(kind)));
  }
}
