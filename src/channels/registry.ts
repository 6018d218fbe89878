import type { ChannelModule } from './core/module.ts';
import { genericModule } from './generic/module.ts';
import { allegroModule } from './allegro/module.ts';
import { wixModule } from './wix/module.ts';
import { ozonModule } from './ozon/module.ts';
import { wildberriesModule } from './wildberries/module.ts';
import { iikoModule } from './iiko/module.ts';
import { cdekModule } from './cdek/module.ts';
import { bitrix24Module } from './bitrix24/module.ts';
import { kaspiModule } from './kaspi/module.ts';
import { lamodaModule } from './lamoda/module.ts';
import { namshiModule } from './namshi/module.ts';

/** Every service Sklad knows, in the order the panel lists them; a new one is one line here. */
export const registry: ChannelModule[] = [
  genericModule,
  allegroModule,
  wixModule,
  ozonModule,
  wildberriesModule,
  iikoModule,
  cdekModule,
  bitrix24Module,
  kaspiModule,
  lamodaModule,
  namshiModule,
];
