import { afterEach, expect, test, vi } from 'vitest';
import { Pacer } from '../wildberries/pacer.ts';
import { ozonPaceLimits } from './client.ts';

// The clock is Sinon's fake one: the pacer's waits are counted, not slept, so the check is exact on any machine.
afterEach(() => void vi.useRealTimers());

test('Ozon stock updates are paced to at most 80 in any minute, the first few at once', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  const pacer = new Pacer(ozonPaceLimits);
  const sent: number[] = [];
  const start = performance.now();
  const all = Promise.all(
    Array.from({ length: 200 }, async () => {
      await pacer.take('stockUpdate');
      sent.push(performance.now() - start);
    }),
  );
  await vi.runAllTimersAsync();
  await all;
  expect(sent).toHaveLength(200);
  expect(sent.slice(0, ozonPaceLimits.stockUpdate.burst).every((t) => t === 0)).toBe(true);
  // Any 81 calls in a row span at least a minute: never more than 80 in a minute.
  for (let i = 80; i < sent.length; i++) expect(sent[i] - sent[i - 80]).toBeGreaterThanOrEqual(60_000);
  // …and no slower than the limit needs: 200 calls take (200 − burst) × interval.
  expect(sent.at(-1)).toBe((200 - ozonPaceLimits.stockUpdate.burst) * ozonPaceLimits.stockUpdate.intervalMs);
});
