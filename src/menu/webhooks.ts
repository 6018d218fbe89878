import { sql } from 'drizzle-orm';
import { iikoApi } from '../channels/iiko/api.ts';
import { connectorContextFor, guardCredentials } from '../channels/core/context.ts';
import { webhookEvents, type WebhookEvent } from '../channels/iiko/types.ts';
import { rows, type Executor } from '../db/database.ts';
import { enqueueJob } from '../engine/jobs.ts';
import type { Hub } from '../hub.ts';
import { DomainError } from '../shared/errors.ts';
import { getSetting, settingByWebhookToken, webhookToken } from './settings.ts';
import { loadOrganizations, runSync, type SyncReport } from './sync.ts';

/**
 * iiko webhooks (seed 003, «Webhook автоматизация»): Sklad registers its receiver with iiko
 * per organization, with the setting's secret token; iiko posts events back with that token in
 * Authorization. A StopListUpdate refreshes the organization's stop lists inside the same
 * request, so availability is right by the time iiko gets its 200.
 */

export const WEBHOOK_PATH = '/webhooks/iiko';

/**
 * A domain or base URL gets the receiver's path; a full URL with a path is taken as it is.
 * Anything that is no http(s) address with a host (`a b c`) is a 400 naming the field.
 */
export function receiverUrl(input: string): string {
  let url: URL | null = null;
  try {
    url = new URL(/^https?:\/\//i.test(input) ? input : `https://${input}`);
  } catch {
    // refused below
  }
  if (!url || !/^https?:$/.test(url.protocol) || !url.hostname || url.username || url.password) {
    const message =
      'must be a domain or an http(s) URL, such as sklad.example.com or https://sklad.example.com/webhooks/iiko';
    throw new DomainError('VALIDATION_FAILED', `body.url: ${message}`, 400, [{ field: 'body.url', message }]);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = WEBHOOK_PATH;
  return url.toString();
}

export async function registerWebhooks(hub: Hub, settingId: number, input: string) {
  const url = receiverUrl(input);
  let setting = await getSetting(hub.db, settingId);
  if (!setting.syncOrganizationIds.length) {
    await loadOrganizations(hub, settingId);
    setting = await getSetting(hub.db, settingId);
  }
  const token = await webhookToken(hub.db, hub.masterKey, settingId);
  const ctx = await connectorContextFor(hub, setting.account_id);
  const filter = { stopListUpdateFilter: { updates: true }, nomenclatureUpdateFilter: { updates: true } };
  for (const organizationId of setting.syncOrganizationIds) {
    await guardCredentials(hub, setting.account_id, () => iikoApi.registerWebhook(ctx, organizationId, url, token));
    await hub.db.execute(sql`
      insert into webhook_configs (setting_id, organization_id, webhook_url, filter) values (${settingId}, ${organizationId}, ${url}, ${JSON.stringify(filter)}::jsonb)
      on conflict (setting_id, organization_id) do update set webhook_url = excluded.webhook_url, filter = excluded.filter, registered_at = now()`);
  }
  return listWebhookConfigs(hub.db, settingId);
}

export async function listWebhookConfigs(ex: Executor, settingId?: number) {
  return rows(
    ex,
    sql`
    select id, setting_id, organization_id, webhook_url, filter, iso(registered_at) as registered_at, iso(last_event_at) as last_event_at,
           last_event_type, events_received
      from webhook_configs where (${settingId ?? null}::bigint is null or setting_id = ${settingId ?? null}) order by setting_id, organization_id`,
  );
}

export interface WebhookOutcome {
  events: number;
  /** Stop-list syncs run for the events, one per organization. */
  stop_lists: SyncReport[];
  /** Organizations whose nomenclature changed: a price sync was queued for them. */
  nomenclature_queued: boolean;
}

/** Handles one delivery: `authorization` is the header iiko sent (the token, bare or as Bearer). */
export async function receiveWebhook(
  hub: Hub,
  authorization: string | undefined,
  body: unknown,
): Promise<WebhookOutcome> {
  const token = (authorization ?? '').replace(/^Bearer\s+/i, '').trim();
  const setting = await settingByWebhookToken(hub.db, hub.masterKey, token);
  if (!setting)
    throw new DomainError(
      'WEBHOOK_TOKEN_INVALID',
      'The Authorization header does not carry a known iiko webhook token',
      401,
    );
  const parsed = webhookEvents.safeParse(Array.isArray(body) ? body : [body]);
  if (!parsed.success)
    throw new DomainError(
      'VALIDATION_FAILED',
      'An iiko webhook is an array of events with eventType and organizationId',
      400,
      parsed.error.issues.slice(0, 5),
    );
  const events = parsed.data.filter(
    (e) => !setting.syncOrganizationIds.length || setting.syncOrganizationIds.includes(e.organizationId),
  );
  await noteEvents(hub.db, setting.id, parsed.data);

  const stopListOrganizations = [
    ...new Set(events.filter((e) => e.eventType === 'StopListUpdate').map((e) => e.organizationId)),
  ];
  const reports: SyncReport[] = [];
  for (const organizationId of stopListOrganizations)
    reports.push(await runSync(hub, setting.id, 'stoplist', { organizationId }));

  const nomenclatureChanged = events.some((e) => /nomenclature/i.test(e.eventType));
  if (nomenclatureChanged) {
    // The engine's job for the connector's 'prices' sync reads only what changed.
    await enqueueJob(hub.db, {
      type: 'iiko.prices',
      accountId: setting.account_id,
      payload: { accountId: setting.account_id },
      key: `iiko.prices:${setting.account_id}:webhook`,
    });
  }
  return { events: parsed.data.length, stop_lists: reports, nomenclature_queued: nomenclatureChanged };
}

async function noteEvents(ex: Executor, settingId: number, events: WebhookEvent[]) {
  for (const organizationId of new Set(events.map((e) => e.organizationId))) {
    const mine = events.filter((e) => e.organizationId === organizationId);
    await ex.execute(sql`
      update webhook_configs set last_event_at = now(), last_event_type = ${mine[mine.length - 1].eventType}, events_received = events_received + ${mine.length}
       where setting_id = ${settingId} and organization_id = ${organizationId}`);
  }
}
