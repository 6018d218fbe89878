/** The words of `sklad packages …` (seed 004 §4), a part of the one dictionary (src/web/i18n.ts registers it under `cli.packages.`). */
export const deliveryCliWords = {
  command: {
    ru: 'Посылки доставки (OZ-…): найти, показать с событиями и ошибками, повторить, отметить сделанной вручную',
    en: 'Delivery packages (OZ-…): find, show with outbox events and errors, retry, mark made by hand',
  },
  head: {
    ru: 'Посылка {id} · {number} · {state}{byHand? (сделана вручную)} · заказ {order} · отправление {posting}',
    en: 'Package {id} · {number} · {state}{byHand? (made by hand)} · order {order} · posting {posting}',
  },
  service: {
    ru: '  номер службы: {tracking}  статус: {status}  накладная: {waybill}',
    en: '  service number: {tracking}  status: {status}  waybill: {waybill}',
  },
  recipient: { ru: '  получатель: {name} {phone}', en: '  recipient: {name} {phone}' },
  to: { ru: '  куда: {to}', en: '  to: {to}' },
  point: { ru: 'пункт выдачи {point}', en: 'pick-up point {point}' },
  parcel: {
    ru: '  посылка: {weight} г, {length}×{width}×{height} см',
    en: '  parcel: {weight} g, {length}×{width}×{height} cm',
  },
  error: { ru: '  ошибка: {error}', en: '  error: {error}' },
  missing: { ru: '  не хватает: {field} ({reason})', en: '  missing: {field} ({reason})' },
  events: { ru: 'События в очереди ({count}):', en: 'Outbox events ({count}):' },
  event: {
    ru: '  #{id} {name} {state} попыток={attempts}{error? последняя ошибка: {error}}',
    en: '  #{id} {name} {state} attempts={attempts}{error? last error: {error}}',
  },
  attempt: { ru: '      попытка {attempt} {at} {status} {error}', en: '      attempt {attempt} {at} {status} {error}' },
  many: {
    ru: '«{ref}» — это {count} посылки(ок): укажите номер посылки',
    en: '"{ref}" names {count} packages: give the package id',
  },
  none: { ru: 'Посылки с номером «{ref}» нет', en: 'No package has the number "{ref}"' },
  find: {
    ru: 'Посылки по OZ-{posting_number}, номеру отправления или номеру службы доставки',
    en: 'Packages by OZ-{posting_number}, the posting number or the delivery service’s number',
  },
  'col.id': { ru: 'ID', en: 'ID' },
  'col.number': { ru: 'НОМЕР', en: 'NUMBER' },
  'col.state': { ru: 'СОСТОЯНИЕ', en: 'STATE' },
  'col.service': { ru: 'НОМЕР СЛУЖБЫ', en: 'SERVICE NUMBER' },
  'col.order': { ru: 'ЗАКАЗ', en: 'ORDER' },
  'col.waybill': { ru: 'НАКЛАДНАЯ', en: 'WAYBILL' },
  byHand: { ru: ' (вручную)', en: ' (by hand)' },
  yes: { ru: 'да', en: 'yes' },
  no: { ru: 'нет', en: 'no' },
  show: {
    ru: 'Посылка (её id или любой номер) с событиями в очереди и их ошибками',
    en: 'A package (its id or any of its numbers) with its outbox events and their errors',
  },
  retry: {
    ru: 'Отправить посылку ещё раз, с исправленными полями, если они даны (проверяются до постановки в очередь)',
    en: 'Send the package again, with fixed fields if given (checked before anything is queued)',
  },
  'opt.name': { ru: 'имя получателя', en: 'the recipient’s name' },
  'opt.phone': { ru: 'телефон получателя', en: 'the recipient’s phone' },
  'opt.country': { ru: 'код страны (RU)', en: 'the country code (RU)' },
  'opt.region': { ru: 'регион', en: 'the region' },
  'opt.city': { ru: 'город', en: 'the city' },
  'opt.address': { ru: 'улица, дом и квартира', en: 'the street, house and flat' },
  'opt.postalCode': { ru: 'почтовый индекс', en: 'the postal code' },
  'opt.point': { ru: 'код пункта выдачи вместо адреса', en: 'a pick-up point’s code instead of the address' },
  'opt.weight': { ru: 'вес посылки в граммах', en: 'the parcel’s weight in grams' },
  'opt.size': {
    ru: 'размер посылки в сантиметрах, например 30x20x10',
    en: 'the parcel’s size in centimetres, e.g. 30x20x10',
  },
  sizeBad: {
    ru: '--size — длина x ширина x высота в сантиметрах, например 30x20x10',
    en: '--size is length x width x height in centimetres, e.g. 30x20x10',
  },
  queued: { ru: 'Посылка {id} {number} снова в очереди ({state})', en: 'Package {id} {number} queued again ({state})' },
  madeByHand: {
    ru: 'Записать заказ доставки, сделанный вручную поддержкой службы, с его номером (номер СДЭК): дальше — накладная',
    en: 'Record the delivery order the service’s support made by hand, with its number (CDEK number): the flow goes on to the waybill',
  },
  marked: {
    ru: 'Посылка {id} {number} сделана вручную: номер {tracking}',
    en: 'Package {id} {number} is made by hand: number {tracking}',
  },
} as const;
