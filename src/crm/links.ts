import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { rows, type Executor } from '../db/database.ts';
import { recordOperation } from '../audit/operations.ts';
import { channelModules } from '../channels/core/module.ts';
import { orderStatuses } from '../orders/service.ts';
import { DomainError, notFound } from '../shared/errors.ts';

/**
 * Where a channel account's orders go in the CRM: its link (crm_links) names the CRM account,
 * the funnel, the stage map and the deal fields that carry the marketplace's ids; the CRM
 * account's own settings give what the link leaves out. A channel account with no link goes
 * to the first active CRM account, so a seller with one portal configures nothing.
 */

export interface CrmTarget {
  crmAccountId: number;
  categoryId: number | null;
  /** Sklad's order status → the CRM's stage id. */
  stageMap: Record<string, string>;
  /** Which deal field carries which id (postingNumber, externalId, orderId, deliveryNumber, deliveryStatus). */
  fields: Record<string, string | undefined>;
}

const idFieldNames = ['postingNumber', 'externalId', 'orderId', 'deliveryNumber', 'deliveryStatus'] as const;

export const crmLinkInput = z
  .object({
    crm_account_id: z.number().int().positive(),
    category_id: z.number().int().min(0).nullable().optional(),
    stage_map: z.partialRecord(z.enum(orderStatuses), z.string().trim().min(1).max(100)).optional(),
    fields: z
      .partialRecord(
        z.enum(idFieldNames),
        z
          .string()
          .trim()
          .regex(/^[A-Z][A-Z0-9_]*$/, 'a deal field name such as UF_CRM_1700000000'),
      )
      .optional(),
  })
  .strict();
export type CrmLinkInput = z.infer<typeof crmLinkInput>;

/** The CRM modules' channels ('bitrix24'), from the installed modules. */
export const crmChannels = () =>
  channelModules()
    .filter((m) => m.crm)
    .map((m) => m.connector.channel);

const settingsOf = (settings: unknown) => {
  const s = (settings ?? {}) as { categoryId?: unknown; stageMap?: unknown; fields?: unknown };
  return {
    categoryId: typeof s.categoryId === 'number' ? s.categoryId : null,
    stageMap: (s.stageMap && typeof s.stageMap === 'object' ? s.stageMap : {}) as Record<string, string>,
    fields: (s.fields && typeof s.fields === 'object' ? s.fields : {}) as Record<string, string>,
  };
};

/** The CRM target of each order (orders of no channel account, or with no CRM at all, have none). */
export async function crmTargets(ex: Executor, orderIds: number[]): Promise<Map<number, CrmTarget>> {
  const channels = crmChannels();
  if (!orderIds.length || !channels.length) return new Map();
  const found = await rows<{
    order_id: number;
    crm_account_id: number;
    category_id: number | null;
    stage_map: Record<string, string> | null;
    fields: Record<string, string> | null;
    crm_settings: unknown;
  }>(
    ex,
    sql`with fallback as (
          select id from channel_accounts where channel = any(${sql.param(channels)}::text[]) and status = 'active' order by id limit 1)
        select o.id as order_id, coalesce(l.crm_account_id, (select id from fallback)) as crm_account_id,
               l.category_id, l.stage_map, l.fields, c.settings as crm_settings
          from orders o
          left join crm_links l on l.account_id = o.account_id
          join channel_accounts c on c.id = coalesce(l.crm_account_id, (select id from fallback))
         where o.id = any(${sql.param(orderIds)}::bigint[]) and o.account_id is not null`,
  );
  return new Map(
    found.map((f) => {
      const base = settingsOf(f.crm_settings);
      return [
        Number(f.order_id),
        {
          crmAccountId: Number(f.crm_account_id),
          categoryId: f.category_id ?? base.categoryId,
          stageMap: { ...base.stageMap, ...(f.stage_map ?? {}) },
          fields: { ...base.fields, ...(f.fields ?? {}) },
        },
      ];
    }),
  );
}

export interface CrmLinkRow {
  account_id: number;
  crm_account_id: number;
  category_id: number | null;
  stage_map: Record<string, string>;
  fields: Record<string, string>;
  updated_at: string;
}

export const listCrmLinks = (ex: Executor) =>
  rows<CrmLinkRow>(
    ex,
    sql`select account_id, crm_account_id, category_id, stage_map, fields, iso(updated_at) as updated_at from crm_links order by account_id`,
  );

/** Sets a channel account's CRM link; the CRM account must be one of a CRM module. */
export async function setCrmLink(
  ex: Executor,
  accountId: number,
  input: CrmLinkInput,
  actor: string,
): Promise<CrmLinkRow> {
  const accounts = await rows<{ id: number; channel: string }>(
    ex,
    sql`select id, channel from channel_accounts where id = any(${sql.param([accountId, input.crm_account_id])}::bigint[])`,
  );
  const channelOf = new Map(accounts.map((a) => [Number(a.id), a.channel]));
  if (!channelOf.has(accountId)) throw notFound('Channel account', accountId);
  const crmChannel = channelOf.get(input.crm_account_id);
  if (!crmChannel) throw notFound('Channel account', input.crm_account_id);
  if (!crmChannels().includes(crmChannel)) {
    throw new DomainError(
      'NOT_A_CRM_ACCOUNT',
      `Account ${input.crm_account_id} is a ${crmChannel} account, not a CRM's`,
      409,
      {
        account_id: input.crm_account_id,
        channel: crmChannel,
      },
    );
  }
  const [row] = await rows<CrmLinkRow>(
    ex,
    sql`insert into crm_links (account_id, crm_account_id, category_id, stage_map, fields)
        values (${accountId}, ${input.crm_account_id}, ${input.category_id ?? null}, ${JSON.stringify(input.stage_map ?? {})}::jsonb,
                ${JSON.stringify(input.fields ?? {})}::jsonb)
        on conflict (account_id) do update set crm_account_id = excluded.crm_account_id, category_id = excluded.category_id,
               stage_map = excluded.stage_map, fields = excluded.fields, updated_at = now()
        returning account_id, crm_account_id, category_id, stage_map, fields, iso(updated_at) as updated_at`,
  );
  await recordOperation(ex, {
    entityType: 'crm_link',
    entityId: accountId,
    action: 'set',
    actor,
    changes: { link: { before: null, after: input } },
  });
  return row;
}
