import { orderWarehouseField, type CredentialField, type LocalText, type SettingField } from '../../core/module.ts';

/**
 * The credential and setting fields of a SellerCenter module, in the order of the
 * connector's schemas (connector.ts): the same two credentials everywhere (§1: UserID and its
 * API key), the place a seller finds them in the module's own words.
 */
export function sellerCenterFields(
  title: string,
  keyPlace: LocalText,
): { credentialFields: CredentialField[]; settingFields: SettingField[] } {
  return {
    credentialFields: [
      {
        key: 'userId',
        label: { ru: 'UserID', en: 'UserID' },
        help: {
          ru: `E-mail (или ID) пользователя Seller Center ${title} с ролью «Seller API Access»: от его имени Склад подписывает запросы`,
          en: `The e-mail (or id) of the ${title} Seller Center user with the “Seller API Access” role: Sklad signs its requests as that user`,
        },
        secret: false,
        placeholder: 'seller@example.com',
      },
      { key: 'apiKey', label: { ru: 'API-ключ', en: 'API key' }, help: keyPlace, secret: true },
    ],
    settingFields: [
      orderWarehouseField('stockWarehouseId'),
      {
        key: 'currency',
        label: { ru: 'Валюта магазина', en: 'Shop currency' },
        help: {
          ru: `В какой валюте заказы, если ${title} её не указал в позициях заказа; по умолчанию — валюта основного магазина`,
          en: `The currency of orders whose items ${title} gives none for; the main shop’s currency when not set`,
        },
      },
      {
        key: 'orderDays',
        label: { ru: 'Дней истории заказов', en: 'Days of order history' },
        help: {
          ru: 'За сколько дней загрузить заказы при первом подключении (по умолчанию 30)',
          en: 'How far back the first orders import reaches (30 days unless set)',
        },
      },
    ],
  };
}
