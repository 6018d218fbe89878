import { createNamshiSimulator } from '../../../simulators/namshi/index.ts';
import { describeSellerCenterTrouble } from '../protocols/sellercenter/testing.ts';
import { namshiModule } from './module.ts';

// Namshi's orders under 30 % faults, and with a `sklad worker` killed mid-run (the body: describeSellerCenterTrouble).
describeSellerCenterTrouble({
  module: namshiModule,
  simulator: createNamshiSimulator,
  currency: 'AED',
  price: { text: '58.75', minor: 5_875 },
});
