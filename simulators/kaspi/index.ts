export {
  KaspiShop,
  KaspiState,
  type KaspiDelivery,
  type KaspiOrder,
  type KaspiOrderState,
  type KaspiOrderStatus,
  type OrderInput,
  type ShopInput,
} from './state.ts';
export { createKaspiSimulator, type KaspiSimulator, type KaspiSimulatorOptions } from './server.ts';
export type { PriceList, PriceListAvailability, PriceListOffer } from './price-list.ts';
export {
  checkKaspiAnswer,
  checkKaspiRequest,
  kaspiSchemas,
  loadKaspiContract,
  requestKind,
  type KaspiContract,
} from './contract.ts';
