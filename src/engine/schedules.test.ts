import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'drizzle-orm';
import { rows } from '../db/database.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { testHub } from '../test/server.ts';
import type { Hub } from '../hub.ts';
import { startScheduler } from './scheduler.ts';
import {
  defineSchedule,
  fireDueSchedules,
  listScheduleTargets,
  setAccountSchedulesEnabled,
  setScheduleOverride,
} from './schedules.ts';
import { waitFor } from './test-fixtures/wait.ts';

describeEachDatabase('schedules', (t) => {
  let hub: Hub;
  const every10s = `test.every10s.${t.kind}`;
  const hourly = `test.hourly.${t.kind}`;
  const channel = `testchan-${t.kind}`;
  defineSchedule({ name: every10s, jobType: every10s, cron: '*/10 * * * * *' });
  defineSchedule({ name: hourly, jobType: hourly, cron: '0 * * * *', perAccountOfChannel: channel });

  const jobsOf = (type: string) =>
    rows<{ id: number; key: string; account_id: number | null; payload: Record<string, unknown> }>(
      hub.db,
      sql`select id, key, account_id, payload from jobs where type = ${type} order by id`,
    );
  const at = (time: string) => new Date(`2030-01-01T${time}Z`);

  beforeAll(() => {
    hub = testHub(t.database);
  });

  test('a slot fires once, even when two schedulers fire it at the same moment; missed slots fire once', async () => {
    await fireDueSchedules(hub.db, at('00:00:03'));
    expect(await jobsOf(every10s)).toEqual([]);
    // 00:00:10 and 00:00:20 were both missed: one job, for the latest.
    await Promise.all([fireDueSchedules(hub.db, at('00:00:25')), fireDueSchedules(hub.db, at('00:00:25'))]);
    await fireDueSchedules(hub.db, at('00:00:26'));
    const jobs = await jobsOf(every10s);
    expect(jobs.map((j) => j.key)).toEqual([`${every10s}:-:2030-01-01T00:00:20.000Z`]);
    expect(jobs[0].payload).toMatchObject({ schedule: every10s, slot: '2030-01-01T00:00:20.000Z' });
  });

  test('while the last job still waits to start, the next slot is skipped, not stacked', async () => {
    await fireDueSchedules(hub.db, at('00:00:31'));
    expect(await jobsOf(every10s)).toHaveLength(1);
    await hub.db.execute(sql`update jobs set status = 'succeeded' where type = ${every10s}`);
    await fireDueSchedules(hub.db, at('00:00:41'));
    expect((await jobsOf(every10s)).map((j) => j.key)).toEqual([
      `${every10s}:-:2030-01-01T00:00:20.000Z`,
      `${every10s}:-:2030-01-01T00:00:40.000Z`,
    ]);
  });

  test('a per-account schedule runs for each active account; an account can be stopped or given its own cron', async () => {
    const accounts = await rows<{ id: number }>(
      hub.db,
      sql`insert into channel_accounts (channel, name, base_url, credentials_sealed, credentials_fingerprint, status)
          values (${channel}, 'A', 'http://a', 'x', 'fa', 'active'), (${channel}, 'B', 'http://b', 'x', 'fb', 'active'),
                 (${channel}, 'C', 'http://c', 'x', 'fc', 'needs_reauth')
          returning id`,
    );
    const [a, b] = accounts.map((r) => r.id);
    await fireDueSchedules(hub.db, at('00:00:05'));
    await setAccountSchedulesEnabled(hub.db, a, false);
    expect((await listScheduleTargets(hub.db)).find((s) => s.accountId === a)?.reason).toBe(
      "the account's schedules are stopped",
    );
    await fireDueSchedules(hub.db, at('01:00:05'));
    expect((await jobsOf(hourly)).map((j) => [j.account_id, j.payload.accountId])).toEqual([[b, b]]);

    await setAccountSchedulesEnabled(hub.db, a, true);
    await setScheduleOverride(hub.db, { name: hourly, accountId: b, cron: '30 * * * *' });
    const targets = (await listScheduleTargets(hub.db)).filter((s) => s.definition.name === hourly);
    const c = accounts[2].id;
    expect(targets.map((s) => [s.accountId, s.cron, s.enabled])).toEqual([
      [a, '0 * * * *', true],
      [b, '30 * * * *', true],
      [c, '0 * * * *', false],
    ]);
    // The account whose key was refused is listed stopped, with why.
    expect(targets[2].reason).toMatch(/needs new credentials/);
    await hub.db.execute(sql`update jobs set status = 'succeeded' where type = ${hourly}`);
    await fireDueSchedules(hub.db, at('02:00:05'));
    expect((await jobsOf(hourly)).map((j) => j.key)).toEqual([
      `${hourly}:${b}:2030-01-01T01:00:00.000Z`,
      `${hourly}:${a}:2030-01-01T02:00:00.000Z`,
      `${hourly}:${b}:2030-01-01T01:30:00.000Z`,
    ]);
    await expect(setScheduleOverride(hub.db, { name: hourly, accountId: b, cron: 'every day' })).rejects.toMatchObject({
      code: 'INVALID_CRON',
    });
  });

  // Last: the running schedulers fire schedules at the real time.
  test('of two schedulers one leads; when it stops, the other takes over', async () => {
    const holder = async () =>
      (
        await rows<{ holder: string }>(
          hub.db,
          sql`select holder from leases where name = 'scheduler' and until > now()`,
        )
      )[0]?.holder;
    const stopA = startScheduler(hub, { tickMs: 30, leaseMs: 5_000, holder: 'A' });
    const stopB = startScheduler(hub, { tickMs: 30, leaseMs: 5_000, holder: 'B' });
    const first = await waitFor('a leader', holder);
    expect(['A', 'B']).toContain(first);
    await new Promise((r) => setTimeout(r, 200));
    expect(await holder()).toBe(first);
    const [stopLeader, stopOther] = first === 'A' ? [stopA, stopB] : [stopB, stopA];
    await stopLeader();
    const second = await waitFor('the other to lead', async () => ((await holder()) !== first ? holder() : null));
    expect(second).toBe(first === 'A' ? 'B' : 'A');
    await stopOther();
    expect(await holder()).toBeUndefined();
  });
  afterAll(() => {});
});
