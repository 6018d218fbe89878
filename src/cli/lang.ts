import { errorCatalogue, type ErrorCode } from '../shared/error-codes.ts';
import { DomainError } from '../shared/errors.ts';
import { isKey, languages, t, type Lang, type MessageKey, type Params } from '../web/i18n.ts';
import { localize } from '../web/messages.ts';

const isLang = (value: string | undefined): value is Lang => (languages as readonly string[]).includes(value ?? '');

/**
 * The CLI's language: `--lang ru|en`, else SKLAD_LANG, else the locale (LC_ALL, LC_MESSAGES,
 * LANG) when it starts with `ru`, else English. Read before commander parses, so `--help`
 * is said in it too.
 */
export function cliLang(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): Lang {
  const at = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const given = at < 0 ? undefined : argv[at].startsWith('--lang=') ? argv[at].slice('--lang='.length) : argv[at + 1];
  if (isLang(given)) return given;
  if (isLang(env.SKLAD_LANG)) return env.SKLAD_LANG;
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || '';
  return /^ru/i.test(locale) ? 'ru' : 'en';
}

let chosen: Lang | undefined;
const lang = () => (chosen ??= cliLang());

/** A CLI text in the CLI's language: `t` of the one dictionary. */
export function say(key: MessageKey, params?: Params): string {
  return t(key, lang(), params);
}

/** A run's status in words (`succeeded` → «успешно»), the raw status when the dictionary has none. */
export const statusWord = (status: string) =>
  isKey(`cli.status.${status}`) ? say(`cli.status.${status}` as MessageKey) : status;

const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(errorCatalogue, code);

/**
 * What went wrong, in the CLI's language: an error with a code (a DomainError thrown here, or
 * the API's error answer, src/cli/hub-api.ts) by its code's text in the error catalogue; a
 * text the app stores (a sync problem, a status reason) by its words, as the panel says them
 * (src/web/messages.ts); anything else as it is.
 */
export function sayError(error: unknown): string {
  if (error instanceof DomainError) return localize(lang(), error);
  const { code, message, details } = (error ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  if (isErrorCode(code)) return localize(lang(), new DomainError(code, text, undefined, details));
  return localize(lang(), text);
}

/** A text given in both languages (a module's own words, an answer's `said`) in the CLI's language. */
export const sayPair = (pair: Record<Lang, string>) => pair[lang()];

/** Commander's refusals of a command line (its English words), each with the names it quotes. */
const commanderErrors: [RegExp, MessageKey, string[]][] = [
  [/^error: unknown command '(.+?)'/, 'cli.commander.unknownCommand', ['name']],
  [/^error: unknown option '(.+?)'/, 'cli.commander.unknownOption', ['name']],
  [
    /^error: option '(.+?)' argument '(.*?)' is invalid\. ?(.*)$/s,
    'cli.commander.invalidOption',
    ['name', 'value', 'why'],
  ],
  [
    /^error: command-argument value '(.*?)' is invalid for argument '(.+?)'\. ?(.*)$/s,
    'cli.commander.invalidArgument',
    ['value', 'name', 'why'],
  ],
  [/^error: missing required argument '(.+?)'/, 'cli.commander.missingArgument', ['name']],
  [/^error: option '(.+?)' argument missing/, 'cli.commander.optionMissingArgument', ['name']],
  [/^error: required option '(.+?)' not specified/, 'cli.commander.missingOption', ['name']],
  [
    /^error: too many arguments.*?Expected (\d+) arguments? but got (\d+)/,
    'cli.commander.excessArguments',
    ['expected', 'got'],
  ],
];

/** A refusal commander printed (`error: unknown command 'x'`, its `(Did you mean …?)`) in the CLI's language. */
export function sayCommanderError(text: string): string {
  if (lang() === 'en') return text;
  const [first, ...rest] = text.trimEnd().split('\n');
  const found = commanderErrors.find(([pattern]) => pattern.test(first));
  const match = found?.[0].exec(first);
  const head =
    found && match ? say(found[1], Object.fromEntries(found[2].map((name, i) => [name, match[i + 1]]))) : first;
  const tail = rest.map((line) =>
    line.replace(/^\(Did you mean (?:one of )?(.+)\?\)$/, (_, names: string) =>
      say('cli.commander.didYouMean', { names }),
    ),
  );
  return `${[head, ...tail].join('\n')}\n`;
}
