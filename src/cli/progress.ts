import cliProgress from 'cli-progress';
import type { ProgressUpdate } from './hub-api.ts';
import { say } from './lang.ts';

/**
 * A progress bar (drawn only in a terminal) that counts against the real total the work
 * reports: it is drawn once the total is known and never shows more than it (a count past the
 * total is clamped). `end` clears it and prints one summary line with what was counted (on
 * stderr, where the bar is drawn).
 */
export function progressBar(title: string) {
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${title} [{bar}] {value}/{total} {message}`,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let total: number | undefined;
  let done = 0;
  let drawn = false;
  return {
    update(u: ProgressUpdate) {
      if (u.total !== undefined && u.total >= 0) total = u.total;
      if (u.done !== undefined) done = u.done;
      if (total === undefined) return;
      const value = Math.min(done, total);
      if (!drawn) {
        bar.start(total, value, { message: u.message ?? '' });
        drawn = true;
      } else {
        bar.setTotal(total);
        bar.update(value, { message: u.message ?? '' });
      }
    },
    /** Stops the bar; with a verdict, prints the summary line `  <title> <verdict>: <done> of <total>` (in the CLI's language). */
    end(verdict?: 'done' | 'failed' | 'partly' | 'sent') {
      if (drawn) bar.stop();
      drawn = false;
      if (verdict === undefined) return;
      const said = {
        title,
        verdict: say(`cli.verdict.${verdict}`),
        done: total === undefined ? done : Math.min(done, total),
        total,
      };
      // Beside the bar, on stderr: stdout keeps the command's answer (its JSON with --json).
      console.error(say(total !== undefined ? 'cli.bar.of' : done ? 'cli.bar.counted' : 'cli.bar.plain', said));
    },
  };
}
