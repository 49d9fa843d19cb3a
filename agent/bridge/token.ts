import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A check of candidate tokens against the configured one. Both sides are hashed first: timingSafeEqual
 * needs equal lengths, and comparing digests leaks neither the token's content nor its length.
 */
export function tokenCheck(expected: string): (candidate: string) => boolean {
  if (expected === '') throw new Error('The bridge token is empty: give it a long random value (lifeline agent init writes one to bridge.token).');
  const want = digest(expected);
  return (candidate) => timingSafeEqual(digest(candidate), want);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
