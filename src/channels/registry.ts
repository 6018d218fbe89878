import type { Connector } from './core/connector.ts';
import { genericConnector } from './generic/connector.ts';
import { allegroConnector } from './allegro/connector.ts';
import { wixConnector } from './wix/connector.ts';
import { ozonConnector } from './ozon/connector.ts';
import { wildberriesConnector } from './wildberries/connector.ts';
import { iikoConnector } from './iiko/connector.ts';

/** Every channel Sklad knows; a new one is one line here. */
export const connectors: Connector[] = [
  genericConnector,
  allegroConnector,
  wixConnector,
  ozonConnector,
  wildberriesConnector,
  iikoConnector,
];

export function connectorFor(channel: string): Connector | undefined {
  return connectors.find((c) => c.channel === channel);
}
