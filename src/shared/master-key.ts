import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from './logger.ts';

/**
 * The key that seals credentials at rest (AES-256-GCM). In production it comes from
 * SKLAD_MASTER_KEY (32 bytes, base64 or hex); on the embedded database a key is made on
 * first start and kept beside the data, with a warning, so the demo needs no set-up.
 */
export function loadMasterKey(config: Config, logger: Logger): Buffer {
  if (config.SKLAD_MASTER_KEY) return parseMasterKey(config.SKLAD_MASTER_KEY);
  if (config.DATABASE_URL) {
    throw new Error(
      'SKLAD_MASTER_KEY is not set: with DATABASE_URL, set it to 32 random bytes (base64), e.g. `openssl rand -base64 32`',
    );
  }
  const file = path.join(config.dataDir, 'master.key');
  if (fs.existsSync(file)) return parseMasterKey(fs.readFileSync(file, 'utf8').trim());
  fs.mkdirSync(config.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  logger.warn(
    { file },
    'SKLAD_MASTER_KEY is not set: made a master key and stored it beside the data. Back it up; set SKLAD_MASTER_KEY in production.',
  );
  return key;
}

export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('SKLAD_MASTER_KEY must be 32 bytes, given as base64 or 64 hex digits');
  return key;
}
