import { Command, InvalidArgumentError } from 'commander';
import { countApiKeys, createApiKey, listApiKeys, revokeApiKey, roles, type Role } from '../access/api-keys.ts';
import { loadConfig } from '../config.ts';
import { loadMasterKey } from '../shared/master-key.ts';
import { z } from 'zod';
import { announceHub } from './hub-link.ts';
import { onShutdown, openHub, positiveInt, printResult, startApi, table, viaHubOrDatabase } from './runtime.ts';
import { assembleSklad } from '../assembly.ts';
import { demoBanner } from '../demo/start.ts';
import { addCommands } from './commands.ts';
import { startHooks } from './start-hooks.ts';

assembleSklad();

const program = new Command('sklad').description('Sklad: one truth about products, stock and orders').showHelpAfterError();

const parseRole = (value: string): Role => {
  if (!(roles as readonly string[]).includes(value)) throw new InvalidArgumentError(`role must be one of ${roles.join(', ')}`);
  return value as Role;
};

program
  .command('start')
  .description('Run the API, the admin panel, the workers and the scheduler in one process')
  .action(async () => {
    const config = loadConfig();
    const hub = await openHub(config, { role: 'all' });
    hub.masterKey = loadMasterKey(config, hub.logger);
    const firstKey = (await countApiKeys(hub.database)) === 0 ? await createApiKey(hub.database, { name: 'admin', role: 'admin' }) : null;
    const stops = [];
    for (const start of startHooks()) stops.push(await start(hub));
    const { server, url, localUrl } = await startApi(hub);
    const unannounce = await announceHub(hub, localUrl);
    onShutdown(hub, [unannounce, () => new Promise<void>((r) => server.close(() => r())), ...stops.reverse()]);
    console.log(`\nSklad is running on ${hub.database.kind === 'pglite' ? `the embedded database in ${config.dataDir}` : 'PostgreSQL'}`);
    console.log(`  Admin panel: ${url}/`);
    console.log(`  API docs:    ${url}/docs`);
    for (const line of demoBanner()) console.log(`  ${line}`);
    if (firstKey) console.log(`  First admin API key (shown once, keep it): ${firstKey.key}`);
    console.log('');
  });

program
  .command('api')
  .description('Run only the HTTP API and admin panel (scale-out; needs DATABASE_URL)')
  .action(async () => {
    const config = loadConfig();
    const hub = await openHub(config, { role: 'api' });
    hub.masterKey = loadMasterKey(config, hub.logger);
    const { server, url } = await startApi(hub);
    onShutdown(hub, [() => new Promise<void>((r) => server.close(() => r()))]);
    console.log(`Sklad API on ${url} (docs: ${url}/docs)`);
  });

program
  .command('migrate')
  .description('Apply database migrations and exit')
  .action(() =>
    viaHubOrDatabase({
      hub: async (api) => {
        await api.get('/keys', z.unknown());
        console.log(`The running hub at ${api.url} applied the migrations when it started: the database is up to date`);
      },
      database: async () => console.log('Database is up to date'),
    }),
  );

const ApiKeyRow = z.object({
  id: z.number(), name: z.string(), role: z.string(), key_prefix: z.string(), created_at: z.string(), last_used_at: z.string().nullable(), revoked_at: z.string().nullable(),
});
const CreatedKeyRow = z.object({ id: z.number(), name: z.string(), role: z.string(), key: z.string() });

const keys = program.command('keys').description('Manage API keys');
keys
  .command('create')
  .description('Create an API key; it is printed once, as the last word of the last line')
  .requiredOption('--name <name>', 'who uses the key; shown as the actor in history')
  .option('--role <role>', `one of ${roles.join(', ')}`, parseRole, 'operator' as Role)
  .option('--json', 'print JSON')
  .action(async (options: { name: string; role: Role; json?: boolean }) => {
    const input = { name: options.name, role: options.role };
    const created = await viaHubOrDatabase({
      hub: (api) => api.post('/keys', CreatedKeyRow, input),
      database: (hub) => createApiKey(hub.database, input),
    });
    printResult(options.json, created, () => `Created ${created.role} key "${created.name}" (id ${created.id}). It is shown only now: ${created.key}`);
  });
keys
  .command('list')
  .description('List API keys (without their secrets)')
  .option('--json', 'print JSON')
  .action(async (options: { json?: boolean }) => {
    const items = await viaHubOrDatabase({
      hub: async (api) => (await api.get('/keys', z.object({ items: z.array(ApiKeyRow) }))).items,
      database: (hub) => listApiKeys(hub.database),
    });
    printResult(options.json, items, () =>
      items.length
        ? table(
            ['ID', 'ROLE', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'STATE'],
            items.map((k) => [k.id, k.role, k.name, `${k.key_prefix}…`, k.created_at, k.last_used_at, k.revoked_at ? `revoked ${k.revoked_at}` : 'active']),
          )
        : 'No API keys yet: sklad keys create --name NAME --role admin',
    );
  });
keys
  .command('revoke <id>')
  .description('Revoke an API key by id')
  .action(async (id: string) => {
    const keyId = positiveInt(id);
    await viaHubOrDatabase({
      hub: (api) => api.request('DELETE', `/keys/${keyId}`, z.null()),
      database: (hub) => revokeApiKey(hub.database, keyId),
    });
    console.log(`Revoked key ${keyId}`);
  });

addCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`sklad: ${(error as Error).message}`);
  process.exit(1);
}
