import type { Config } from './config.ts';
import type { Database, Db } from './db/database.ts';
import type { Logger } from './shared/logger.ts';

/**
 * What every part of a running Sklad shares: the database, the configuration and the log.
 * Domains that need more (the engine, the notifier) hang it here when they start.
 */
export interface Hub {
  config: Config;
  database: Database;
  db: Db;
  logger: Logger;
  /** Secrets at rest are sealed with this key (AES-256-GCM); see src/channels/core/secrets.ts. */
  masterKey?: Buffer;
}
