import { assembleSklad } from '../../assembly.ts';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/database.ts';
import { createLogger } from '../../shared/logger.ts';
import { startWorkers } from '../worker.ts';
import './reaper-jobs.ts';

/**
 * A worker process on PostgreSQL (DATABASE_URL) or on an embedded data directory
 * (SKLAD_DATA_DIR), which `sklad worker` refuses: reaper.sigkill.test.ts kills it with SIGKILL.
 */
assembleSklad();
const config = loadConfig();
const database = await openDatabase(
  config.DATABASE_URL ? { url: config.DATABASE_URL, poolSize: 2 } : { dataDir: config.dataDir },
);
startWorkers({ config, database, db: database.db, logger: createLogger({ level: 'warn' }) }, { pollMs: 20 });
console.log(`embedded worker running (pid ${process.pid})`);
