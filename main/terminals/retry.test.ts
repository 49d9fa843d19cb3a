import { describe, expect, it } from 'vitest';
import { SshError } from '../ssh/errors';
import { DEFAULT_RETRY, needsPerson, retryDelay } from './retry';

describe('retryDelay', () => {
  it('doubles from 1 s to a 30 s cap without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => retryDelay(attempt, DEFAULT_RETRY, () => 0));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('shortens by at most the jitter share, never beyond the cap', () => {
    expect(retryDelay(1, DEFAULT_RETRY, () => 0.999_999)).toBe(800);
    expect(retryDelay(10, DEFAULT_RETRY, () => 0.5)).toBe(27_000);
  });
});

describe('needsPerson', () => {
  it('stops on refused logins and host keys and on cancel, also behind a jump host', () => {
    expect(needsPerson(new SshError('AUTH_FAILED', 'no'))).toBe(true);
    expect(needsPerson(new SshError('HOST_KEY', 'changed'))).toBe(true);
    expect(needsPerson(new SshError('CANCELLED', 'cancelled'))).toBe(true);
    expect(needsPerson(new SshError('JUMP_FAILED', 'hop 1', { cause: new SshError('AUTH_FAILED', 'no'), hop: 1 }))).toBe(true);
    expect(needsPerson(new Error('The vault is locked'))).toBe(true);
  });

  it('keeps retrying when the network or the server may come back', () => {
    for (const code of ['REFUSED', 'TIMEOUT', 'UNREACHABLE', 'DISCONNECTED', 'PROTOCOL'] as const) expect(needsPerson(new SshError(code, code))).toBe(false);
    expect(needsPerson(new SshError('JUMP_FAILED', 'hop 1', { cause: new SshError('REFUSED', 'refused'), hop: 1 }))).toBe(false);
  });
});
