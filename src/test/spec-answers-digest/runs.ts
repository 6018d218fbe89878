import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { rows } from '../../db/database.ts';
import type { ConnectorContext } from '../../channels/core/connector.ts';
import { connectorContextFor } from '../../channels/core/context.ts';
import { withSyncRun } from '../../engine/sync-runs.ts';
import type { Hub } from '../../hub.ts';

/** The last sync run of an account, as the history shows it. */
export interface RunRow {
  status: 'running' | 'succeeded' | 'failed' | 'partial';
  error: string | null;
  fetched: number;
  created: number;
  updated: number;
  pushed: number;
  failed: number;
  problems: { message: string }[];
}

export const lastRun = async (hub: Hub, accountId: number): Promise<RunRow | undefined> =>
  (
    await rows<RunRow>(
      hub.db,
      sql`
    select status, error, fetched, created, updated, pushed, failed, problems from sync_runs where account_id = ${accountId} order by id desc limit 1`,
    )
  )[0];

/**
 * Runs a flow and says how it ended: it either finished, or threw what its sync run recorded,
 * and only an error of the connector's own making (never a TypeError, a RangeError or a zod error
 * escaping a parse).
 */
export async function settle(work: () => Promise<unknown>): Promise<Error | null> {
  try {
    await work();
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    const e = error as Error;
    expect(
      ['TypeError', 'RangeError', 'ZodError', 'SyntaxError', 'ReferenceError'],
      `${e.name}: ${e.message}`,
    ).not.toContain(e.name);
    return e;
  }
}

/** The run is what the flow's end says: a throw is a failed run with its words; otherwise succeeded or partial. */
export function expectTruthfulRun(run: RunRow | undefined, thrown: Error | null) {
  expect(run, 'a sync run was recorded').toBeDefined();
  if (thrown) {
    expect(run!.status).toBe('failed');
    expect(run!.error).toBeTruthy();
  } else {
    expect(['succeeded', 'partial']).toContain(run!.status);
    expect(run!.status === 'partial').toBe(run!.problems.length > 0);
  }
}

/**
 * Calls a service of the account (a CRM's, a courier's) with its context inside a sync run of
 * its own, as the flows do, and checks the run tells the truth: the run, what was thrown, what came back.
 */
export async function inServiceRun(
  hub: Hub,
  accountId: number,
  type: string,
  call: (ctx: ConnectorContext) => Promise<unknown>,
) {
  let result: unknown;
  const thrown = await settle(() =>
    withSyncRun(hub, { type, accountId }, async (run) => {
      result = await call(await connectorContextFor(hub, accountId, { run }));
    }),
  );
  const run = await lastRun(hub, accountId);
  expectTruthfulRun(run, thrown);
  return { run: run!, thrown, result };
}
