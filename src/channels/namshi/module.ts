import type { ChannelModule } from '../core/module.ts';
import { sellerCenterRefusal } from '../protocols/sellercenter/client.ts';
import { sellerCenterFields } from '../protocols/sellercenter/fields.ts';
import { sellerCenterOrderActions } from '../protocols/sellercenter/order-actions.ts';
import { namshiConnector } from './connector.ts';
import { namshiDemo } from './demo.ts';

/**
 * Namshi as Sklad installs it: the SellerCenter connector, its UserID and API key, its
 * refusals read from the ErrorResponse, the seller's order actions (SellerCenter's item status
 * changes, docs/decisions/192), and the support tools' words (seed 004:
 * `notifyOrder`, and a CRM comment naming the shipping warehouse after a status re-send).
 */
export const namshiModule: ChannelModule = {
  connector: namshiConnector,
  ...sellerCenterFields('Namshi', {
    ru: 'Seller Center Namshi → настройки пользователя с ролью «Seller API Access»: ключ API',
    en: 'Namshi Seller Center → the settings of the user with the “Seller API Access” role: the API key',
  }),
  rejectedCredentials: sellerCenterRefusal('Namshi'),
  orderActions: sellerCenterOrderActions('Namshi'),
  support: { fetchOrderAction: 'notifyOrder', commentWarehouseAfterStatus: true },
  demo: namshiDemo,
  jobLabels: { 'namshi.orders': { ru: 'Заказы Namshi', en: 'Namshi orders' } },
};
