import crypto from 'node:crypto';
import type { Actor, Role } from '../access/api-keys.ts';
import { authenticate } from '../access/api-keys.ts';
import type { Database } from '../db/database.ts';

export const SESSION_COOKIE = 'sklad_session';
const SESSION_HOURS = 12;

/**
 * Signs in with an API key: the key is checked once and only a random session id goes to the
 * browser. The bot's key (role bot) opens no session: the panel is for people.
 */
export async function createSession(
  database: Database,
  apiKey: string,
): Promise<{ id: string; actor: Actor; maxAge: number } | 'bot' | null> {
  const actor = await authenticate(database, apiKey);
  if (!actor) return null;
  if (actor.role === 'bot') return 'bot';
  const id = crypto.randomBytes(32).toString('base64url');
  await database.query(
    `insert into web_sessions (id, api_key_id, expires_at) values ($1, $2, now() + make_interval(hours => $3))`,
    [hashSession(id), actor.keyId, SESSION_HOURS],
  );
  return { id, actor, maxAge: SESSION_HOURS * 3600 };
}

export async function sessionActor(database: Database, sessionId: string): Promise<Actor | null> {
  if (sessionId.length > 100) return null;
  const [row] = await database.query<{ id: number; name: string; role: Role }>(
    `select k.id, k.name, k.role from web_sessions s join api_keys k on k.id = s.api_key_id
      where s.id = $1 and s.expires_at > now() and k.revoked_at is null and k.role <> 'bot'`,
    [hashSession(sessionId)],
  );
  return row ? { keyId: row.id, name: row.name, role: row.role } : null;
}

export async function endSession(database: Database, sessionId: string): Promise<void> {
  await database.query('delete from web_sessions where id = $1', [hashSession(sessionId)]);
}

// Stored hashed, like API keys: a leaked table does not sign anyone in.
const hashSession = (id: string) => crypto.createHash('sha256').update(id).digest('hex');
