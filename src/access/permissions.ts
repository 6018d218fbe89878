import type { Role } from './api-keys.ts';

/**
 * Who may do what: the one table, for the API, the seed's root routes and the admin panel.
 * The first rule whose method and path match decides; the last two are the defaults (people
 * read everything, operators and admins change). The reasons are docs/decisions/150's.
 * Public routes that check their own token (iiko's and Telegram's webhooks, /login) are not
 * here: no key reaches them.
 */

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface Permission {
  methods: readonly Method[] | '*';
  /** Hono's syntax: `:id` is one segment, a trailing `/*` the path and everything under it. */
  path: string;
  roles: readonly Role[];
  /** A GET that changes data (the seed's deprecated alias): it is a write for CSRF. */
  changes?: true;
  why: string;
}

const people: readonly Role[] = ['readonly', 'operator', 'admin'];
const staff: readonly Role[] = ['operator', 'admin'];
const admins: readonly Role[] = ['admin'];
const botAndPeople: readonly Role[] = ['bot', ...people];
const reads: readonly Method[] = ['GET', 'HEAD'];

export const permissions: readonly Permission[] = [
  {
    methods: '*',
    path: '/api/v1/keys/*',
    roles: admins,
    why: 'a key is access: only an admin sees, makes or revokes keys',
  },
  {
    methods: ['POST'],
    path: '/api/v1/channels/accounts',
    roles: admins,
    why: 'connecting an account puts a seller’s key to use',
  },
  {
    methods: ['PATCH', 'DELETE'],
    path: '/api/v1/channels/accounts/:id',
    roles: admins,
    why: 'keys, re-activation and removal of an account',
  },
  { methods: ['POST'], path: '/channels/new', roles: admins, why: 'the panel’s form to connect an account' },
  { methods: ['POST'], path: '/channels/:id/key', roles: admins, why: 'the panel’s form for an account’s new key' },
  { methods: ['POST'], path: '/api/v1/iiko/settings', roles: admins, why: 'an iiko setting holds an API login' },
  { methods: ['PATCH'], path: '/api/v1/iiko/settings/:id', roles: admins, why: 'an iiko setting holds an API login' },
  {
    methods: ['POST'],
    path: '/api/v1/iiko/settings/:id/webhooks',
    roles: admins,
    why: 'tells iiko where to post, with a token',
  },
  {
    methods: ['POST'],
    path: '/api/v1/bot/cabinets/members',
    roles: admins,
    why: 'gives a Telegram user the orders of any account',
  },
  // Seed 001: its bot registers Telegram users, adds their own WB cabinets by key and keeps their switches.
  {
    methods: ['POST'],
    path: '/users/',
    roles: ['bot', 'admin'],
    why: 'Telegram users are the bot’s; staff do not make them',
  },
  {
    methods: ['POST'],
    path: '/wb/cabinets/',
    roles: ['bot', 'admin'],
    why: 'a Telegram user brings his own WB key (the seed’s model)',
  },
  { methods: reads, path: '/wb/cabinets/', roles: botAndPeople, why: 'a user’s cabinets' },
  {
    methods: ['POST'],
    path: '/api/v1/notifications/settings',
    roles: ['bot', 'admin'],
    why: 'a user’s own switches: his bot, or an admin',
  },
  { methods: ['POST'], path: '/notifications/users/:id', roles: admins, why: 'the panel’s form for a user’s switches' },
  {
    methods: ['POST'],
    path: '/api/v1/notifications/test',
    roles: ['bot', ...staff],
    why: 'a sample message, nothing changes',
  },
  {
    methods: ['GET'],
    path: '/api/v1/wb/cabinets/validation/validate-all',
    roles: ['bot', ...staff],
    changes: true,
    why: 'the seed’s deprecated GET: it queues the check as the POST does',
  },
  {
    methods: ['POST'],
    path: '/api/v1/wb/cabinets/validation/validate-all',
    roles: ['bot', ...staff],
    why: 'checks every cabinet’s key again',
  },
  { methods: reads, path: '/api/v1/notifications/*', roles: botAndPeople, why: 'what the bot shows a user' },
  {
    methods: reads,
    path: '/api/v1/bot/*',
    roles: botAndPeople,
    why: 'what the bot shows a user, limited to his cabinets',
  },
  {
    methods: reads,
    path: '/api/v1/jobs/:id',
    roles: botAndPeople,
    why: 'where the bot reads the outcome of validate-all',
  },
  {
    methods: ['POST'],
    path: '/api/v1/outbox/error-groups/:key/retry',
    roles: staff,
    why: 'runs a group’s failed jobs and messages again',
  },
  {
    methods: ['POST'],
    path: '/sync/errors/groups/:key/retry',
    roles: staff,
    why: 'the panel’s button to retry an error group',
  },
  {
    methods: ['POST'],
    path: '/api/v1/products/lookup',
    roles: people,
    why: 'reads products by a list of SKUs (a POST for a long list); changes nothing',
  },
  { methods: reads, path: '*', roles: people, why: 'people read everything but keys' },
  { methods: '*', path: '*', roles: staff, why: 'changes need an operator' },
];

const compiled = permissions.map((rule) => ({ rule, pattern: patternOf(rule.path) }));

function patternOf(path: string): RegExp {
  if (path === '*') return /^/;
  const escaped = path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/:[A-Za-z]+/g, '[^/]+');
  return new RegExp(`^${escaped.endsWith('/*') ? `${escaped.slice(0, -2)}(?:/.*)?` : escaped}$`);
}

/** The rule that decides a request. */
export function permissionFor(method: string, path: string): Permission {
  const m = method.toUpperCase();
  return compiled.find(
    ({ rule, pattern }) => (rule.methods === '*' || rule.methods.includes(m as Method)) && pattern.test(path),
  )!.rule;
}

/** Changes data: a method other than GET and HEAD, or a GET the table says changes. */
export const isWrite = (method: string, path: string) =>
  !['GET', 'HEAD'].includes(method.toUpperCase()) || permissionFor(method, path).changes === true;
