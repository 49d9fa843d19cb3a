import { describe, expect, it } from 'vitest';
import type { RunParams } from '../protocol/messages';
import type { CommandsOptions } from './options';
import { checkPolicy, decide, matchesPattern } from './policy';

const base: CommandsOptions = { timeoutSeconds: 300, outputCapBytes: 1024 };
const run = (extra: Partial<RunParams>): RunParams => ({ commandId: 'cmd-00000001', ...extra });

describe('matchesPattern', () => {
  it('takes literals, "*" for one element and "**" for any rest', () => {
    expect(matchesPattern(['systemctl', 'restart', '*'], ['systemctl', 'restart', 'web'])).toBe(true);
    expect(matchesPattern(['systemctl', 'restart', '*'], ['systemctl', 'restart'])).toBe(false);
    expect(matchesPattern(['systemctl', 'restart', '*'], ['systemctl', 'restart', 'web', 'db'])).toBe(false);
    expect(matchesPattern(['systemctl', 'stop', '*'], ['systemctl', 'restart', 'web'])).toBe(false);
    expect(matchesPattern(['echo', '**'], ['echo'])).toBe(true);
    expect(matchesPattern(['echo', '**'], ['echo', 'a', 'b'])).toBe(true);
    expect(matchesPattern(['echo', '**'], ['printf', 'a'])).toBe(false);
  });
});

describe('checkPolicy', () => {
  it('refuses "**" before the end, empty patterns and named commands without a program, saying what to write', () => {
    expect(() => checkPolicy({ allow: [{ argv: ['echo', '**', 'x'] }] })).toThrow(/commands\.allow\[0\] has "\*\*" before its end.*put it last/);
    expect(() => checkPolicy({ allow: [{ argv: ['ls'] }, { argv: [] }] })).toThrow(/commands\.allow\[1\] has an empty argv/);
    expect(() => checkPolicy({ named: { restart: { argv: [] } } })).toThrow(/commands\.named\.restart has no program/);
    expect(() => checkPolicy({ allow: [{ argv: ['echo', '**'] }], named: { restart: { argv: ['true'] } } })).not.toThrow();
  });
});

describe('decide', () => {
  it('lets any argv through without an allow list, with the caller lowering the timeout only', () => {
    expect(decide(run({ argv: ['rm', '-rf', '/tmp/x'], cwd: '/tmp', env: { A: '1' }, timeoutSeconds: 10 }), base)).toEqual({
      permitted: { argv: ['rm', '-rf', '/tmp/x'], cwd: '/tmp', env: { A: '1' }, timeoutMs: 10_000 },
    });
    expect(decide(run({ argv: ['true'], timeoutSeconds: 9999 }), base)).toMatchObject({ permitted: { timeoutMs: 300_000 } });
  });

  it('refuses an argv outside the allow list, naming the list and its patterns', () => {
    const options = { ...base, allow: [{ argv: ['systemctl', 'restart', '*'] }] };
    const decision = decide(run({ argv: ['rm', '-rf', '/'] }), options);
    expect(decision).toEqual({ refused: expect.stringContaining('commands.allow') });
    expect('refused' in decision && decision.refused).toContain('["systemctl","restart","*"]');
    expect(decide(run({ argv: ['systemctl', 'restart', 'web'] }), options)).toHaveProperty('permitted');
  });

  it('refuses a caller environment while an allow list is in force', () => {
    const options = { ...base, allow: [{ argv: ['ls', '**'] }] };
    const decision = decide(run({ argv: ['ls'], env: { LD_PRELOAD: '/tmp/evil.so' } }), options);
    expect('refused' in decision && decision.refused).toMatch(/cannot set the environment \(LD_PRELOAD\)/);
  });

  it('runs a named command as configured, allowed even outside the allow list, and refuses an unknown one', () => {
    const options: CommandsOptions = {
      ...base,
      allow: [{ argv: ['true'] }],
      named: { 'restart-web': { argv: ['systemctl', 'restart', 'web'], cwd: '/srv', env: { MODE: 'x' }, timeoutSeconds: 900 } },
    };
    expect(decide(run({ named: 'restart-web' }), options)).toEqual({
      permitted: { argv: ['systemctl', 'restart', 'web'], cwd: '/srv', env: { MODE: 'x' }, timeoutMs: 900_000 },
    });
    expect(decide(run({ named: 'restart-web', timeoutSeconds: 5 }), options)).toMatchObject({ permitted: { timeoutMs: 5000 } });
    const unknown = decide(run({ named: 'reboot' }), options);
    expect('refused' in unknown && unknown.refused).toMatch(/no command named "reboot" \(commands\.named holds "restart-web"\)/);
    const changed = decide(run({ named: 'restart-web', cwd: '/' }), options);
    expect('refused' in changed && changed.refused).toMatch(/send it without cwd and env/);
  });
});
