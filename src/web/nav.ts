import type { Label, MessageKey } from './i18n.ts';

/**
 * The panel's main menu. A domain that adds its own pages adds one line here, with its label
 * in both languages: `{ href: '/orders', label: { ru: 'Заказы', en: 'Orders' } }`.
 */
export interface NavEntry {
  href: string;
  label: MessageKey | Label;
}

export const navEntries: NavEntry[] = [
  { href: '/', label: 'nav.dashboard' },
  { href: '/products', label: 'nav.products' },
  { href: '/prices', label: { ru: 'Цены', en: 'Prices' } },
  { href: '/stock', label: 'nav.stock' },
  { href: '/warehouses', label: 'nav.warehouses' },
  { href: '/orders', label: 'nav.orders' },
  { href: '/reports', label: 'reports.title' },
  { href: '/support', label: 'nav.support' },
  { href: '/findings', label: 'nav.findings' },
  { href: '/channels', label: 'nav.channels' },
  { href: '/sync', label: 'nav.sync' },
  { href: '/exports', label: 'nav.exports' },
  { href: '/imports', label: 'imports.title' },
  { href: '/notifications', label: { ru: 'Уведомления', en: 'Notifications' } },
  { href: '/menu', label: 'nav.menu' },
];
