import type { Hub } from '../hub.ts';
import { createDemo, demoMode, parkDemo, reuseDemo, type DemoOutcome } from './setup.ts';
import { DEMO_TELEGRAM_USER, startDemoSimulators, type DemoSimulators } from './simulators.ts';

/**
 * The demo on `sklad start` (DESIGN.md): with SKLAD_DEMO not 0, every simulator runs in this
 * process and one demo account per channel is connected to it, so a new user sees every page
 * and endpoint work before entering a real key. It runs before the engine and the notifier:
 * the first sync is done by the time the workers start, and the bot finds the Telegram
 * simulator in the environment. What it set up is printed in the start banner.
 */

let banner: string[] = [];

/** Lines for the start banner (src/cli/main.ts), about what the last demo hook did. */
export const demoBanner = (): readonly string[] => banner;

export async function demoStartHook(hub: Hub): Promise<() => Promise<void>> {
  banner = [];
  if (hub.config.SKLAD_DEMO === '0') {
    const parked = await parkDemo(hub);
    if (parked) banner = [`Demo: off (SKLAD_DEMO=0); its ${parked} account(s) are disabled until a start without SKLAD_DEMO=0`];
    return async () => {};
  }
  const mode = await demoMode(hub);
  if (mode === 'skip') {
    banner = ['Demo: not set up, as this database already holds products or channel accounts of its own (SKLAD_DEMO=0 hides this line)'];
    return async () => {};
  }
  let sims: DemoSimulators | null = null;
  try {
    sims = await startDemoSimulators({ withOrders: mode === 'create' });
    const outcome = mode === 'create' ? await createDemo(hub, sims) : await reuseDemo(hub, sims);
    // The bot and the notifier read these when they start (right after this hook); a real token wins.
    if (sims.telegram && !process.env.TELEGRAM_BOT_TOKEN && !process.env.BOT_WEBHOOK_URL) {
      process.env.TELEGRAM_BOT_TOKEN = sims.telegram.token;
      process.env.TELEGRAM_API_ROOT = sims.telegram.url;
    }
    for (const problem of outcome.problems) hub.logger.warn({ problem }, 'demo: a step failed');
    banner = describe(outcome, sims);
  } catch (error) {
    // The demo is a convenience: Sklad itself still starts without it.
    hub.logger.error({ err: error }, 'demo: setup failed');
    banner = [`Demo: setup failed (${(error as Error).message}); Sklad runs without it. SKLAD_DEMO=0 turns the demo off.`];
    await sims?.close();
    sims = null;
  }
  const running = sims;
  return async () => {
    await running?.close();
  };
}

function describe(outcome: DemoOutcome, sims: DemoSimulators): string[] {
  const { counts } = outcome;
  const lines = [
    outcome.mode === 'create'
      ? 'Demo data (SKLAD_DEMO=0 turns the demo off): made now, marked "Demo" and DEMO-'
      : 'Demo data (SKLAD_DEMO=0 turns the demo off): kept from an earlier start; accounts pointed at the new simulator ports, a sync of each queued',
    `    ${counts.products} products (SKU DEMO-…), ${counts.units} units in warehouse DEMO, ${counts.orders} orders`,
  ];
  const width = Math.max(...outcome.accounts.map((a) => a.name.length));
  for (const a of outcome.accounts) lines.push(`    ${a.name.padEnd(width)}  account ${a.id}  simulator ${a.baseUrl}`);
  if (outcome.iikoSettingId !== null) {
    lines.push(`    iiko setting ${outcome.iikoSettingId}: ${counts.menuProducts} menu products (GET /api/v1/data/products?setting_id=${outcome.iikoSettingId})`);
  }
  if (sims.telegram && process.env.TELEGRAM_API_ROOT === sims.telegram.url) {
    lines.push(`    Telegram bot on the simulator ${sims.telegram.url}, demo chat ${DEMO_TELEGRAM_USER.id}`);
  } else if (sims.telegramProblem) {
    lines.push(`    Telegram simulator not started: ${sims.telegramProblem}`);
  }
  if (outcome.uncovered.length) lines.push(`    No demo for: ${outcome.uncovered.join(', ')}`);
  for (const problem of outcome.problems) lines.push(`    Problem: ${problem}`);
  return lines;
}
