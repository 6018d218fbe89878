/**
 * Wildberries' times in one place (docs/decisions/160-spec-shaped-answers.md). WB documents
 * Moscow time (UTC+3, no daylight saving since 2014) and writes its statistics times without
 * an offset (`lastChangeDate: "2023-07-05T11:13:35"`), though its schema says date-time; its
 * `dateFrom` examples have none either (`2019-06-20T23:59:59`). So a WB time without an
 * offset is read as Moscow time, one with an offset as said, and every time Sklad sends as
 * `dateFrom` is Moscow wall time without an offset, as WB's examples write it.
 */

const MOSCOW_MS = 3 * 3_600_000;
const shape =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch of a WB time; NaN when it is not one. */
function wbMs(value: string): number {
  const m = shape.exec(value.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const wall = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, '0').slice(0, 3)),
  );
  if (!zone) return wall - MOSCOW_MS;
  if (zone.toUpperCase() === 'Z') return wall;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return wall - sign * (Number(digits.slice(0, 2)) * 3_600_000 + Number(digits.slice(2, 4) || '0') * 60_000);
}

/** A WB time as a UTC ISO-8601 instant; throws naming the value when it is not a time. */
export function wbInstant(value: string): string {
  const ms = wbMs(value);
  if (!Number.isFinite(ms)) throw new Error(`Wildberries sent "${value.slice(0, 60)}" where a time belongs`);
  return new Date(ms).toISOString();
}

/** An instant (ms, or any WB or ISO time) as WB's dateFrom: Moscow wall time, no offset; milliseconds only when there are some. */
export function wbDateFrom(at: number | string): string {
  const ms = typeof at === 'number' ? at : wbMs(at);
  if (!Number.isFinite(ms)) throw new Error(`Wildberries sent "${String(at).slice(0, 60)}" where a time belongs`);
  const iso = new Date(ms + MOSCOW_MS).toISOString();
  return iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23);
}
