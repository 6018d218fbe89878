import { createNamshiSimulator } from '../../../simulators/namshi/index.ts';
import { describeSellerCenterModule } from '../protocols/sellercenter/testing.ts';
import { namshiModule } from './module.ts';

// Namshi's UAE shop: dirhams, Dubai time, errors answered with a 4xx as well (read by the module's rejectedCredentials).
describeSellerCenterModule({
  module: namshiModule,
  simulator: createNamshiSimulator,
  currency: 'AED',
  price: { text: '58.75', minor: 5_875 },
});
