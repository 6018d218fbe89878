export {
  IikoState,
  seedIiko,
  iikoDateTime,
  type IikoOrganization,
  type IikoProduct,
  type SeededIiko,
} from './state.ts';
export { createIikoSimulator, type IikoSimulator, type IikoSimulatorOptions } from './server.ts';
