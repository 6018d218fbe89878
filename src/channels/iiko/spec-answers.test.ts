import { sql } from 'drizzle-orm';
import { beforeAll, expect, test } from 'vitest';
import { rows } from '../../db/database.ts';
import type { Hub } from '../../hub.ts';
import { createSetting } from '../../menu/settings.ts';
import { runSync } from '../../menu/sync.ts';
import { describeEachDatabase } from '../../test/databases.ts';
import { loadSpec, type Spec } from '../../test/openapi-contract.ts';
import { variants, type Variant } from '../../test/spec-answers/generate.ts';
import { expectPagingStops, expectTruthful, recordedOn, specAnswersHub } from '../../test/spec-answers/harness.ts';
import { documentedErrors, startSpecServer, type Served, type SpecServer } from '../../test/spec-answers/server.ts';

/**
 * iiko Cloud against answers generated from iiko's own OpenAPI file (issue 21): the full menu
 * sync (organizations, nomenclature, combos, external menus, stop lists, terminal groups,
 * payment types), once per answer variant and once per error status the called operations
 * document. An answer listing one id twice must not fail the upsert.
 */

/** Requests one run may make at most (five attempts a call). */
const MAX_REQUESTS = 200;

describeEachDatabase('iiko against spec-shaped answers', (t) => {
  let hub: Hub;
  let spec: Spec;
  let settings = 0;
  let baseline: Served[] = [];

  beforeAll(async () => {
    hub = specAnswersHub(t.database);
    spec = await loadSpec('iiko/iikocloud.openapi.json');
  });

  async function run(server: SpecServer) {
    const n = ++settings;
    const setting = await createSetting(
      hub.db,
      hub.masterKey,
      { name: `iiko spec ${n}`, api_login: `spec-login-${n}-abcdef`, base_url: server.url },
      'test',
    );
    return {
      ...(await recordedOn(hub, server, setting.account_id, () => runSync(hub, setting.id, 'full'))),
      settingId: setting.id,
    };
  }

  const seeds: [Variant, number][] = variants.map((v, i) => [v, 31 + i]);

  test.each(seeds)('answers of the %s variant (seed %i)', async (variant, seed) => {
    const server = await startSpecServer({ specs: [spec], seed, variant, pageItems: 4 });
    try {
      const outcome = await run(server);
      expectTruthful(outcome, server, { maxRequests: MAX_REQUESTS });
      expectPagingStops(outcome.run);
      expect(server.requestProblems).toEqual([]);
      if (variant === 'examples') baseline = server.log;

      // What was valid is stored: every product of a nomenclature answer, or the run names it.
      const served = new Set(
        outcome.calls
          .filter((c) => c.template === '/api/1/nomenclature' && c.status === 200)
          .flatMap((c) => ((c.answer as any)?.products ?? []).map((p: any) => p?.id).filter(Boolean)),
      );
      const stored = new Set(
        (
          await rows<{ external_id: string }>(
            hub.db,
            sql`select external_id from menu_products where setting_id = ${outcome.settingId}`,
          )
        ).map((r) => r.external_id),
      );
      const said = `${outcome.run.error ?? ''} ${outcome.run.problems.map((p) => JSON.stringify(p)).join(' | ')}`;
      for (const id of served)
        if (!stored.has(id)) expect(said, `product ${id}`).toMatch(new RegExp(`${id}|products: `));
      // Ids listed twice are written once and counted; no upsert fails on them.
      if (variant === 'duplicates') {
        expect(outcome.run.duplicates).toBeGreaterThan(0);
        expect(said).not.toMatch(/cannot affect row a second time|21000/);
      }
    } finally {
      await server.close();
    }
  });

  // A run that met a documented error status is never "succeeded", and says why.
  test('every documented error status, with its documented body', async () => {
    const statuses = documentedErrors([spec], baseline);
    expect(statuses.length).toBeGreaterThan(3);
    for (const status of statuses) {
      const server = await startSpecServer({ specs: [spec], seed: status, variant: 'examples', errorStatus: status });
      try {
        expectTruthful(await run(server), server, { maxRequests: MAX_REQUESTS, errorStatus: status });
      } finally {
        await server.close();
      }
    }
  });
});
