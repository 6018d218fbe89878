import { must, section } from '../../../simulators/toolkit/contract-doc.ts';
import { extra, specFile, type Answer, type Rng } from './server.ts';

/**
 * Bitrix24's answers as its digest (../shared/specs/bitrix24/CONTRACT.md) describes them: every
 * success `result` + `time` (§1), lists of 50 with `total` and `next` (§4, numbers as strings),
 * a batch's `result.result` / `result.result_error` keyed by command (§6, `[]` when empty), and
 * the system errors of §7 with their HTTP status, each `{error, error_description}`.
 */

const doc = specFile('bitrix24', 'CONTRACT.md');

/** §4: the fixed page size of a list. */
export const PAGE = Number(must(/fixed page size (\d+)/, section(doc, 4), 'the page size')[1]);

/** §7 (and §8's 429): every system error, `{status, code}`. */
export const systemErrors = [...`${section(doc, 7)}`.matchAll(/`(\d{3}) ([A-Za-z_]+)`/g)].map((m) => ({
  status: Number(m[1]),
  code: m[2],
}));

/** §1: the `time` of every answer (with §8's operating budget). */
export const time = (rng: Rng, extras = false) => ({
  start: 1_700_000_000.1,
  finish: 1_700_000_000.2,
  duration: 0.1,
  processing: 0.05,
  date_start: '2026-01-01T10:00:00+03:00',
  date_finish: '2026-01-01T10:00:00+03:00',
  operating_reset_at: Math.floor(Date.now() / 1000) + 600,
  operating: rng.int(0, 10),
  ...(extras ? extra(rng) : {}),
});

/** A list answer (§4): `next` when given, `total`. */
export const list = (
  rng: Rng,
  rows: unknown[],
  opts: { next?: number; total?: number; extras?: boolean } = {},
): Answer => ({
  body: {
    result: rows,
    total: opts.total ?? rows.length,
    ...(opts.next === undefined ? {} : { next: opts.next }),
    time: time(rng, opts.extras),
  },
});

/** A batch answer (§6). */
export const batch = (
  rng: Rng,
  results: Record<string, unknown>,
  errors: Record<string, { error: string; error_description: string }> = {},
): Answer => ({
  body: {
    result: {
      result: Object.keys(results).length ? results : [],
      result_error: Object.keys(errors).length ? errors : [],
      result_total: [],
      result_next: [],
      result_time: [],
    },
    time: time(rng),
  },
});

/** A system error of §7. */
export const error = (status: number, code: string, rng: Rng): Answer => ({
  status,
  body: {
    error: code,
    error_description: `${code.toLowerCase().replace(/_/g, ' ')}`,
    ...(status === 429 ? { time: time(rng) } : {}),
  },
});

/** The commands of a batch request: `{d0: "crm.deal.add?…"}`. */
export const commandsOf = (json: unknown) =>
  Object.entries((json as { cmd?: Record<string, string> } | undefined)?.cmd ?? {});
