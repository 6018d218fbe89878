import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assembleSklad } from '../assembly.ts';
import { runConnectorJob } from '../channels/core/jobs.ts';
import { channelsHub } from '../channels/core/testing.ts';
import { rows } from '../db/database.ts';
import { getPackage, type PackageRow } from '../delivery/packages.ts';
import { retryPackage } from '../delivery/support.ts';
import { refusedTown, startDeliveryFixture, unthrottledModules, type DeliveryFixture } from '../delivery/testing.ts';
import { waitFor } from '../engine/test-fixtures/wait.ts';
import { startWorkers } from '../engine/worker.ts';
import type { Hub } from '../hub.ts';
import { describeEachDatabase } from '../test/databases.ts';
import { applyFix } from './findings.ts';
import { reconcileOrders } from './run.ts';

/**
 * The courier side of the reconciler against the Ozon and CDEK simulators: a package whose
 * delivery order CDEK refused is a finding that waits (its fix, a retry, is not safe); retried
 * as it is, CDEK refuses it again and the next run opens the finding again; support fixes the
 * address and retries, the order is made, and the next run closes the finding. Made packages
 * whose order CDEK has are no finding.
 */

beforeAll(() => assembleSklad(unthrottledModules()));
afterAll(() => assembleSklad());

describeEachDatabase('reconciliation: packages ↔ CDEK', (t) => {
  let hub: Hub;
  let f: DeliveryFixture;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    hub = channelsHub(t.database);
    f = await startDeliveryFixture(hub);
    stop = startWorkers(hub, {
      concurrency: 4,
      pollMs: 20,
      types: ['outbox:ProcessDeliveryJob', 'outbox:GenerateDeliveryDocumentsJob'],
    });
  });
  afterAll(async () => {
    await stop?.();
    await f?.close();
  });

  const packageOf = async (posting: string) => {
    const [found] = await rows<{ id: number }>(
      hub.db,
      sql`select id from packages where posting_number = ${posting} and account_id = ${f.ozonId}`,
    );
    return found ? getPackage(hub.db, Number(found.id)) : null;
  };
  const settled = (posting: string, done: (p: PackageRow) => boolean) =>
    waitFor(
      `package of ${posting}`,
      async () => {
        const p = await packageOf(posting);
        return p && done(p) ? p : null;
      },
      30_000,
    );
  const findings = () =>
    rows<{ id: number; kind: string; key: string; state: string; fix: string; safe: boolean }>(
      hub.db,
      sql`select id, kind, key, state, fix, safe from findings order by id`,
    );

  test('a refused delivery order is found and waits; a retry that did not help opens it again; fixed by support it closes', async () => {
    const near = f.addPosting(0);
    const far = f.addPosting(1, {
      customer: {
        id: 99,
        name: 'Олег Иванов',
        address: {
          country: 'Россия',
          region: refusedTown.region,
          city: refusedTown.city,
          addressTail: refusedTown.address,
          zipCode: '689400',
        },
      },
    });
    await runConnectorJob(hub, f.ozonId, 'postings');
    await settled(near.postingNumber, (p) => p.state === 'made');
    const refused = await settled(far.postingNumber, (p) => p.state === 'invalid');

    const first = await reconcileOrders(hub, f.ozonId);
    expect(first).toMatchObject({ status: 'succeeded', found: 1, fixed: 0 });
    expect(first.read.packages).toBe(2);
    const [finding] = await findings();
    expect(finding).toMatchObject({
      kind: 'no_delivery_order',
      key: refused.number,
      state: 'open',
      fix: 'retry_delivery',
      safe: false,
    });

    // Retried as it is: CDEK refuses the same town again, and the next run sees it again.
    expect(await applyFix(hub, finding.id, 'support@test')).toMatchObject({ state: 'fixed' });
    await settled(far.postingNumber, (p) => p.state === 'invalid' && p.updated_at !== refused.updated_at);
    expect(await reconcileOrders(hub, f.ozonId)).toMatchObject({ found: 1, new: 0 });
    expect((await findings()).map((x) => [x.id, x.state])).toEqual([[finding.id, 'open']]);

    await retryPackage(
      hub,
      refused.id,
      { address: { city: 'Анадырь', address: 'ул. Отке, д. 4', postalCode: '689000' } },
      'support@test',
    );
    await settled(far.postingNumber, (p) => p.state === 'made');
    expect(await reconcileOrders(hub, f.ozonId)).toMatchObject({ status: 'succeeded', found: 0, closed: 1 });
    expect((await findings()).map((x) => x.state)).toEqual(['closed']);
    const ops = await rows<{ action: string; actor: string }>(
      hub.db,
      sql`select action, actor from operations where entity_type = 'package' and entity_id = ${String(refused.id)} order by id`,
    );
    expect(ops.map((o) => o.actor)).toEqual(['support@test', 'support@test']);
  });
});
