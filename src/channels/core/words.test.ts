import { expect, test } from 'vitest';
import { dictionaryOf } from '../../web/i18n.ts';
import { channelModules } from './module.ts';
import { credentialKey, jobKey, settingKey } from './words.ts';

/** The installed modules' labels are in the one dictionary, in both languages (src/test/setup.ts assembles Sklad). */
test('every installed module’s credential, setting and job labels are in the dictionary in Russian and English, and every key has both', () => {
  const [en, ru] = [dictionaryOf('en'), dictionaryOf('ru')];
  const keys: string[] = [];
  for (const m of channelModules()) {
    const channel = m.connector.channel;
    for (const f of m.credentialFields) keys.push(credentialKey(channel, f.key));
    for (const f of m.settingFields ?? []) keys.push(settingKey(channel, f.key));
    for (const type of Object.keys(m.jobLabels ?? {})) keys.push(jobKey(type));
  }
  expect(keys.length).toBeGreaterThan(20);
  for (const key of keys) {
    expect(en[key], key).toBeTruthy();
    expect(ru[key], key).toBeTruthy();
  }
  expect(Object.keys(ru).filter((k) => !(k in en))).toEqual([]);
  expect(Object.keys(en).filter((k) => !(k in ru) || !ru[k])).toEqual([]);
});
