import type { Hub } from '../hub.ts';
import { demoTelegram, demoTelegramUsers, setDemoServiceUrls } from '../notifications/demo.ts';
import { createDemo, demoMode, parkDemo, reuseDemo, type DemoOutcome } from './setup.ts';
import { startDemoSimulators, type DemoSimulators } from './simulators.ts';

/**
 * The demo on `sklad start` (DESIGN.md): with SKLAD_DEMO not 0, every channel's simulator runs
 * in this process and one demo account per channel is connected to it, so a new user sees
 * every page and endpoint work before entering a real key. It runs before the engine, so the
 * first sync is done by the time the workers start, and before the notifier, which starts the
 * Telegram simulator itself (src/notifications/demo.ts). The banner says what was set up.
 */

/** What the last demo hook did, for the banner; null when it stayed silent. */
let last: { outcome: DemoOutcome } | { lines: string[] } | null = null;

/** Lines for the start banner (src/cli/main.ts), made when asked: after every start hook ran. */
export function demoBanner(): string[] {
  if (!last) return [];
  return 'lines' in last ? last.lines : describe(last.outcome);
}

export async function demoStartHook(hub: Hub): Promise<() => Promise<void>> {
  last = null;
  setDemoServiceUrls([]);
  if (hub.config.SKLAD_DEMO === '0') {
    const parked = await parkDemo(hub);
    if (parked)
      last = {
        lines: [`Demo: off (SKLAD_DEMO=0); its ${parked} account(s) are disabled until a start without SKLAD_DEMO=0`],
      };
    return async () => {};
  }
  const mode = await demoMode(hub);
  if (mode === 'skip') {
    last = {
      lines: [
        'Demo: not set up, as this database already holds products or channel accounts of its own (SKLAD_DEMO=0 hides this line)',
      ],
    };
    return async () => {};
  }
  let sims: DemoSimulators | null = null;
  try {
    sims = await startDemoSimulators({ withOrders: mode === 'create' });
    const outcome = mode === 'create' ? await createDemo(hub, sims) : await reuseDemo(hub, sims);
    for (const problem of outcome.problems) hub.logger.warn({ problem }, 'demo: a step failed');
    // Cabinets added by key while the demo runs talk to its simulators (src/notifications/cabinets.ts).
    setDemoServiceUrls([...sims.channels.values()].map((s) => [s.channel, s.url] as [string, string]));
    last = { outcome };
  } catch (error) {
    // The demo is a convenience: Sklad itself still starts without it.
    hub.logger.error({ err: error }, 'demo: setup failed');
    last = {
      lines: [
        `Demo: setup failed (${(error as Error).message}); Sklad runs without it. SKLAD_DEMO=0 turns the demo off.`,
      ],
    };
    await sims?.close();
    sims = null;
  }
  const running = sims;
  return async () => {
    setDemoServiceUrls([]);
    await running?.close();
  };
}

function describe(outcome: DemoOutcome): string[] {
  const { counts } = outcome;
  const lines = [
    outcome.mode === 'create'
      ? 'Demo data (SKLAD_DEMO=0 turns the demo off): made now, marked "Demo" and DEMO-'
      : 'Demo data (SKLAD_DEMO=0 turns the demo off): kept from an earlier start; accounts pointed at the new simulator ports, a sync of each queued',
    `    ${counts.products} products (SKU DEMO-…), ${counts.units} units in warehouse DEMO, ${counts.orders} orders`,
  ];
  const width = Math.max(...outcome.accounts.map((a) => a.name.length));
  for (const a of outcome.accounts) lines.push(`    ${a.name.padEnd(width)}  account ${a.id}  simulator ${a.baseUrl}`);
  for (const note of outcome.notes) lines.push(`    ${note}`);
  const telegram = demoTelegram();
  if (telegram) {
    const chats = demoTelegramUsers.map((u) => `${telegram.url}/__sim/telegram/chats/${u.telegram_id}`).join(', ');
    lines.push(`    Telegram: the bot runs on the simulator; what it sends the demo people: ${chats}`);
  }
  if (outcome.uncovered.length) lines.push(`    No demo for: ${outcome.uncovered.join(', ')}`);
  for (const problem of outcome.problems) lines.push(`    Problem: ${problem}`);
  return lines;
}
