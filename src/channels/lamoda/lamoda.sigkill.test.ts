import { createLamodaSimulator } from '../../../simulators/lamoda/index.ts';
import { describeSellerCenterTrouble } from '../protocols/sellercenter/testing.ts';
import { lamodaModule } from './module.ts';

// Lamoda's orders under 30 % faults, and with a `sklad worker` killed mid-run (the body: describeSellerCenterTrouble).
describeSellerCenterTrouble({
  module: lamodaModule,
  simulator: (options) => createLamodaSimulator({ ...options, shop: 'ru' }),
  currency: 'RUB',
  price: { text: '1290.00', minor: 129_000 },
});
