import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { loadConfig } from '../../config.ts';
import { rows, type Database } from '../../db/database.ts';
import { syncAccount } from '../../channels/core/sync.ts';
import { withSyncRun } from '../../engine/sync-runs.ts';
import type { Hub } from '../../hub.ts';
import { testHub } from '../server.ts';
import type { Served, SpecServer } from './server.ts';

/**
 * What every spec-answers test asserts of a run (issue 21): it ended within a bounded number
 * of requests; nothing was thrown but the error the run recorded; a documented error status
 * the connector does not take as an answer never leaves the run "succeeded", and the run's
 * error or problems say what happened.
 */

/** Pages one paged call may read per run in these tests: reached quickly by the fullPages variant. */
export const TEST_PAGE_CAP = 3;

export function specAnswersHub(database: Database): Hub {
  const config = loadConfig({
    SKLAD_DATA_DIR: '/tmp/sklad-test',
    LOG_LEVEL: 'silent',
    SKLAD_PAGE_CAP: String(TEST_PAGE_CAP),
  } as NodeJS.ProcessEnv);
  return testHub(database, { config });
}

export interface RunRow {
  id: number;
  type: string;
  status: string;
  error: string | null;
  problems: { message: string }[];
  paging: Record<string, { stop: string; pages: number }>;
  duplicates: number;
}

/** Runs `work` (which opens its own sync run) and answers the run it recorded and what it threw. */
async function recorded(
  hub: Hub,
  accountId: number,
  work: () => Promise<unknown>,
): Promise<{ run: RunRow; thrown: unknown }> {
  const [{ last }] = await rows<{ last: number }>(hub.db, sql`select coalesce(max(id), 0)::int as last from sync_runs`);
  let thrown: unknown = null;
  try {
    await work();
  } catch (error) {
    thrown = error;
  }
  const [run] = await rows<RunRow>(
    hub.db,
    sql`
    select id, type, status, error, problems, paging, duplicates from sync_runs
     where account_id = ${accountId} and id > ${last} order by id desc limit 1`,
  );
  expect(run, 'the work opened a sync run').toBeDefined();
  return { run, thrown };
}

/** `recorded`, with the calls the work made on the spec server: each run's own, apart from another run's. */
export async function recordedOn(hub: Hub, server: SpecServer, accountId: number, work: () => Promise<unknown>) {
  const from = server.log.length;
  const outcome = await recorded(hub, accountId, work);
  return { ...outcome, accountId, calls: server.log.slice(from) };
}

/** Core's full sync of an account (listings, match, push) in a sync run of its own. */
export const fullSync = (hub: Hub, accountId: number) =>
  withSyncRun(hub, { type: 'channels.sync', accountId }, (run) => syncAccount(hub, accountId, { run }));

const said = (run: RunRow) => [run.error ?? '', ...run.problems.map((p) => p.message)].join(' | ');

/**
 * The checks of every run. `answers`: (template, status) pairs the connector takes as an
 * answer, not a failure (a 404 for "no such offer", a 409 naming the items refused).
 */
export function expectTruthful(
  outcome: { run: RunRow; thrown: unknown; calls?: Served[] },
  server: SpecServer,
  options: { maxRequests: number; errorStatus?: number; answers?: [RegExp, number][] },
) {
  const { run, thrown } = outcome;
  const label = `${run.type} run ${run.id}: ${said(run).slice(0, 600)}`;
  expect(server.log.length, `${label}: requests`).toBeLessThanOrEqual(options.maxRequests);
  expect(run.status, label).not.toBe('running');
  if (thrown) {
    // What was thrown is the run's recorded error, and it is not a fault of our own code.
    expect(run.status, label).toBe('failed');
    expect(run.error, label).toBeTruthy();
    expect(thrown, label).not.toBeInstanceOf(TypeError);
    expect(thrown, label).not.toBeInstanceOf(RangeError);
    expect(thrown, label).not.toBeInstanceOf(ReferenceError);
  } else if (run.status === 'failed') {
    throw new Error(`${label}: failed without throwing`);
  }
  if (run.status !== 'succeeded')
    expect(said(run).trim(), `${label}: a run that did not succeed says why`).not.toBe('');
  // The errors this run met (its own calls when the test kept them apart), not another run's.
  const failedAnswers = servedErrors(outcome.calls ?? server.log, options.answers ?? []);
  if (failedAnswers.length) {
    expect(
      run.status,
      `${label}: after ${failedAnswers[0].method} ${failedAnswers[0].path} answered ${failedAnswers[0].status}`,
    ).not.toBe('succeeded');
  }
  expect(String(thrown ?? ''), label).not.toMatch(
    /Cannot read prop|is not a function|undefined is not|Invalid time value/,
  );
  expect(said(run), label).not.toMatch(/Cannot read prop|is not a function|undefined is not|Invalid time value/);
}

/** Error answers the connector does not take as answers. */
export function servedErrors(log: Served[], answers: [RegExp, number][]): Served[] {
  return log.filter(
    (c) => c.status >= 400 && !answers.some(([t, s]) => s === c.status && t.test(c.template ?? c.path)),
  );
}

/** A page-cap or repeated-cursor stop is a problem of the run that names the call. */
export function expectPagingStops(run: RunRow) {
  for (const [call, { stop }] of Object.entries(run.paging ?? {})) {
    if (stop === 'page cap' || stop === 'cursor repeated') {
      expect(run.status, `${call} stopped on ${stop}`).not.toBe('succeeded');
      expect(said(run), `${call} stopped on ${stop}`).toContain(call);
    }
  }
}
