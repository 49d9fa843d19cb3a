import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttle } from './throttle';

describe('throttle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the first request at once and merges the next ones into one run at the end of the interval', () => {
    const run = vi.fn();
    const throttled = throttle(run, 5000);
    throttled.request();
    expect(run).toHaveBeenCalledTimes(1);
    throttled.request();
    throttled.request();
    vi.advanceTimersByTime(4999);
    expect(run).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('runs at once again once the interval has passed without requests', () => {
    const run = vi.fn();
    const throttled = throttle(run, 5000);
    throttled.request();
    vi.advanceTimersByTime(6000);
    throttled.request();
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('drops a waiting run and ignores requests once disposed', () => {
    const run = vi.fn();
    const throttled = throttle(run, 5000);
    throttled.request();
    throttled.request();
    throttled.dispose();
    vi.advanceTimersByTime(10_000);
    throttled.request();
    expect(run).toHaveBeenCalledTimes(1);
  });
});
