export {
  Bitrix24State,
  BitrixPortal,
  seedDeals,
  type BitrixComment,
  type BitrixDeal,
  type BitrixFunnel,
  type BitrixStage,
  type BitrixWebhook,
  type FunnelInput,
  type PortalInput,
} from './state.ts';
export { createBitrix24Simulator, type Bitrix24Simulator, type Bitrix24SimulatorOptions } from './server.ts';
export { bitrixSchemas, checkBitrixAnswer, loadBitrixContract, type BitrixContract } from './contract.ts';
