import { registerCatalogExportCommand } from '../../exports/cli.ts';
import type { ChannelModule } from '../core/module.ts';
import { sellerCenterRefusal } from '../protocols/sellercenter/client.ts';
import { sellerCenterFields } from '../protocols/sellercenter/fields.ts';
import { sellerCenterOrderActions } from '../protocols/sellercenter/order-actions.ts';
import { lamodaCatalogFeed } from './catalog-feed.ts';
import { lamodaConnector } from './connector.ts';
import { lamodaDemo } from './demo.ts';

/**
 * Lamoda as Sklad installs it: the SellerCenter connector, its UserID and API key, its
 * refusals read from the ErrorResponse (E007 the key, E003 the clock), the seller's order
 * actions (confirm, ship, cancel: SellerCenter's item status changes, docs/decisions/192), the support
 * tools' name for re-importing one order (seed 004: `upload_order`), and the catalog file and
 * ProductCreate feed of the RU → KZ export (seed 004 §3: `save_csv`, then `FeedStatus`).
 */
export const lamodaModule: ChannelModule = {
  connector: lamodaConnector,
  ...sellerCenterFields('Lamoda', {
    ru: 'Seller Center Lamoda → настройки пользователя с ролью «Seller API Access»: ключ API (для магазина в Казахстане — ключ его Seller Center)',
    en: 'Lamoda Seller Center → the settings of the user with the “Seller API Access” role: the API key (for the Kazakhstan shop, the key of its Seller Center)',
  }),
  rejectedCredentials: sellerCenterRefusal('Lamoda'),
  orderActions: sellerCenterOrderActions('Lamoda'),
  support: { fetchOrderAction: 'upload_order' },
  catalogFeed: lamodaCatalogFeed,
  cli: (program) => registerCatalogExportCommand(program, { channel: 'lamoda' }),
  demo: lamodaDemo,
  jobLabels: { 'lamoda.orders': { ru: 'Заказы Lamoda', en: 'Lamoda orders' } },
};
