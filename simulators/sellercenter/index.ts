export {
  SellerCenterState,
  SellerCenterSeller,
  ITEM_STATUSES,
  addDecimals,
  type ItemStatus,
  type FailureReason,
  type FeedStatus,
  type OrderInput,
  type ProductInput,
  type SellerCenterFeed,
  type SellerCenterOrder,
  type SellerCenterOrderItem,
  type SellerCenterProduct,
} from './state.ts';
export {
  createSellerCenterSimulator,
  type Malformation,
  type SellerCenterFlavour,
  type SellerCenterSimulator,
  type SellerCenterSimulatorOptions,
} from './server.ts';
export {
  checkAnswer,
  checkExchange,
  loadSellerCenterContract,
  parseXml,
  sellerCenterSchemas,
  SPEC_DIR,
  type SellerCenterContract,
} from './contract.ts';
export { expectedSignature } from './signature.ts';
