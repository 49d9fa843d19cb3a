import { describe, expect, it } from 'vitest';
import { SshError } from '../ssh/errors';
import { TerminalError } from '../terminals/errors';
import { VaultError } from '../vault';
import { connectFailure } from './connect-errors';

describe('connectFailure', () => {
  it('gives each SSH failure the contract code the UI acts on, keeping the message', () => {
    const cases: Array<[SshError, string]> = [
      [new SshError('REFUSED', 'refused: check the port'), 'UNREACHABLE'],
      [new SshError('TIMEOUT', 'no answer'), 'UNREACHABLE'],
      [new SshError('AUTH_FAILED', 'tried publickey'), 'AUTH_FAILED'],
      [new SshError('HOST_KEY', 'changed key'), 'HOST_KEY_REFUSED'],
      [new SshError('CANCELLED', 'cancelled'), 'CANCELLED'],
    ];
    for (const [error, code] of cases) expect(connectFailure(error)).toEqual({ ok: false, code, message: error.message });
  });

  it('reports a jump host by why it failed', () => {
    const auth = new SshError('JUMP_FAILED', 'jump host 1 refused the login', { cause: new SshError('AUTH_FAILED', 'tried publickey'), hop: 1 });
    expect(connectFailure(auth)).toMatchObject({ code: 'AUTH_FAILED', message: 'jump host 1 refused the login' });
    const nested = new SshError('JUMP_FAILED', 'hop 2', { cause: new SshError('JUMP_FAILED', 'hop 1', { cause: new SshError('HOST_KEY', 'changed') }) });
    expect(connectFailure(nested)).toMatchObject({ code: 'HOST_KEY_REFUSED' });
    expect(connectFailure(new SshError('JUMP_FAILED', 'gone', { cause: new Error('socket') }))).toMatchObject({ code: 'UNREACHABLE' });
  });

  it('passes on terminal and vault refusals, and rethrows anything else as a bug', () => {
    expect(connectFailure(new TerminalError('NOT_FOUND', 'no terminal'))).toEqual({ ok: false, code: 'NOT_FOUND', message: 'no terminal' });
    expect(connectFailure(new VaultError('LOCKED', 'The vault is locked: unlock it.'))).toMatchObject({ code: 'VAULT_LOCKED' });
    const bug = new TypeError('undefined is not a function');
    expect(() => connectFailure(bug)).toThrow(bug);
  });
});
