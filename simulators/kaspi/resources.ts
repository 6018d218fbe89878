import type { KaspiEntry, KaspiOrder, KaspiShop } from './state.ts';

/**
 * Orders and entries as Kaspi's JSON:API answers show them (CONTRACT.md §2, §4): resources of
 * `{type, id, attributes, relationships, links}`. The attribute names are the digest's; the
 * Kaspi Delivery block sits under `attributes.kaspiDelivery`, where live answers put it [3P].
 */

/** The base the resources' links point at: the simulator's own address, as Kaspi's point at kaspi.kz. */
export type LinkBase = string;

/** [3P] Kaspi masks the buyer's phone once the order is archived (COMPLETED, CANCELLED …). */
const maskedPhone = (phone: string) =>
  `${phone.slice(0, 1)}${'*'.repeat(Math.max(0, phone.length - 3))}${phone.slice(-2)}`;

export function renderOrder(shop: KaspiShop, order: KaspiOrder, base: LinkBase): Record<string, unknown> {
  const delivery = shop.deliveryOf(order);
  const phone = order.state === 'ARCHIVE' ? maskedPhone(order.customer.cellPhone) : order.customer.cellPhone;
  const toDoor = delivery.mode !== 'DELIVERY_PICKUP';
  const attributes: Record<string, unknown> = {
    code: order.code,
    totalPrice: shop.totalOf(order),
    paymentMode: order.paymentMode,
    plannedDeliveryDate: order.plannedDeliveryDate,
    creationDate: order.creationDate,
    deliveryCostForSeller: order.deliveryCostForSeller,
    isKaspiDelivery: delivery.kaspi,
    deliveryMode: delivery.mode,
    deliveryAddress: toDoor
      ? {
          streetName: 'проспект Абая',
          streetNumber: '150',
          town: order.town,
          district: null,
          building: null,
          apartment: null,
          formattedAddress: order.address,
          latitude: 43.2389,
          longitude: 76.8897,
        }
      : null,
    signatureRequired: false,
    creditTerm: order.paymentMode === 'PAY_WITH_CREDIT' ? 12 : 0,
    preOrder: false,
    pickupPointId: `${shop.merchantId}_${order.entries[0].pointOfService}`,
    state: order.state,
    assembled: Boolean(order.assembled),
    approvedByBankDate: order.approvedByBankDate,
    status: order.status,
    customer: { ...order.customer, name: `${order.customer.firstName} ${order.customer.lastName}`, cellPhone: phone },
    deliveryCost: order.deliveryCost,
    reservationDate: order.reservationDate,
    isImeiRequired: false,
    ...(order.cancellationReason ? { cancellationReason: order.cancellationReason } : {}),
    ...(order.cancellationComment ? { cancellationComment: order.cancellationComment } : {}),
    ...(delivery.kaspi
      ? {
          kaspiDelivery: {
            waybill: order.assembled?.waybill ?? null,
            courierTransmissionDate: order.courierTransmissionDate ?? null,
            courierTransmissionPlanningDate: order.plannedDeliveryDate - 86_400_000,
            waybillNumber: order.assembled?.waybillNumber ?? null,
            express: false,
            returnedToWarehouse: false,
            firstMileCourier: null,
          },
        }
      : {}),
    ...order.override?.attributes,
  };
  const self = `${base}/orders/${order.id}`;
  return {
    type: 'orders',
    id: order.id,
    attributes,
    relationships: {
      user: {
        links: { self: `${self}/relationships/user`, related: `${self}/user` },
        data: { type: 'customers', id: order.customer.id },
      },
      entries: { links: { self: `${self}/relationships/entries`, related: `${self}/entries` } },
    },
    links: { self },
  };
}

/** `include[orders]=user`: the buyer as an `included` customers resource (§2). */
export function renderCustomer(order: KaspiOrder): Record<string, unknown> {
  const c = order.customer;
  return {
    type: 'customers',
    id: c.id,
    attributes: {
      firstName: c.firstName,
      lastName: c.lastName,
      name: `${c.firstName} ${c.lastName}`,
      cellPhone: c.cellPhone,
    },
  };
}

export function renderEntry(shop: KaspiShop, order: KaspiOrder, entry: KaspiEntry, base: LinkBase): unknown {
  const self = `${base}/orderentries/${entry.id}`;
  const rendered: Record<string, unknown> = {
    type: 'orderentries',
    id: entry.id,
    attributes: {
      quantity: entry.quantity,
      totalPrice: entry.basePrice * entry.quantity,
      unitType: entry.unitType,
      basePrice: entry.basePrice,
      entryNumber: entry.entryNumber,
      category: entry.category,
      deliveryCost: entry.deliveryCost,
      isImeiRequired: false,
      offer: { code: entry.offerCode, name: entry.offerName },
    },
    relationships: {
      product: {
        links: { self: `${self}/relationships/product`, related: `${self}/product` },
        data: { type: 'masterproducts', id: entry.productId },
      },
      deliveryPointOfService: {
        links: { self: `${self}/relationships/deliveryPointOfService`, related: `${self}/deliveryPointOfService` },
        data: { type: 'pointofservices', id: `${shop.merchantId}_${entry.pointOfService}` },
      },
    },
    links: { self },
  };
  return order.override?.entries ? order.override.entries(rendered) : rendered;
}
