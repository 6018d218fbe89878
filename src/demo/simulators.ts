import { channelModules, type DemoChannel, type DemoSeed } from '../channels/core/module.ts';

/**
 * The simulators the demo runs in-process, one per channel module with a demo seed
 * (`<channel>/demo.ts`), each on a free loopback port and seeded with the demo catalogue.
 * Their state lives in memory only, so every start seeds them again the same way: ids, keys
 * and SKUs come out identical (deterministic seeds, fixed demo credentials), and the demo
 * accounts saved in Sklad keep matching them. Only the first start also seeds orders; after
 * a restart Sklad already holds them.
 */

export interface DemoSimulator extends Pick<DemoChannel, 'buyersAct' | 'restoreQuantities'> {
  /** The channel's name for its first demo account; `<channel>:<name>` for more of one module (DemoSeed.also). */
  key: string;
  channel: string;
  /** The demo account's name: "Demo " and the seed's name or the connector's title. */
  name: string;
  seed: DemoSeed;
  url: string;
}

/** Telegram's simulator is the notifier's to start (src/notifications/demo.ts), not this file's. */
export interface DemoSimulators {
  /** By key (the channel, for a module's first demo account), in registry order. */
  channels: Map<string, DemoSimulator>;
  close(): Promise<void>;
}

/** Starts every installed module's demo simulator on free loopback ports. */
export async function startDemoSimulators(options: { withOrders: boolean }): Promise<DemoSimulators> {
  const closers: (() => Promise<void>)[] = [];
  const channels = new Map<string, DemoSimulator>();
  try {
    for (const { connector, demo } of channelModules()) {
      if (!demo) continue;
      for (const [i, seed] of [demo, ...(demo.also ?? [])].entries()) {
        const { sim, buyersAct, restoreQuantities } = seed.simulator(options);
        const server = await sim.listen(0);
        closers.push(server.close);
        const name = `Demo ${seed.name ?? connector.title}`;
        const key = i === 0 ? connector.channel : `${connector.channel}:${name}`;
        channels.set(key, {
          key,
          channel: connector.channel,
          name,
          seed,
          url: server.url,
          buyersAct,
          restoreQuantities,
        });
      }
    }
    return { channels, close: async () => void (await Promise.all(closers.map((c) => c()))) };
  } catch (error) {
    await Promise.all(closers.map((c) => c()));
    throw error;
  }
}
