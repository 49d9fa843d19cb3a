import { SshError } from '../ssh/errors';

export interface RetryPolicy {
  /** The delay before the first retry, in ms. */
  readonly firstMs: number;
  /** The longest delay, in ms: the doubling stops there. */
  readonly maxMs: number;
  /** The share (0–1) by which a delay is randomly shortened. */
  readonly jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstMs: 1_000, maxMs: 30_000, jitter: 0.2 };

/**
 * The delay before retry number `attempt` (from 1): doubling from `firstMs` up to `maxMs`, shortened by
 * up to `jitter` so that the terminals of many servers cut off by the same network outage do not all
 * knock again in the same instant. Only shortened, so the cap holds.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

const FINAL_CODES = new Set(['AUTH_FAILED', 'HOST_KEY', 'CANCELLED']);

/**
 * Whether retrying cannot help until a person acts: the login was refused, the host key was refused or
 * someone cancelled (also when a jump host failed for one of those reasons). Errors that are not
 * SshErrors come from resolving the server (no such server, vault locked), which waiting does not fix.
 */
export function needsPerson(error: unknown): boolean {
  if (!(error instanceof SshError)) return true;
  if (error.code === 'JUMP_FAILED') return needsPerson(error.cause);
  return FINAL_CODES.has(error.code);
}
