import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, errorResponses, jsonResponse, security } from '../../http/router.ts';
import type { Hub } from '../../hub.ts';
import { enqueueJob } from '../../engine/jobs.ts';
import { DomainError } from '../../shared/errors.ts';
import { getAccount, listAccounts, requireActive } from '../core/accounts.ts';

/**
 * The seed's trigger, kept at its path: `POST /api/v1/allegro_sync/wix-sync` runs the hourly
 * `wix.stock-sync` job once now (read products, match variants, push local quantities) for
 * every active Wix account, or the one in `account_id`; it answers with the job id(s) to
 * follow at /api/v1/jobs/{id}. A sync already waiting or running for an account is returned
 * rather than started twice.
 */

/** The connector's hourly job (src/channels/wix/connector.ts), as the engine knows it. */
const WIX_SYNC_JOB = 'wix.stock-sync';

async function startWixSync(hub: Hub, accountId: number): Promise<number> {
  const { id } = await enqueueJob(hub.db, {
    type: WIX_SYNC_JOB,
    accountId,
    payload: { accountId },
    key: `${WIX_SYNC_JOB}:${accountId}`,
  });
  return id;
}

const WixSyncBody = z
  .strictObject({
    account_id: z
      .number()
      .int()
      .positive()
      .optional()
      .openapi({ description: 'Only this Wix account; all active ones when left out' }),
  })
  .openapi('WixSyncRequest');

const WixSyncStarted = z
  .object({
    job_id: z.number().int().openapi({ description: 'The first (or only) job; follow it at /api/v1/jobs/{job_id}' }),
    job_ids: z.array(z.number().int()),
    account_ids: z.array(z.number().int()),
  })
  .openapi('WixSyncStarted');

export function wixSyncRoutes(hub: Hub) {
  const app = createRouter();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/allegro_sync/wix-sync',
      tags: ['Channels'],
      security,
      summary: 'Start a Wix stock sync (the seed path): all active Wix accounts, or one',
      request: { body: { required: false, content: { 'application/json': { schema: WixSyncBody } } } },
      responses: {
        202: jsonResponse(WixSyncStarted, 'The sync jobs, one per Wix account'),
        ...errorResponses(404, 409),
      },
    }),
    async (c) => {
      const body = (c.req.valid('json') as z.infer<typeof WixSyncBody> | undefined) ?? {};
      let accountIds: number[];
      if (body.account_id !== undefined) {
        const account = await getAccount(hub.db, body.account_id);
        if (account.channel !== 'wix')
          throw new DomainError(
            'NOT_A_WIX_ACCOUNT',
            `Account ${account.id} is a ${account.channel} account, not Wix`,
            409,
            { account_id: account.id },
          );
        requireActive(account);
        accountIds = [account.id];
      } else {
        accountIds = (await listAccounts(hub.db, { channel: 'wix', status: 'active' })).map((a) => a.id);
        if (!accountIds.length) {
          throw new DomainError(
            'WIX_NOT_CONFIGURED',
            'No active Wix account: add one at POST /api/v1/channels/accounts, or set WIX_API_KEY and WIX_SITE_ID',
            409,
          );
        }
      }
      const jobIds: number[] = [];
      for (const id of accountIds) jobIds.push(await startWixSync(hub, id));
      return c.json({ job_id: jobIds[0], job_ids: jobIds, account_ids: accountIds }, 202);
    },
  );
  return app;
}
