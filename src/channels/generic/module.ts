import type { ChannelModule } from '../core/module.ts';
import { genericConnector } from './connector.ts';
import { genericDemo } from './demo.ts';

export const genericModule: ChannelModule = {
  connector: genericConnector,
  credentialFields: [
    {
      key: 'apiKey',
      label: { ru: 'API-ключ', en: 'API key' },
      help: { ru: 'Ключ, который выдал магазин', en: 'The key the shop issued' },
      secret: true,
    },
  ],
  demo: genericDemo,
};
