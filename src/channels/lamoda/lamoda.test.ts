import { createLamodaSimulator } from '../../../simulators/lamoda/index.ts';
import { describeSellerCenterModule } from '../protocols/sellercenter/testing.ts';
import { lamodaModule } from './module.ts';

// Lamoda's Russian shop: rubles, Moscow time, errors answered with HTTP 200 (the envelope is the signal).
describeSellerCenterModule({
  module: lamodaModule,
  simulator: (options) => createLamodaSimulator({ ...options, shop: 'ru' }),
  currency: 'RUB',
  price: { text: '1290.00', minor: 129_000 },
});
