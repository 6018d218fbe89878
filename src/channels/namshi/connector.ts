import { sellerCenterConnector } from '../protocols/sellercenter/connector.ts';

/**
 * Namshi's SellerCenter (../shared/specs/sellercenter-lamoda-namshi/CONTRACT.md §8): the
 * shared SellerCenter connector with Namshi's host, selling in dirhams (the UAE shop) or riyals.
 * ⚠ The host follows §1's pattern (`sellercenter-api.<marketplace>`); the digest has no Namshi
 * address of its own, nor says whether Namshi still serves SellerCenter to new sellers.
 */
export const namshiConnector = sellerCenterConnector({
  channel: 'namshi',
  title: 'Namshi',
  defaultBaseUrl: 'https://sellercenter-api.namshi.com',
  currencies: ['AED', 'SAR'],
});
