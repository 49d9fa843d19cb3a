import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('doubles with each attempt, the jitter keeping each delay within the upper half of its step', () => {
    expect(retryDelayMs(1, 10_000, () => 0)).toBe(5_000);
    expect(retryDelayMs(1, 10_000, () => 0.999_999)).toBe(9_999);
    expect(retryDelayMs(2, 10_000, () => 0)).toBe(10_000);
    expect(retryDelayMs(3, 10_000, () => 0.5)).toBe(30_000);
  });

  it('grows from one attempt to the next whatever the jitter draws', () => {
    const draws = [0, 0.25, 0.5, 0.75, 0.999_999];
    for (let attempt = 1; attempt < 8; attempt++) {
      const longestNow = Math.max(...draws.map((draw) => retryDelayMs(attempt, 10_000, () => draw)));
      const shortestNext = Math.min(...draws.map((draw) => retryDelayMs(attempt + 1, 10_000, () => draw)));
      expect(shortestNext).toBeGreaterThan(longestNow);
    }
  });

  it('never waits longer than the cap, even after many attempts', () => {
    expect(retryDelayMs(40, 10_000, () => 0.999_999)).toBeLessThanOrEqual(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1_000, 10_000, () => 0)).toBe(MAX_RETRY_DELAY_MS / 2);
  });
});
