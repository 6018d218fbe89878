import { pino, type Logger } from 'pino';

/**
 * Structured JSON logs. Anything that looks like a credential is redacted by key name,
 * so a secret passed along by mistake still never reaches the log.
 */
export const REDACTED_KEYS = [
  'apiKey',
  'api_key',
  'token',
  'access_token',
  'refresh_token',
  'password',
  'secret',
  'authorization',
  'Authorization',
  'x-api-secret-key',
  'X-API-SECRET-KEY',
  'Api-Key',
  'api-key',
  'credentials',
  'client_secret',
  'apiLogin',
];

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'sklad',
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers["${k.toLowerCase()}"]`]),
      censor: '[redacted]',
    },
  });
}

export type { Logger };
