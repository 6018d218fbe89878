import { z } from 'zod';
import { CredentialsRejected, type Connector, type ConnectorAccount } from '../core/connector.ts';
import type { OrderStatusFact } from '../core/facts.ts';
import { bitrixCall, BUCKET, credentialsSchema, listAnswer, MAX_BATCH, WEBHOOK_PORTAL } from './api.ts';

/**
 * Bitrix24 as a CRM (../shared/specs/bitrix24/CONTRACT.md): no listings, stock or orders of its
 * own; Sklad's CRM flow (src/crm) exports orders to it as deals through the module's `crm`
 * (crm.ts). The account holds the incoming webhook; its settings say which funnel the deals go
 * to, which stage each order status means, and which deal fields carry Sklad's ids.
 */

const orderStatuses = [
  'new',
  'confirmed',
  'shipped',
  'delivered',
  'cancelled',
  'returned',
] as const satisfies readonly OrderStatusFact[];

/** §4: a custom deal field, made with crm.deal.userfield.add. */
const userField = z.string().regex(/^UF_CRM_[A-Za-z0-9_]+$/, 'a custom deal field is named UF_CRM_…');

const settingsSchema = z.object({
  /** The funnel new deals go to (CATEGORY_ID, §2); the default funnel 0 when not set. */
  categoryId: z.number().int().min(0).optional(),
  /** Sklad's order status → the deal's STAGE_ID (`NEW`, or `C1:NEW` in funnel 1, §2). */
  stageMap: z.partialRecord(z.enum(orderStatuses), z.string().trim().min(1).max(50)).optional(),
  /** The deal fields that carry Sklad's ids. */
  fields: z
    .object({
      /** How a deal is found again: ORIGIN_ID (with ORIGINATOR_ID "sklad", §4) or a custom field. */
      orderKey: z.union([z.literal('ORIGIN_ID'), userField]).default('ORIGIN_ID'),
      postingNumber: userField.optional(),
      externalId: userField.optional(),
      deliveryNumber: userField.optional(),
      deliveryStatus: userField.optional(),
    })
    .default({ orderKey: 'ORIGIN_ID' }),
});
export type Bitrix24Settings = z.infer<typeof settingsSchema>;

export const settingsOf = (account: ConnectorAccount): Bitrix24Settings => settingsSchema.parse(account.settings ?? {});

/** A crm.status.list row: what Sklad reads of it (§2: deal stages are ENTITY_ID DEAL_STAGE or DEAL_STAGE_<funnel>). */
export const statusRow = z.looseObject({ ENTITY_ID: z.string(), STATUS_ID: z.string(), NAME: z.string() });

export const bitrix24Connector: Connector = {
  channel: 'bitrix24',
  title: 'Bitrix24',
  defaultBaseUrl: WEBHOOK_PORTAL,
  capabilities: { listings: false, pushStock: false, readStock: false, orders: false },
  // §8: the portal's bucket (api.ts BUCKET), for every attempt; the module's limit group keeps it for every process.
  limits: { pushBatchSize: MAX_BATCH, requestsPerSecond: BUCKET.perSecond, burst: BUCKET.burst, maxConcurrent: 2 },
  credentialsSchema,
  settingsSchema,
  validateOnAdd: true,

  async validate(ctx) {
    try {
      // One cheap call that needs the crm scope: the stages of the default funnel.
      const answer = await bitrixCall(
        ctx,
        'crm.status.list',
        { filter: { ENTITY_ID: 'DEAL_STAGE' } },
        listAnswer(statusRow),
        { attempts: 2 },
      );
      return { ok: true, details: `Bitrix24 answered: ${answer.result.length} stages in the default funnel` };
    } catch (error) {
      if (error instanceof CredentialsRejected) return { ok: false, reason: error.message };
      throw error;
    }
  },
};
