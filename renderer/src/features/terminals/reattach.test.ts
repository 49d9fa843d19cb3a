import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { REATTACH_DELAYS_MS, Reattacher } from './reattach';

describe('Reattacher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reattaches as soon as the console connection is back, not before', () => {
    const reattach = vi.fn();
    const reattacher = new Reattacher(reattach);
    reattacher.lineLost(false);
    vi.advanceTimersByTime(60_000);
    expect(reattach).not.toHaveBeenCalled();
    reattacher.connectionOpened();
    expect(reattach).toHaveBeenCalledTimes(1);
    reattacher.connectionOpened();
    expect(reattach).toHaveBeenCalledTimes(1);
  });

  it('with the connection up, retries after growing pauses, then leaves it to the person', () => {
    const reattach = vi.fn();
    const reattacher = new Reattacher(reattach);
    for (const delay of REATTACH_DELAYS_MS) {
      const before = reattach.mock.calls.length;
      reattacher.lineLost(true);
      vi.advanceTimersByTime(delay - 1);
      expect(reattach).toHaveBeenCalledTimes(before);
      vi.advanceTimersByTime(1);
      expect(reattach).toHaveBeenCalledTimes(before + 1);
    }
    reattacher.lineLost(true);
    vi.advanceTimersByTime(600_000);
    expect(reattach).toHaveBeenCalledTimes(REATTACH_DELAYS_MS.length);
  });

  it('starts from the shortest pause again once output flowed', () => {
    const reattach = vi.fn();
    const reattacher = new Reattacher(reattach);
    reattacher.lineLost(true);
    vi.advanceTimersByTime(REATTACH_DELAYS_MS[0]);
    reattacher.lineLost(true);
    reattacher.flowing();
    vi.advanceTimersByTime(REATTACH_DELAYS_MS[1]);
    reattacher.lineLost(true);
    vi.advanceTimersByTime(REATTACH_DELAYS_MS[0]);
    expect(reattach).toHaveBeenCalledTimes(3);
  });

  it('does nothing after settle (attached by hand, or detached on purpose)', () => {
    const reattach = vi.fn();
    const reattacher = new Reattacher(reattach);
    reattacher.lineLost(true);
    reattacher.settle();
    vi.advanceTimersByTime(60_000);
    reattacher.connectionOpened();
    expect(reattach).not.toHaveBeenCalled();
  });
});
