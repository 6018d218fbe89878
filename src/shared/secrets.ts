import crypto from 'node:crypto';

/**
 * Credentials at rest: AES-256-GCM under the master key, a fresh 12-byte nonce each time.
 * Sealed text is `v1.<nonce>.<tag>.<ciphertext>` (base64url), so a later key rotation can
 * tell versions apart. A wrong key or a changed byte fails loudly instead of decrypting junk.
 */
export function seal(masterKey: Buffer, plaintext: string): string {
  const nonce = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', masterKey, nonce);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    nonce.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    data.toString('base64url'),
  ].join('.');
}

export function unseal(masterKey: Buffer, sealed: string): string {
  const [version, nonce, tag, data] = sealed.split('.');
  if (version !== 'v1' || !nonce || !tag || data === undefined) throw new Error('Not a sealed secret');
  const decipher = crypto.createDecipheriv('aes-256-gcm', masterKey, Buffer.from(nonce, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

export const sealJson = (masterKey: Buffer, value: unknown) => seal(masterKey, JSON.stringify(value));
export const unsealJson = <T>(masterKey: Buffer, sealed: string): T => JSON.parse(unseal(masterKey, sealed)) as T;

/** What may be shown of a secret: its last four characters. */
export const maskSecret = (secret: string) => (secret.length <= 8 ? '••••' : `••••${secret.slice(-4)}`);

/** A stable fingerprint of a key, to find the same key added twice without storing it in clear. */
export const fingerprint = (masterKey: Buffer, secret: string) =>
  crypto.createHmac('sha256', masterKey).update(secret.trim()).digest('hex');
