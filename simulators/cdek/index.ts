export {
  CdekState,
  ORDER_STATUSES,
  type CdekOrder,
  type CdekPrintJob,
  type CdekStateOptions,
  type CdekSubscription,
  type WebhookDelivery,
} from './state.ts';
export { createCdekSimulator, type CdekSimulator, type CdekSimulatorOptions, type Malformation } from './server.ts';
export {
  cdekSchemas,
  checkCdekAnswer,
  checkCdekRequest,
  loadCdekContract,
  loadCdekSamples,
  unknownOrderFields,
  type CdekContract,
} from './contract.ts';
