export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

// perMinute tokens refill over one minute, so a bucket idle this long is full.
const FULL_REFILL_MS = 60_000;

interface Bucket {
  tokens: number;
  /** Epoch milliseconds of the last refill. */
  updated: number;
}

/**
 * A token bucket per key (a client address): `perMinute` requests in a burst, refilled evenly over a
 * minute. Memory stays bounded under a flood from many addresses: buckets are kept in least-recently-used
 * order, a bucket idle long enough to be full again is dropped (a new one would be the same), and beyond
 * `maxBuckets` the least recently used one goes. No timer: the cleanup happens as requests arrive.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly capacity: number;
  private readonly maxBuckets: number;

  constructor(options: { perMinute: number; maxBuckets?: number }) {
    this.capacity = options.perMinute;
    this.perMs = options.perMinute / FULL_REFILL_MS;
    this.maxBuckets = options.maxBuckets ?? 10_000;
  }

  /** How many keys are tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key` at `now` (epoch milliseconds), or says how long until one is there. */
  take(key: string, now: number): RateDecision {
    this.dropIdle(now);
    const bucket = this.buckets.get(key);
    // A clock stepping back must not hand out tokens or take them away.
    const elapsed = bucket ? Math.max(0, now - bucket.updated) : 0;
    const tokens = bucket ? Math.min(this.capacity, bucket.tokens + elapsed * this.perMs) : this.capacity;
    this.buckets.delete(key);
    this.buckets.set(key, { tokens: tokens >= 1 ? tokens - 1 : tokens, updated: now });
    if (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
    if (tokens >= 1) return { ok: true };
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
  }

  // Oldest first, so the walk ends at the first bucket that may still be short of tokens.
  private dropIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updated < FULL_REFILL_MS) return;
      this.buckets.delete(key);
    }
  }
}
