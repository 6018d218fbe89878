export { WixState, seedWix, DEFAULT_VARIANT_ID, type WixProduct, type WixSite, type WixVariant } from './state.ts';
export { createWixSimulator, type WixSimulator, type WixSimulatorOptions } from './server.ts';
