import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { recordOperation } from '../audit/operations.ts';
import { channelModules } from '../channels/core/module.ts';
import { rows, type Executor } from '../db/database.ts';
import { DomainError, notFound } from '../shared/errors.ts';

/**
 * Which channel account's orders a delivery service ships (delivery_links): the account's
 * delivery methods or warehouses that mean the service (Ozon's `delivery_method.id` and
 * `warehouse_id`; neither named: every order), the prefix of our delivery order numbers, and
 * defaults for what the channel never gives. Ozon gives neither the parcel's weight and size
 * nor the buyer's phone (its spec: "always an empty string"), so without defaults every Ozon
 * package lists them as missing until support fills them in.
 */

export const deliveryDefaults = z
  .object({
    weight_grams: z.number().int().positive().max(1_000_000),
    length_cm: z.number().int().positive().max(1_000),
    width_cm: z.number().int().positive().max(1_000),
    height_cm: z.number().int().positive().max(1_000),
    phone: z.string().trim().min(5).max(30),
  })
  .partial()
  .strict();
export type DeliveryDefaults = z.infer<typeof deliveryDefaults>;

const code = z.string().trim().min(1).max(100);

export const deliveryLinkInput = z
  .object({
    delivery_account_id: z.number().int().positive(),
    methods: z.array(code).max(200).default([]),
    warehouses: z.array(code).max(200).default([]),
    number_prefix: z
      .string()
      .regex(/^[\x21-\x7E]{0,10}$/, 'at most 10 ASCII letters, digits and signs')
      .optional()
      .describe('Default: the channel’s first two letters and a dash (Ozon: OZ-)'),
    defaults: deliveryDefaults.default({}),
  })
  .strict();
export type DeliveryLinkInput = z.input<typeof deliveryLinkInput>;

export interface DeliveryLink {
  account_id: number;
  delivery_account_id: number;
  methods: string[];
  warehouses: string[];
  number_prefix: string;
  defaults: DeliveryDefaults;
  updated_at: string;
}

const columns = sql`account_id, delivery_account_id, methods, warehouses, number_prefix, defaults, iso(updated_at) as updated_at`;

/** The delivery modules' channels, from the installed modules (core never names one). */
export const deliveryChannels = () =>
  channelModules()
    .filter((m) => m.delivery)
    .map((m) => m.connector.channel);

export async function linkOf(ex: Executor, accountId: number): Promise<DeliveryLink | null> {
  const [link] = await rows<DeliveryLink>(
    ex,
    sql`select ${columns} from delivery_links where account_id = ${accountId}`,
  );
  return link
    ? { ...link, account_id: Number(link.account_id), delivery_account_id: Number(link.delivery_account_id) }
    : null;
}

export const listDeliveryLinks = (ex: Executor) =>
  rows<DeliveryLink>(ex, sql`select ${columns} from delivery_links order by account_id`);

/** Whether the link's service ships an order of this method and warehouse. */
export function shipsWith(
  link: Pick<DeliveryLink, 'methods' | 'warehouses'>,
  shipping: { methodId?: string | null; warehouseId?: string | null },
): boolean {
  if (!link.methods.length && !link.warehouses.length) return true;
  return (
    (!!shipping.methodId && link.methods.includes(shipping.methodId)) ||
    (!!shipping.warehouseId && link.warehouses.includes(shipping.warehouseId))
  );
}

/** Sets a channel account's delivery link; the delivery account must be one of a delivery module. */
export async function setDeliveryLink(
  ex: Executor,
  accountId: number,
  input: DeliveryLinkInput,
  actor: string,
): Promise<DeliveryLink> {
  const link = deliveryLinkInput.parse(input);
  const accounts = await rows<{ id: number; channel: string }>(
    ex,
    sql`select id, channel from channel_accounts where id = any(${sql.param([accountId, link.delivery_account_id])}::bigint[])`,
  );
  const channelOf = new Map(accounts.map((a) => [Number(a.id), a.channel]));
  const channel = channelOf.get(accountId);
  if (!channel) throw notFound('Channel account', accountId);
  const deliveryChannel = channelOf.get(link.delivery_account_id);
  if (!deliveryChannel) throw notFound('Channel account', link.delivery_account_id);
  if (!deliveryChannels().includes(deliveryChannel)) {
    throw new DomainError(
      'NOT_A_DELIVERY_ACCOUNT',
      `Account ${link.delivery_account_id} is a ${deliveryChannel} account, not a delivery service's`,
      409,
      {
        account_id: link.delivery_account_id,
        channel: deliveryChannel,
      },
    );
  }
  const before = await linkOf(ex, accountId);
  const prefix = link.number_prefix ?? `${channel.slice(0, 2).toUpperCase()}-`;
  const [row] = await rows<DeliveryLink>(
    ex,
    sql`insert into delivery_links (account_id, delivery_account_id, methods, warehouses, number_prefix, defaults)
        values (${accountId}, ${link.delivery_account_id}, ${sql.param(link.methods)}::text[], ${sql.param(link.warehouses)}::text[],
                ${prefix}, ${JSON.stringify(link.defaults)}::jsonb)
        on conflict (account_id) do update set delivery_account_id = excluded.delivery_account_id, methods = excluded.methods,
               warehouses = excluded.warehouses, number_prefix = excluded.number_prefix, defaults = excluded.defaults, updated_at = now()
        returning ${columns}`,
  );
  const view = (l: DeliveryLink | null) =>
    l && {
      delivery_account_id: Number(l.delivery_account_id),
      methods: l.methods,
      warehouses: l.warehouses,
      number_prefix: l.number_prefix,
      defaults: l.defaults,
    };
  await recordOperation(ex, {
    entityType: 'delivery_link',
    entityId: accountId,
    action: 'set',
    actor,
    changes: { link: { before: view(before), after: view(row) } },
  });
  return { ...row, account_id: Number(row.account_id), delivery_account_id: Number(row.delivery_account_id) };
}
