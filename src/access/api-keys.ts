import crypto from 'node:crypto';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { DomainError } from '../shared/errors.ts';

/**
 * People's keys climb one ladder (readonly < operator < admin). `bot` is off it: the key of
 * seed 001's Telegram bot, which may do only the seed's routes (src/access/permissions.ts).
 */
export const roles = ['readonly', 'operator', 'admin', 'bot'] as const;
export const roleSchema = z.enum(roles);
export type Role = z.infer<typeof roleSchema>;
const ladder: readonly Role[] = ['readonly', 'operator', 'admin'];

/** Who is calling: the name of the API key is the actor written into every history row. */
export interface Actor {
  keyId: number;
  name: string;
  role: Role;
}

export const roleAtLeast = (role: Role, needed: Exclude<Role, 'bot'>) =>
  ladder.includes(role) && ladder.indexOf(role) >= ladder.indexOf(needed);

const hashKey = (key: string) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

export interface CreatedKey {
  id: number;
  name: string;
  role: Role;
  /** The whole key: shown once, never stored. */
  key: string;
}

export async function createApiKey(database: Database, input: { name: string; role: Role }): Promise<CreatedKey> {
  const name = z.string().trim().min(1).max(100).parse(input.name);
  const role = roleSchema.parse(input.role);
  const key = `sk_${crypto.randomBytes(24).toString('base64url')}`;
  const [row] = await database.query<{ id: number }>(
    'insert into api_keys (name, role, key_hash, key_prefix) values ($1, $2, $3, $4) returning id',
    [name, role, hashKey(key), key.slice(0, 7)],
  );
  return { id: row.id, name, role, key };
}

export async function countApiKeys(database: Database): Promise<number> {
  const [row] = await database.query<{ n: number }>('select count(*)::int as n from api_keys where revoked_at is null');
  return row.n;
}

export interface ApiKeySummary {
  id: number;
  name: string;
  role: Role;
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export async function listApiKeys(database: Database): Promise<ApiKeySummary[]> {
  return database.query<ApiKeySummary>(
    `select id, name, role, key_prefix, iso(created_at) as created_at,
            iso(last_used_at) as last_used_at, iso(revoked_at) as revoked_at
       from api_keys order by id`,
  );
}

export async function revokeApiKey(database: Database, id: number): Promise<void> {
  const rows = await database.query(
    'update api_keys set revoked_at = now() where id = $1 and revoked_at is null returning id',
    [id],
  );
  if (!rows.length) throw new DomainError('NOT_FOUND', `API key ${id} does not exist or is already revoked`, 404);
}

const lastUsedWrites = new Map<number, number>();

export async function authenticate(database: Database, key: string): Promise<Actor | null> {
  if (!key || key.length > 200) return null;
  const [row] = await database.query<{ id: number; name: string; role: Role }>(
    'select id, name, role from api_keys where key_hash = $1 and revoked_at is null',
    [hashKey(key)],
  );
  if (!row) return null;
  // last_used_at is a hint for people, not an audit: write it at most once a minute per key.
  const now = Date.now();
  if ((lastUsedWrites.get(row.id) ?? 0) < now - 60_000) {
    lastUsedWrites.set(row.id, now);
    await database.query('update api_keys set last_used_at = now() where id = $1', [row.id]);
  }
  return { keyId: row.id, name: row.name, role: row.role };
}
