/** Retries of a deploy never wait longer than this, however many attempts a site allows. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/**
 * How long a job waits after its `attempt`-th failure (1-based): base × 2^(attempt−1), capped, then
 * scaled by a random factor in [0.5, 1). The jitter spreads out the retries of deploys that failed
 * together (a registry or network outage) so they do not all come back at the same instant; keeping
 * the upper half of the delay means each wait is still longer than the one before, up to the cap.
 */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const delay = Math.min(baseMs * 2 ** exponent, MAX_RETRY_DELAY_MS);
  return Math.floor(delay * (0.5 + random() / 2));
}
