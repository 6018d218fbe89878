/** Polls until `check` returns a truthy value; fails with `what` after the bound (a bound, not a timing assertion). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, boundMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
