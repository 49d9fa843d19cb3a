import { createHash, timingSafeEqual } from 'node:crypto';

// Tokens and shared secrets are compared as SHA-256 digests: timingSafeEqual needs buffers of equal
// length, and comparing digests lets the time taken reveal neither the secret's content nor its length.

/** A check of candidates against one secret, whose digest is computed once. */
export function secretMatcher(expected: string): (candidate: string) => boolean {
  const want = digest(expected);
  return (candidate) => timingSafeEqual(digest(candidate), want);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
