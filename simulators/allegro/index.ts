export { AllegroState, seedAllegro, EAN_PARAMETER_ID, type AllegroOffer, type CheckoutForm } from './state.ts';
export { createAllegroSimulator, VND, type AllegroSimulator, type AllegroSimulatorOptions } from './server.ts';
