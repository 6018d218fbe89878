import { Command, InvalidArgumentError } from 'commander';
import { countApiKeys, createApiKey, listApiKeys, revokeApiKey, roles, type Role } from '../access/api-keys.ts';
import { loadConfig } from '../config.ts';
import { loadMasterKey } from '../shared/master-key.ts';
import { onShutdown, openHub, startApi } from './runtime.ts';
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
    const { server, url } = await startApi(hub);
    onShutdown(hub, [() => new Promise<void>((r) => server.close(() => r())), ...stops.reverse()]);
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
  .action(async () => {
    const hub = await openHub(loadConfig(), { role: 'migrate' });
    await hub.database.close();
    console.log('Database is up to date');
  });

const keys = program.command('keys').description('Manage API keys');
keys
  .command('create')
  .description('Create an API key; it is printed once, as the last word of the last line')
  .requiredOption('--name <name>', 'who uses the key; shown as the actor in history')
  .option('--role <role>', `one of ${roles.join(', ')}`, parseRole, 'operator' as Role)
  .action(async (options: { name: string; role: Role }) => {
    const hub = await openHub(loadConfig(), { role: 'cli' });
    try {
      const created = await createApiKey(hub.database, options);
      console.log(`Created ${created.role} key "${created.name}" (id ${created.id}). It is shown only now: ${created.key}`);
    } finally {
      await hub.database.close();
    }
  });
keys
  .command('list')
  .description('List API keys (without their secrets)')
  .action(async () => {
    const hub = await openHub(loadConfig(), { role: 'cli' });
    try {
      for (const k of await listApiKeys(hub.database)) {
        console.log(`${k.id}\t${k.role}\t${k.name}\t${k.key_prefix}…\t${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}`);
      }
    } finally {
      await hub.database.close();
    }
  });
keys
  .command('revoke <id>')
  .description('Revoke an API key by id')
  .action(async (id: string) => {
    const hub = await openHub(loadConfig(), { role: 'cli' });
    try {
      await revokeApiKey(hub.database, Number(id));
      console.log(`Revoked key ${id}`);
    } finally {
      await hub.database.close();
    }
  });

addCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(`sklad: ${(error as Error).message}`);
  process.exit(1);
}
