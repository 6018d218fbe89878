import { z } from 'zod';
import type { Connector, ConnectorContext } from '../core/connector.ts';
import { requestToken } from './auth.ts';
import { describeIssues } from './types.ts';

/**
 * CDEK (delivery, CONTRACT.md in ../shared/specs/cdek): no listings, stock or orders to sync.
 * Its work is the delivery flow's (src/delivery), through the module's DeliveryService
 * (delivery.ts); this connector brings the keys, the settings and the key check.
 */

const location = z.object({
  city: z.string().trim().min(1).max(255),
  address: z.string().trim().min(1).max(255),
  postalCode: z.string().trim().min(1).max(20).optional(),
  countryCode: z
    .string()
    .trim()
    .regex(/^[A-Z]{2}$/, 'two capital letters (ISO 3166-1 alpha-2)')
    .optional(),
});

const settingsSchema = z
  .object({
    /** CDEK's tariff (CONTRACT.md §3); 136 is "parcel office–office". */
    tariffCode: z.number().int().positive().default(136),
    /** The CDEK office the seller hands parcels in at… */
    shipmentPoint: z.string().trim().min(1).max(255).optional(),
    /** …or the address a courier collects them from (§3: never both). */
    fromLocation: location.optional(),
    /** The sender on the waybill; CDEK takes the contract's when absent. */
    sender: z.object({ name: z.string().trim().min(1).max(255), phone: z.string().trim().min(5).max(30) }).optional(),
  })
  .refine((s) => !(s.shipmentPoint && s.fromLocation), {
    message: 'a shipment point or a sender address, not both (CDEK refuses both)',
    path: ['fromLocation'],
  });

export type CdekSettings = z.infer<typeof settingsSchema>;

/** The account's settings as the schema reads them (a hand-edited row is an error naming the field). */
export function cdekSettings(ctx: ConnectorContext): CdekSettings {
  const parsed = settingsSchema.safeParse(ctx.account.settings ?? {});
  if (!parsed.success) throw new Error(`The CDEK account's settings are not valid: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

export const cdekConnector: Connector = {
  channel: 'cdek',
  title: 'CDEK',
  defaultBaseUrl: 'https://api.cdek.ru',
  capabilities: { listings: false, pushStock: false, readStock: false, orders: false },
  // §9: CDEK documents no rate limit; a few requests a second per key is a polite guess.
  limits: { pushBatchSize: 1, requestsPerSecond: 5, burst: 10, maxConcurrent: 4 },
  credentialsSchema: z.object({
    clientId: z.string().trim().min(1, 'the Account of the CDEK integration keys').max(200),
    clientSecret: z.string().trim().min(1, 'the Secure password of the CDEK integration keys').max(500),
  }),
  settingsSchema,
  // A token is one cheap request: an account is checked before it is kept.
  validateOnAdd: true,
  async validate(ctx) {
    const { scope } = await requestToken(ctx);
    return { ok: true, details: scope ? `CDEK gave a token for ${scope}` : 'CDEK gave a token' };
  },
};
