import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { registry } from '../registry.ts';
import type { LocalText } from './module.ts';

/** The forms' fields name the schemas' keys, in order, each with a label in both languages. */
const keysOf = (schema: z.ZodType | undefined): string[] =>
  schema ? Object.keys((schema as z.ZodObject<z.ZodRawShape>).shape) : [];
const filled = (text: LocalText | undefined) => text === undefined || (text.ru.trim() !== '' && text.en.trim() !== '');

describe.each(registry.map((m) => [m.connector.channel, m] as const))('the %s module', (_, m) => {
  it('lists a credential field for every key of the credentials schema, in order', () => {
    expect(m.credentialFields.map((f) => f.key)).toEqual(keysOf(m.connector.credentialsSchema));
  });
  it('lists a setting field for every key of the settings schema, in order', () => {
    expect((m.settingFields ?? []).map((f) => f.key)).toEqual(keysOf(m.connector.settingsSchema));
  });
  it('labels every field in Russian and English', () => {
    for (const f of [...m.credentialFields, ...(m.settingFields ?? [])]) {
      expect(f.label.ru.trim(), f.key).not.toBe('');
      expect(f.label.en.trim(), f.key).not.toBe('');
      expect(filled(f.help), f.key).toBe(true);
    }
  });
});
