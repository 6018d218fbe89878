/**
 * The seed's recommended schedule (UTC cron), the default of every iiko setting; each one can
 * be changed or turned off per setting. `prices` re-reads only what changed since the last
 * nomenclature revision, `menu` reads it all (and finds what was removed).
 */
export const IIKO_SYNC_SCHEDULE = {
  menu: '0 * * * *',
  stoplist: '*/3 * * * *',
  prices: '*/10 * * * *',
  terminals: '*/10 * * * *',
  payments: '0 4 * * *',
} as const;

export type ScheduledSyncKind = keyof typeof IIKO_SYNC_SCHEDULE;
export const scheduledSyncKinds = Object.keys(IIKO_SYNC_SCHEDULE) as ScheduledSyncKind[];
