import { sql } from 'drizzle-orm';
import { expect, test } from 'vitest';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { enqueueJob } from './jobs.ts';
import { reapSyncRuns } from './sync-runs.ts';

describeEachDatabase('reaping sync runs', (t) => {
  test('fails a run whose lease ran out, and one whose job was taken back before the run’s lease ran out; a live run stays', async () => {
    const db = t.database.db;
    const taken = await enqueueJob(db, { type: 'test.reap.taken' });
    const live = await enqueueJob(db, { type: 'test.reap.live' });
    await db.execute(
      sql`update jobs set status = 'running', lease_until = now() + interval '1 minute' where id = ${live.id}`,
    );
    const insert = (jobId: number | null, lease: string) =>
      rows<{ id: number }>(
        db,
        sql`insert into sync_runs (type, job_id, lease_until) values ('test.reap', ${jobId}, now() + ${lease}::interval) returning id`,
      );
    const [[expired], [ofTaken], [ofLive], [alone]] = await Promise.all([
      insert(live.id, '-1 second'),
      insert(taken.id, '1 minute'),
      insert(live.id, '1 minute'),
      insert(null, '1 minute'),
    ]);
    expect(await reapSyncRuns(db)).toBe(2);
    const runs = await rows<{ id: number; status: string; error: string | null; finished_in_past: boolean }>(
      db,
      sql`select id, status, error, finished_at <= now() as finished_in_past from sync_runs where type = 'test.reap' order by id`,
    );
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (const id of [expired.id, ofTaken.id]) {
      expect(byId.get(id)).toMatchObject({ status: 'failed', finished_in_past: true });
      expect(byId.get(id)?.error).toMatch(/stopped \(killed or lost\)/);
    }
    for (const id of [ofLive.id, alone.id]) expect(byId.get(id)?.status).toBe('running');
  });
});
