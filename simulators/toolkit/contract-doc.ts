/**
 * Reading a CONTRACT.md digest (../shared/specs/<service>/CONTRACT.md) at run time, so a
 * simulator's contract follows the digest's words: its numbered sections, the `code` spans in a
 * text, and a match the digest must still contain.
 */

/** The words in `backticks` of a text, in order. */
export const ticks = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** Section `## n. …` of the digest, up to the next `## `. */
export function section(doc: string, n: number): string {
  const start = doc.search(new RegExp(`^## ${n}\\. `, 'm'));
  if (start < 0) throw new Error(`CONTRACT.md has no section ${n}`);
  const end = doc.slice(start + 1).search(/^## /m);
  return end < 0 ? doc.slice(start) : doc.slice(start, start + 1 + end);
}

/** The match of `re` in `text`; the digest no longer saying `what` is an error naming it. */
export function must(re: RegExp, text: string, what: string): RegExpExecArray {
  const m = re.exec(text);
  if (!m) throw new Error(`CONTRACT.md no longer says ${what} (${re})`);
  return m;
}
