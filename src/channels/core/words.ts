import { isKey, t, type Lang, type Pairs } from '../../web/i18n.ts';

/**
 * The installed channel modules' labels as a part of the one dictionary (`channel.<name>.…`):
 * a module writes its credential fields', settings' and job types' names beside them as
 * `LocalText`s (its own words travel with it and core names no channel), and installing the
 * modules (installChannelModules) registers them here, so every reader (the panel's channels
 * page, the API's GET /channels, the job names of the sync pages) says them with `t`.
 */

type LocalText = { ru: string; en: string };
type Labelled = { key: string; label: LocalText; help?: LocalText };
/** What of a channel module (src/channels/core/module.ts, which imports this file) carries labels. */
interface Labels {
  connector: { channel: string };
  credentialFields: readonly Labelled[];
  settingFields?: readonly Labelled[];
  jobLabels?: Record<string, LocalText>;
}

/** The key of a module's credential field (`help` for its help text) in the dictionary. */
export const credentialKey = (channel: string, field: string, part: 'label' | 'help' = 'label') =>
  `channel.${channel}.credential.${field}.${part}`;
/** The key of a module's setting (`help` for its help text). */
export const settingKey = (channel: string, field: string, part: 'label' | 'help' = 'label') =>
  `channel.${channel}.setting.${field}.${part}`;
/** The key of a module's job type (`ozon.stocks`) name. */
export const jobKey = (type: string) => `channel.${type.split('.')[0]}.job.${type}`;

/** The dictionary part of the modules, keyed without its `channel.` prefix. */
export function channelWords(modules: readonly Labels[]): Pairs {
  const words: Pairs = {};
  const put = (key: string, text: LocalText | undefined) => {
    if (text) words[key.slice('channel.'.length)] = { ru: text.ru, en: text.en };
  };
  for (const m of modules) {
    const channel = m.connector.channel;
    for (const f of m.credentialFields) {
      put(credentialKey(channel, f.key), f.label);
      put(credentialKey(channel, f.key, 'help'), f.help);
    }
    for (const f of m.settingFields ?? []) {
      put(settingKey(channel, f.key), f.label);
      put(settingKey(channel, f.key, 'help'), f.help);
    }
    for (const [type, label] of Object.entries(m.jobLabels ?? {})) put(jobKey(type), label);
  }
  return words;
}

/** A module's label in `lang` by its key; `fallback` (the raw field key) when the module gave none. */
export function labelIn(lang: Lang, key: string, fallback: string): string;
export function labelIn(lang: Lang, key: string, fallback?: undefined): string | undefined;
export function labelIn(lang: Lang, key: string, fallback?: string): string | undefined {
  return isKey(key) ? t(key, lang) : fallback;
}

/** A module's label in both languages (the API's shape), or undefined when it has none. */
export function labelPair(key: string): LocalText | undefined {
  return isKey(key) ? { ru: t(key, 'ru'), en: t(key, 'en') } : undefined;
}
