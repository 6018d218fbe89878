import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rows, type Db, type Tx } from '../db/database.ts';
import { errorBody } from '../http/errors.ts';
import { DomainError } from '../shared/errors.ts';

export interface Answer {
  status: number;
  body: unknown;
}

export const requestHash = (body: unknown) => crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex');

/**
 * Runs a request at most once per Idempotency-Key (docs/decisions/020). The key row is inserted
 * in the same transaction as the change: a concurrent request with the same key waits on the
 * unique index until the first commits, then reads its stored answer. A refusal (a DomainError:
 * 404, 409 …) is an answer too and is stored; an unexpected error rolls everything back, key
 * included, so a retry runs again.
 */
export function answerOnce(
  db: Db,
  key: { scope: string; key: string; requestHash: string },
  run: (tx: Tx) => Promise<Answer>,
): Promise<Answer & { replayed: boolean }> {
  return db.transaction(async (tx) => {
    const [claimed] = await rows(
      tx,
      sql`
      insert into idempotency_keys (scope, key, request_hash) values (${key.scope}, ${key.key}, ${key.requestHash})
      on conflict do nothing returning key`,
    );
    if (!claimed) return storedAnswer(tx, key);

    let answer: Answer;
    try {
      // a savepoint: a refused change leaves nothing behind, while the answer is still kept
      answer = await tx.transaction(run);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      answer = { status: error.status, body: errorBody(error.code, error.message, error.details) };
    }
    await tx.execute(sql`
      update idempotency_keys set status = ${answer.status}, response = ${JSON.stringify(answer.body)}::jsonb
       where scope = ${key.scope} and key = ${key.key}`);
    return { ...answer, replayed: false };
  });
}

async function storedAnswer(tx: Tx, key: { scope: string; key: string; requestHash: string }) {
  const [first] = await rows<{ request_hash: string; status: number | null; response: unknown }>(
    tx,
    sql`
    select request_hash, status, response from idempotency_keys where scope = ${key.scope} and key = ${key.key}`,
  );
  if (first.request_hash !== key.requestHash) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used for a different request; send a new key for a new request',
      422,
      { header: 'Idempotency-Key' },
    );
  }
  if (first.status === null) {
    throw new DomainError(
      'IDEMPOTENCY_KEY_IN_USE',
      'The first request with this Idempotency-Key has no answer yet',
      409,
    );
  }
  return { status: first.status, body: first.response, replayed: true };
}
