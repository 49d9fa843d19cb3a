import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limit';

describe('RateLimiter', () => {
  it('allows a burst of perMinute requests, then says when the next token arrives', () => {
    const limiter = new RateLimiter({ perMinute: 3 });
    for (let i = 0; i < 3; i++) expect(limiter.take('a', 0)).toEqual({ ok: true });
    expect(limiter.take('a', 0)).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(limiter.take('a', 15_000)).toEqual({ ok: false, retryAfterSeconds: 5 });
    expect(limiter.take('a', 20_000)).toEqual({ ok: true });
    expect(limiter.take('a', 20_000)).toEqual({ ok: false, retryAfterSeconds: 20 });
  });

  it('keeps a bucket per key', () => {
    const limiter = new RateLimiter({ perMinute: 1 });
    expect(limiter.take('a', 0).ok).toBe(true);
    expect(limiter.take('a', 0).ok).toBe(false);
    expect(limiter.take('b', 0).ok).toBe(true);
  });

  it('never waits less than a second and refills no further than the burst', () => {
    const limiter = new RateLimiter({ perMinute: 6000 });
    for (let i = 0; i < 6000; i++) limiter.take('a', 0);
    expect(limiter.take('a', 0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    const idle = new RateLimiter({ perMinute: 2 });
    idle.take('a', 0);
    idle.take('a', 59_000);
    // 59 s refill 2 tokens at most, not 1 + 59/30.
    expect(idle.take('a', 59_000).ok).toBe(true);
    expect(idle.take('a', 59_000).ok).toBe(false);
  });

  it('gives nothing back when the clock steps backwards', () => {
    const limiter = new RateLimiter({ perMinute: 1 });
    expect(limiter.take('a', 100_000).ok).toBe(true);
    expect(limiter.take('a', 50_000).ok).toBe(false);
  });

  it('drops buckets idle long enough to be full again', () => {
    const limiter = new RateLimiter({ perMinute: 60 });
    limiter.take('a', 0);
    limiter.take('b', 30_000);
    expect(limiter.size).toBe(2);
    limiter.take('c', 60_000);
    expect(limiter.size).toBe(2);
    limiter.take('d', 200_000);
    expect(limiter.size).toBe(1);
  });

  it('stays within maxBuckets under a flood from many addresses, forgetting the least recently used', () => {
    const limiter = new RateLimiter({ perMinute: 1, maxBuckets: 100 });
    limiter.take('busy', 0);
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`10.0.${i >> 8}.${i & 255}`, 1);
      if (i % 50 === 0) expect(limiter.take('busy', 1).ok).toBe(false);
    }
    expect(limiter.size).toBe(100);
  });
});
