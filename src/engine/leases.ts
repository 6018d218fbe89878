import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/database.ts';

/**
 * Named leases with an expiry, in the `leases` table: works the same on PGlite and PostgreSQL
 * and needs no dedicated connection (an advisory lock would). Whoever holds an unexpired
 * row leads; a leader that dies is replaced once its lease runs out.
 */
export async function acquireLease(ex: Executor, name: string, holder: string, ms: number): Promise<boolean> {
  const held = await rows(
    ex,
    sql`insert into leases (name, holder, until) values (${name}, ${holder}, now() + make_interval(secs => ${ms} / 1000.0))
        on conflict (name) do update set holder = excluded.holder, until = excluded.until
        where leases.until < now() or leases.holder = excluded.holder
        returning holder`,
  );
  return held.length > 0;
}

export async function releaseLease(ex: Executor, name: string, holder: string) {
  await ex.execute(sql`delete from leases where name = ${name} and holder = ${holder}`);
}
