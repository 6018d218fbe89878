import { Command, Help, InvalidArgumentError } from 'commander';
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
import { isKey, type MessageKey } from '../web/i18n.ts';
import { say, sayCommanderError, sayError } from './lang.ts';

assembleSklad();

/** A word of commander's help (`Usage:`, `[options]` …) in the CLI's language; any other as it is. */
function helpWord(word: string): string {
  return isKey(`cli.help.${word}`) ? say(`cli.help.${word}` as MessageKey) : word;
}

const help = new Help();
/** Commander's `(default: 4)` and `(choices: …)` after a description, in the CLI's language. */
const helpExtras = (description: string) =>
  description.replace(
    /([(,] ?)(default|choices): /g,
    (_, before: string, what: string) => `${before}${helpWord(`${what}:`)} `,
  );

const program = new Command('sklad')
  .description(say('cli.program'))
  // The CLI's language (src/cli/lang.ts reads it before parsing, so the help is said in it too).
  .option('--lang <lang>', say('cli.lang'), (value: string) => {
    if (value !== 'ru' && value !== 'en') throw new InvalidArgumentError(say('cli.lang.bad'));
    return value;
  })
  .helpOption('-h, --help', say('cli.help'))
  .helpCommand('help [command]', say('cli.help.command'))
  // Commander's headings (`Usage:`, `Options:` …), its `[options]` and `[command]`, and its refusals in the CLI's language.
  .configureHelp({
    styleTitle: helpWord,
    styleOptionText: helpWord,
    styleSubcommandText: helpWord,
    styleArgumentText: helpWord,
    optionDescription: (option) => helpExtras(Help.prototype.optionDescription.call(help, option)),
    argumentDescription: (argument) => helpExtras(Help.prototype.argumentDescription.call(help, argument)),
  })
  .configureOutput({ outputError: (text, write) => write(sayCommanderError(text)) })
  .showHelpAfterError();

const parseRole = (value: string): Role => {
  if (!(roles as readonly string[]).includes(value)) throw new InvalidArgumentError(say('cli.keys.roleBad', { roles }));
  return value as Role;
};

program
  .command('start')
  .description(say('cli.start'))
  .action(async () => {
    const config = loadConfig();
    const hub = await openHub(config, { role: 'all' });
    hub.masterKey = loadMasterKey(config, hub.logger);
    const firstKey =
      (await countApiKeys(hub.database)) === 0
        ? await createApiKey(hub.database, { name: 'admin', role: 'admin' })
        : null;
    const stops = [];
    for (const start of startHooks()) stops.push(await start(hub));
    const { server, url, localUrl } = await startApi(hub);
    const unannounce = await announceHub(hub, localUrl);
    onShutdown(hub, [unannounce, () => new Promise<void>((r) => server.close(() => r())), ...stops.reverse()]);
    console.log(
      `\n${say('cli.start.running', { where: hub.database.kind === 'pglite' ? say('cli.start.embedded', { dir: config.dataDir }) : say('cli.start.postgres') })}`,
    );
    console.log(say('cli.start.panel', { url }));
    console.log(say('cli.start.docs', { url }));
    for (const line of demoBanner()) console.log(`  ${line}`);
    if (firstKey) console.log(say('cli.start.firstKey', { key: firstKey.key }));
    console.log('');
  });

program
  .command('api')
  .description(say('cli.api'))
  .action(async () => {
    const config = loadConfig();
    const hub = await openHub(config, { role: 'api' });
    hub.masterKey = loadMasterKey(config, hub.logger);
    const { server, url } = await startApi(hub);
    onShutdown(hub, [() => new Promise<void>((r) => server.close(() => r()))]);
    console.log(say('cli.api.running', { url }));
  });

program
  .command('migrate')
  .description(say('cli.migrate'))
  .action(() =>
    viaHubOrDatabase({
      hub: async (api) => {
        await api.get('/keys', z.unknown());
        console.log(say('cli.migrate.hub', { url: api.url }));
      },
      database: async () => console.log(say('cli.migrate.done')),
    }),
  );

const ApiKeyRow = z.object({
  id: z.number(),
  name: z.string(),
  role: z.string(),
  key_prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
const CreatedKeyRow = z.object({ id: z.number(), name: z.string(), role: z.string(), key: z.string() });

const keys = program.command('keys').description(say('cli.keys'));
keys
  .command('create')
  .description(say('cli.keys.create'))
  .requiredOption('--name <name>', say('cli.keys.name'))
  .option('--role <role>', say('cli.keys.role', { roles }), parseRole, 'operator' as Role)
  .option('--json', say('cli.json'))
  .action(async (options: { name: string; role: Role; json?: boolean }) => {
    const input = { name: options.name, role: options.role };
    const created = await viaHubOrDatabase({
      hub: (api) => api.post('/keys', CreatedKeyRow, input),
      database: (hub) => createApiKey(hub.database, input),
    });
    printResult(options.json, created, () => say('cli.keys.created', created));
  });
keys
  .command('list')
  .description(say('cli.keys.list'))
  .option('--json', say('cli.json'))
  .action(async (options: { json?: boolean }) => {
    const items = await viaHubOrDatabase({
      hub: async (api) => (await api.get('/keys', z.object({ items: z.array(ApiKeyRow) }))).items,
      database: (hub) => listApiKeys(hub.database),
    });
    printResult(options.json, items, () =>
      items.length
        ? table(
            (['id', 'role', 'name', 'prefix', 'created', 'used', 'state'] as const).map((c) =>
              say(`cli.keys.col.${c}`),
            ),
            items.map((k) => [
              k.id,
              isKey(`role.${k.role}`) ? say(`role.${k.role}` as MessageKey) : k.role,
              k.name,
              `${k.key_prefix}…`,
              k.created_at,
              k.last_used_at,
              k.revoked_at ? say('cli.keys.revokedAt', { at: k.revoked_at }) : say('cli.keys.active'),
            ]),
          )
        : say('cli.keys.none'),
    );
  });
keys
  .command('revoke <id>')
  .description(say('cli.keys.revoke'))
  .action(async (id: string) => {
    const keyId = positiveInt(id);
    await viaHubOrDatabase({
      hub: (api) => api.request('DELETE', `/keys/${keyId}`, z.null()),
      database: (hub) => revokeApiKey(hub.database, keyId),
    });
    console.log(say('cli.keys.revoked', { id: keyId }));
  });

addCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  console.error(say('cli.error', { message: sayError(error) }));
  process.exit(1);
}
