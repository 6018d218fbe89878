import type { ConnectorContext } from './connector.ts';

/**
 * What a delivery module (CDEK) does for Sklad's delivery flow (src/delivery): a pure adapter.
 * The flow keeps packages, their outbox events and states; the adapter turns a package into
 * the service's requests and its answers into outcomes.
 */

export interface DeliveryAddress {
  countryCode: string;
  city: string;
  /** The street address (street, house, flat). */
  address: string;
  postalCode?: string | null;
  region?: string | null;
}

/** A delivery order as the flow hands it over (one per package). */
export interface DeliveryDraft {
  /** Our number of the delivery order, unique at the service (`OZ-{posting_number}`; ≤ 40 ASCII characters). */
  number: string;
  recipient: { name: string; phone: string; email?: string | null };
  /** To a pick-up point (its code at the service), or to the door (the address). */
  deliveryPoint?: string | null;
  address?: DeliveryAddress | null;
  /** Weight in grams, sizes in centimetres. */
  weightGrams: number;
  lengthCm: number;
  widthCm: number;
  heightCm: number;
  items: { sku: string; name: string; quantity: number; costMinor: number; weightGrams: number }[];
  currency: string;
  comment?: string | null;
}

/** The service's state of a delivery order. */
export type DeliveryRequestState =
  /** Accepted for checking; ask again later. */
  | { state: 'pending'; uuid: string }
  | { state: 'made'; uuid: string; trackingNumber: string | null; status: string | null }
  /** The service refused it for good (bad address, unsupported region): its codes and messages. */
  | { state: 'invalid'; uuid: string | null; errors: { code: string; message: string }[] };

export type WaybillState =
  | { state: 'pending'; uuid: string }
  | { state: 'ready'; uuid: string; url: string }
  | { state: 'invalid'; errors: { code: string; message: string }[] };

export interface DeliveryService {
  /** Finds the delivery order made under our number (a retry looks first, so it never makes a second); null: none. */
  findOrder(ctx: ConnectorContext, number: string): Promise<DeliveryRequestState | null>;
  /** Sends a new delivery order; answers its first state (usually pending). */
  createOrder(ctx: ConnectorContext, draft: DeliveryDraft): Promise<DeliveryRequestState>;
  /** Reads the state of a delivery order the service accepted. */
  orderState(ctx: ConnectorContext, uuid: string): Promise<DeliveryRequestState>;
  /** Asks for the waybill (print form) of a made delivery order. */
  requestWaybill(ctx: ConnectorContext, orderUuid: string): Promise<WaybillState>;
  waybillState(ctx: ConnectorContext, waybillUuid: string): Promise<WaybillState>;
  /** Missing or bad fields of a draft the service would refuse, checked before sending (field: reason). */
  check(draft: DeliveryDraft): { field: string; reason: string }[];
  /** Reads the service's order-status webhook: our number (when it says), its order's uuid and status; null: not one. */
  parseWebhook?(body: unknown): { number: string | null; uuid: string; status: string } | null;
}
