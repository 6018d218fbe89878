import type { Command } from 'commander';
import { z } from 'zod';
import { shaped } from '../cli/hub-api.ts';
import { say } from '../cli/lang.ts';
import { positiveInt, printResult, table, viaHubOrDatabase } from '../cli/runtime.ts';
import { listLevels, type LevelView } from './levels.ts';

/**
 * `sklad stock`: the stock rows as GET /api/v1/stock gives them (seed 002: every row with its
 * source and stock type, promised, reserved and free to sell), filtered the same way. Beside a
 * running `sklad start` it asks that hub.
 */

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function stockCommands(program: Command) {
  program
    .command('stock')
    .description(say('cli.stock.command'))
    .option('--source <list>', say('cli.stock.source'))
    .option('--type <list>', say('cli.stock.type'))
    .option('--warehouse <id>', say('cli.stock.warehouse'), positiveInt)
    .option('--limit <n>', say('cli.stock.limit'), positiveInt, 100)
    .option('--json', say('cli.json'))
    .action(async (options: { source?: string; type?: string; warehouse?: number; limit: number; json?: boolean }) => {
      const limit = Math.min(options.limit, 500);
      const found = await viaHubOrDatabase({
        hub: (api) =>
          api.get(
            '/stock',
            z.object({
              items: z.array(shaped<LevelView>('sku', 'warehouse_code', 'on_hand', 'available')),
              total: z.number(),
            }),
            {
              source: options.source,
              stock_type: options.type,
              warehouse_id: options.warehouse,
              limit,
            },
          ),
        database: (hub) =>
          listLevels(hub.db, {
            sources: list(options.source),
            stockTypes: list(options.type),
            warehouseId: options.warehouse,
            limit,
            offset: 0,
          }),
      });
      printResult(options.json, found, () => {
        if (!found.items.length) return say('cli.stock.none');
        const columns = (
          ['sku', 'name', 'warehouse', 'source', 'type', 'onHand', 'reserved', 'available', 'promised'] as const
        ).map((c) => say(`cli.stock.col.${c}`));
        return [
          table(
            columns,
            found.items.map((l) => [
              l.sku,
              l.product_name,
              `${l.warehouse_code} · ${l.warehouse_name}`,
              l.source ?? say('cli.stock.own'),
              l.stock_type,
              l.on_hand,
              l.reserved,
              l.available,
              l.promised,
            ]),
          ),
          say('cli.stock.shown', { shown: found.items.length, total: found.total }),
        ].join('\n');
      });
    });
}
