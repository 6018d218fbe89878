import type { Hub } from '../../hub.ts';
import { createAccount, findAccountsByCredentials, requireMasterKey } from '../core/accounts.ts';

/**
 * A Wix site configured from the environment, as the seed's deployment did (.env.docker):
 * WIX_API_KEY and WIX_SITE_ID together (WIX_BASE_URL optional, for a simulator). Neither set:
 * nothing happens (accounts come from the API and live in the database). One without the
 * other, or a value that cannot be right, stops the start naming the variable, so Sklad never
 * runs half-configured (the seed's 500s). The key itself is never printed.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WixEnvConfig {
  apiKey: string;
  siteId: string;
  baseUrl?: string;
}

export function wixConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WixEnvConfig | null {
  const apiKey = env.WIX_API_KEY?.trim();
  const siteId = env.WIX_SITE_ID?.trim();
  if (!apiKey && !siteId) return null;
  if (!apiKey)
    throw new Error('Missing Wix configuration: WIX_API_KEY is not set (WIX_SITE_ID is); set both or neither');
  if (!siteId)
    throw new Error('Missing Wix configuration: WIX_SITE_ID is not set (WIX_API_KEY is); set both or neither');
  if (apiKey.length < 10) throw new Error('Invalid Wix configuration: WIX_API_KEY is too short to be a Wix API key');
  if (!UUID.test(siteId))
    throw new Error(`Invalid Wix configuration: WIX_SITE_ID must be the site's id (a UUID), got "${siteId}"`);
  const baseUrl = env.WIX_BASE_URL?.trim() || undefined;
  if (baseUrl && !/^https?:\/\/[^/\s]+/.test(baseUrl))
    throw new Error(`Invalid Wix configuration: WIX_BASE_URL must be an http(s) URL, got "${baseUrl}"`);
  return { apiKey, siteId, baseUrl };
}

/** Creates the environment's Wix account once (found again by its credentials' fingerprint); returns its id. */
export async function ensureWixAccountFromEnv(hub: Hub, env: NodeJS.ProcessEnv = process.env): Promise<number | null> {
  const config = wixConfigFromEnv(env);
  if (!config) return null;
  const masterKey = requireMasterKey(hub.masterKey);
  const credentials = { apiKey: config.apiKey, siteId: config.siteId };
  const [existing] = await findAccountsByCredentials(hub.db, masterKey, 'wix', credentials);
  if (existing) return existing;
  const account = await createAccount(
    hub.db,
    masterKey,
    {
      channel: 'wix',
      name: `Wix site ${config.siteId.slice(0, 8)} (environment)`,
      baseUrl: config.baseUrl ?? null,
      credentials,
    },
    'environment',
  );
  hub.logger.info({ accountId: account.id }, 'Wix account configured from WIX_API_KEY and WIX_SITE_ID');
  return account.id;
}

/** The module's start hook (`sklad start`): fails the start loudly on half a configuration. */
export async function wixEnvStartHook(hub: Hub): Promise<() => void> {
  await ensureWixAccountFromEnv(hub);
  return () => {};
}
