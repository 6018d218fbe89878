import path from 'node:path';
import { z } from 'zod';

const configSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  SKLAD_DATA_DIR: z.string().min(1).default('./data'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  SKLAD_MASTER_KEY: z.string().optional(),
  SKLAD_DEMO: z.enum(['0', '1']).default('1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SKLAD_PUBLIC_URL: z.string().url().optional(),
  /** Processed outbox messages are kept this many days, then removed (dead ones stay). */
  SKLAD_OUTBOX_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(7),
  /** A sync run's lease: renewed while it runs; a run not renewed this long is reaped as failed. */
  SKLAD_SYNC_RUN_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Pages one paged call of a channel may read in one run (src/channels/core/paging.ts). */
  SKLAD_PAGE_CAP: z.coerce.number().int().min(1).max(1_000_000).default(5_000),
});

export type Config = z.infer<typeof configSchema> & { dataDir: string };

/** Reads the environment once, at the border; a bad value stops the start with its name. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.SKLAD_DATA_DIR) };
}
