import { secretMatcher } from '../secret-match';

/** A check of candidate tokens against the configured one, in constant time. */
export function tokenCheck(expected: string): (candidate: string) => boolean {
  if (expected === '') throw new Error('The bridge token is empty: give it a long random value (lifeline agent init writes one to bridge.token).');
  return secretMatcher(expected);
}
