import { sellerCenterConnector } from '../protocols/sellercenter/connector.ts';

/**
 * Lamoda's SellerCenter (../shared/specs/sellercenter-lamoda-namshi/CONTRACT.md): the shared
 * SellerCenter connector with Lamoda's host and shops. Russia is the default base URL; an
 * account of the Kazakhstan shop sets its own base URL and the KZT currency.
 * ⚠ The host follows §1's pattern (`sellercenter-api.<marketplace>`); the digest has no Lamoda
 * address of its own: confirm it on Lamoda's seller-center API page before going live.
 */
export const lamodaConnector = sellerCenterConnector({
  channel: 'lamoda',
  title: 'Lamoda',
  defaultBaseUrl: 'https://sellercenter-api.lamoda.ru',
  currencies: ['RUB', 'KZT'],
});
