import type { ChannelModule } from '../core/module.ts';
import { cdekRefusal } from './auth.ts';
import { cdekConnector } from './connector.ts';
import { cdekDelivery } from './delivery.ts';
import { cdekDemo } from './demo.ts';

/** CDEK as Sklad assembles it (docs/decisions/120): the integration keys, the sender's settings, delivery orders for the delivery flow. */
export const cdekModule: ChannelModule = {
  connector: cdekConnector,
  credentialFields: [
    {
      key: 'clientId',
      label: { ru: 'Идентификатор (Account)', en: 'Account (client id)' },
      help: {
        ru: 'Ключи интеграции выдаёт СДЭК по договору (личный кабинет → Интеграция); логин от кабинета не подойдёт',
        en: 'The integration keys CDEK issues under the contract (personal account → Integration); the cabinet login will not do',
      },
      secret: false,
    },
    {
      key: 'clientSecret',
      label: { ru: 'Секретный ключ (Secure password)', en: 'Secure password (client secret)' },
      help: { ru: 'Пароль той же пары ключей интеграции', en: 'The password of the same pair of integration keys' },
      secret: true,
    },
  ],
  settingFields: [
    {
      key: 'tariffCode',
      label: { ru: 'Код тарифа', en: 'Tariff code' },
      help: {
        ru: 'Тариф СДЭК для заказов; по умолчанию 136 (посылка склад–склад)',
        en: 'The CDEK tariff of the orders; 136 (parcel office–office) when not set',
      },
    },
    {
      key: 'shipmentPoint',
      label: { ru: 'Пункт приёма СДЭК', en: 'CDEK drop-off office' },
      help: {
        ru: 'Код офиса СДЭК, куда вы сдаёте посылки (например, MSK005); либо он, либо адрес отправителя',
        en: 'The code of the CDEK office you hand parcels in at (e.g. MSK005); either this or the sender address',
      },
    },
    {
      key: 'fromLocation',
      label: { ru: 'Адрес отправителя', en: 'Sender address' },
      help: {
        ru: 'Откуда курьер СДЭК забирает посылки: город, адрес, индекс, код страны',
        en: 'Where a CDEK courier collects parcels: city, address, postal code, country code',
      },
    },
    {
      key: 'sender',
      label: { ru: 'Отправитель', en: 'Sender' },
      help: {
        ru: 'Имя и телефон отправителя в накладной; без них — из договора со СДЭК',
        en: 'The sender’s name and phone on the waybill; the contract’s when not set',
      },
    },
  ],
  // A 401 renews the token first: only a refused renewal, or a 401 right after one, is a refusal.
  rejectedCredentials: cdekRefusal,
  delivery: cdekDelivery,
  demo: cdekDemo,
};
