import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type SshConnection } from './connect';
import { quoteShellArg, shellCommand } from './shell-quote';
import { makeTestKey } from './testing/keys';
import { startSshd, type TestSshd } from './testing/sshd';
import { trustKeys } from './testing/trust';

const NASTY = [
  'plain',
  'two words',
  "it's",
  "''",
  '"double"',
  '$(echo pwned)',
  '`echo pwned`',
  '${HOME}',
  '$HOME',
  'line one\nline two',
  'a;b',
  '; echo pwned',
  '&& echo pwned',
  '| cat',
  '> /tmp/lifeline-should-not-exist',
  '',
  ' ',
  '\t',
  'ünïcødé ✓ 日本語 🚀',
  '\\',
  '\\n',
  '*',
  '?',
  '~',
  '~root',
  '#comment',
  '!',
  '-n',
  '--',
  'A=b',
  '%1',
  '{a,b}',
  '[x]',
  '\x1b[31mred',
];

/** printf prints each argument followed by a NUL, so the exact argv can be read back. */
const ECHO_ARGV = ['printf', '%s\\0'];
const parseArgv = (output: string): string[] => output.split('\0').slice(0, -1);

function runLocally(shell: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(shell, ['-c', command], { encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

describe('quoteShellArg', () => {
  it('leaves plain words alone and single-quotes everything else', () => {
    expect(quoteShellArg('ls')).toBe('ls');
    expect(quoteShellArg('/var/log/syslog.1')).toBe('/var/log/syslog.1');
    expect(quoteShellArg('two words')).toBe("'two words'");
    expect(quoteShellArg("it's")).toBe("'it'\\''s'");
    expect(quoteShellArg('')).toBe("''");
    expect(quoteShellArg('A=b')).toBe("'A=b'");
  });

  it('refuses a NUL byte, which no argv can carry', () => {
    expect(() => quoteShellArg('a\0b')).toThrow(/NUL byte/);
  });
});

describe('shellCommand', () => {
  it('refuses an empty argv and bad variable names', () => {
    expect(() => shellCommand([])).toThrow(/empty/);
    expect(() => shellCommand(['env'], { '1X': 'y' })).toThrow(/not a valid environment variable name/);
    expect(() => shellCommand(['env'], { 'X Y': 'y' })).toThrow(/not a valid environment variable name/);
  });

  it.each(['/bin/sh', '/bin/bash'])('round-trips every nasty argument through %s', async (shell) => {
    const output = await runLocally(shell, shellCommand([...ECHO_ARGV, ...NASTY]));
    expect(parseArgv(output)).toEqual(NASTY);
  });

  it('runs a command whose name needs quoting, not as an assignment', async () => {
    await expect(runLocally('/bin/sh', shellCommand(['A=b']))).rejects.toThrow(/A=b: not found/);
  });

  it('passes nasty environment values intact', async () => {
    const value = NASTY.join('|');
    const output = await runLocally('/bin/sh', shellCommand(['sh', '-c', 'printf %s "$LIFELINE_V"'], { LIFELINE_V: value }));
    expect(output).toBe(value);
  });
});

describe('shellCommand over a real sshd', () => {
  let dir: string;
  let sshd: TestSshd;
  let connection: SshConnection;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-quote-'));
    const key = await makeTestKey(dir, 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
    connection = await connectSsh({ host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey: key.privateKey } }, { verifyHostKey: trustKeys(() => sshd.hostKeys).verifyHostKey });
  });
  afterAll(async () => {
    await connection?.close();
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every nasty argument exactly, and runs none of them', async () => {
    const run = await connection.exec([...ECHO_ARGV, ...NASTY]);
    let output = '';
    run.stdout.setEncoding('utf8');
    run.stdout.on('data', (chunk: string) => {
      output += chunk;
    });
    run.stderr.resume();
    expect(await run.exit).toEqual({ code: 0, signal: null });
    expect(parseArgv(output)).toEqual(NASTY);
    expect(output).not.toContain('pwned\n');
  });
});
