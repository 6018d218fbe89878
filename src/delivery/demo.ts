import type { DemoSeed } from '../channels/core/module.ts';
import type { Hub } from '../hub.ts';
import { deliveryChannels, deliveryDefaults, linkOf, setDeliveryLink } from './links.ts';

/**
 * The demo's deliveries: each demo shop whose seed names a delivery link (`DemoSeed.deliveryLink`:
 * the demo Ozon's CDEK postings) is linked to the demo delivery account, before the first sync
 * imports its orders, so a new user sees delivery orders made and one refused. A resumed setup
 * keeps a link it finds.
 */
export async function linkDemoDeliveries(
  hub: Hub,
  accounts: { id: number; channel: string; seed: DemoSeed }[],
  actor: string,
): Promise<void> {
  const carriers = deliveryChannels();
  const carrier = accounts.find((a) => carriers.includes(a.channel));
  if (!carrier) return;
  for (const shop of accounts) {
    const wanted = shop.seed.deliveryLink;
    if (!wanted || (await linkOf(hub.db, shop.id))) continue;
    await setDeliveryLink(
      hub.db,
      shop.id,
      {
        delivery_account_id: carrier.id,
        methods: wanted.methods ?? [],
        warehouses: wanted.warehouses ?? [],
        defaults: deliveryDefaults.parse(wanted.defaults ?? {}),
      },
      actor,
    );
  }
}
