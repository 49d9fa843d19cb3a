import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSshConfig, resolveSshHost, SshConfigError, type SshConfig } from './ssh-config';

let home: string;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'lifeline-sshconfig-'));
  mkdirSync(join(home, '.ssh'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** Writes a file under the temp home; `lines` are joined with newlines. */
function write(path: string, ...lines: string[]): string {
  const full = join(home, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, `${lines.join('\n')}\n`);
  return full;
}

const config = (...lines: string[]) => write('.ssh/config', ...lines);
const read = () => readSshConfig({ home });
const resolveIn = (parsed: SshConfig, alias: string) => resolveSshHost(parsed, alias, 'me');

async function refusal(): Promise<SshConfigError> {
  const error = await read().then(
    () => null,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SshConfigError);
  return error as SshConfigError;
}

describe('readSshConfig and resolveSshHost', () => {
  it('reads "key value", "key=value", quotes, any keyword case and comments', async () => {
    config(
      '# a comment',
      '   ',
      'host web',
      '  HOSTNAME=web.example.com',
      '  port = 2200',
      '\tUser\t"deploy"   # trailing comment',
      '  IdentityFile "~/.ssh/my key"',
      "  identityfile '~/.ssh/it''s'",
      '  IdentityFile ~/.ssh/with\\ space',
    );
    const parsed = await read();
    expect(resolveIn(parsed, 'web')).toMatchObject({
      alias: 'web',
      hostName: 'web.example.com',
      port: 2200,
      user: 'deploy',
      identityFiles: [join(home, '.ssh/my key'), join(home, '.ssh/its'), join(home, '.ssh/with space')],
    });
  });

  it('falls back to what ssh uses when the config says nothing', async () => {
    config('Host other', '  Port 2022');
    expect(resolveIn(await read(), 'plain.example.com')).toEqual({
      alias: 'plain.example.com',
      hostName: 'plain.example.com',
      port: 22,
      user: 'me',
      identityFiles: [],
      proxyJump: [],
      proxyCommand: null,
      serverAliveInterval: null,
      serverAliveCountMax: null,
      strictHostKeyChecking: null,
      userKnownHostsFiles: null,
      forwardAgent: null,
    });
  });

  it('keeps the first value obtained, so Host * defaults placed last only fill gaps', async () => {
    config(
      'Port 2000', // before any Host: applies to every host, and wins over everything below
      'Host web',
      '  User web-user',
      '  IdentityFile ~/.ssh/web',
      'Host web db',
      '  User second-user',
      '  HostName %h.internal',
      'Host *',
      '  User admin',
      '  IdentityFile ~/.ssh/default',
      '  ServerAliveInterval 30',
    );
    const parsed = await read();
    expect(resolveIn(parsed, 'web')).toMatchObject({
      port: 2000,
      user: 'web-user',
      hostName: 'web.internal',
      serverAliveInterval: 30,
      // IdentityFile adds up instead, in the order read.
      identityFiles: [join(home, '.ssh/web'), join(home, '.ssh/default')],
    });
    expect(resolveIn(parsed, 'db')).toMatchObject({ user: 'second-user', hostName: 'db.internal' });
    expect(resolveIn(parsed, 'cache')).toMatchObject({ user: 'admin', hostName: 'cache' });
  });

  it('matches patterns with * and ?, ignoring case, and lets a !pattern veto the line', async () => {
    config('Host *.prod !db?.prod', '  User prod-user', 'Host WEB-?', '  User web-user');
    const parsed = await read();
    expect(resolveIn(parsed, 'api.prod').user).toBe('prod-user');
    expect(resolveIn(parsed, 'db1.prod').user).toBe('me');
    expect(resolveIn(parsed, 'db12.prod').user).toBe('prod-user');
    expect(resolveIn(parsed, 'web-1').user).toBe('web-user');
    expect(resolveIn(parsed, 'web-10').user).toBe('me');
    // Regular expression characters in a pattern are plain text.
    expect(resolveIn(parsed, 'apixprod').user).toBe('me');
    expect(parsed.hostLines.map((line) => line.patterns.map((p) => [p.text, p.negated, p.wildcard]))).toEqual([
      [
        ['*.prod', false, true],
        ['db?.prod', true, true],
      ],
      [['WEB-?', false, true]],
    ]);
  });

  it('expands ~ and the %d %u %h %r %p %n %% tokens in IdentityFile and UserKnownHostsFile', async () => {
    config(
      'Host box',
      '  HostName box.example.com',
      '  User ops',
      '  Port 2222',
      '  IdentityFile %d/keys/%u-%r@%h',
      '  IdentityFile ~/.ssh/%n_%p_100%%',
      '  IdentityFile relative/key',
      '  UserKnownHostsFile ~/.ssh/known_%h /etc/ssh/extra_known',
    );
    expect(resolveIn(await read(), 'box')).toMatchObject({
      identityFiles: [join(home, 'keys/me-ops@box.example.com'), join(home, '.ssh/box_2222_100%'), join(home, 'relative/key')],
      userKnownHostsFiles: [join(home, '.ssh/known_box.example.com'), '/etc/ssh/extra_known'],
    });
  });

  it('says which line holds a token it cannot expand', async () => {
    config('Host box', '  IdentityFile ~/.ssh/%C');
    const parsed = await read();
    expect(() => resolveIn(parsed, 'box')).toThrow(SshConfigError);
    expect(() => resolveIn(parsed, 'box')).toThrow(/~\/\.ssh\/config line 2: IdentityFile uses "%C", which Lifeline does not expand/);
    config('Host box', '  IdentityFile ~root/.ssh/id');
    const other = await read();
    expect(() => resolveIn(other, 'box')).toThrow(/line 2: "~root\/\.ssh\/id" names another user's home folder/);
  });

  it('reads ServerAliveInterval as a time, and the other settings ssh spells several ways', async () => {
    config(
      'Host a',
      '  ServerAliveInterval 1m30s',
      '  ServerAliveCountMax 5',
      '  StrictHostKeyChecking accept-new',
      '  ForwardAgent yes',
      '  UserKnownHostsFile none',
      'Host b',
      '  StrictHostKeyChecking off',
      '  ForwardAgent $SSH_AUTH_SOCK',
      'Host c',
      '  StrictHostKeyChecking True',
      '  ForwardAgent no',
    );
    const parsed = await read();
    expect(resolveIn(parsed, 'a')).toMatchObject({
      serverAliveInterval: 90,
      serverAliveCountMax: 5,
      strictHostKeyChecking: 'accept-new',
      forwardAgent: true,
      userKnownHostsFiles: [],
    });
    expect(resolveIn(parsed, 'b')).toMatchObject({ strictHostKeyChecking: 'no', forwardAgent: true });
    expect(resolveIn(parsed, 'c')).toMatchObject({ strictHostKeyChecking: 'yes', forwardAgent: false });
  });

  it('parses ProxyJump chains, and "none" stops a later default', async () => {
    config(
      'Host deep',
      '  ProxyJump ops@bastion:2222,ssh://inner,[2001:db8::1]:22,admin@[::1]',
      'Host direct',
      '  ProxyJump none',
      'Host scripted',
      '  ProxyCommand ssh -W %h:%p gateway',
      'Host *',
      '  ProxyJump gateway',
    );
    const parsed = await read();
    expect(resolveIn(parsed, 'deep').proxyJump).toEqual([
      { user: 'ops', host: 'bastion', port: 2222, text: 'ops@bastion:2222' },
      { user: null, host: 'inner', port: null, text: 'ssh://inner' },
      { user: null, host: '2001:db8::1', port: 22, text: '[2001:db8::1]:22' },
      { user: 'admin', host: '::1', port: null, text: 'admin@[::1]' },
    ]);
    expect(resolveIn(parsed, 'direct')).toMatchObject({ proxyJump: [], proxyCommand: null });
    // ProxyCommand and ProxyJump exclude each other: whichever comes first wins.
    expect(resolveIn(parsed, 'scripted')).toMatchObject({ proxyJump: [], proxyCommand: 'ssh -W %h:%p gateway' });
    expect(resolveIn(parsed, 'anything').proxyJump).toEqual([{ user: null, host: 'gateway', port: null, text: 'gateway' }]);
  });

  it('leaves Match blocks out with a note, and reads on from the next Host', async () => {
    config('Host web', '  User web-user', 'Match user root exec "true"', '  User matched', '  Port 1', 'Host *', '  Port 2022');
    const parsed = await read();
    expect(resolveIn(parsed, 'web')).toMatchObject({ user: 'web-user', port: 2022 });
    expect(resolveIn(parsed, 'other')).toMatchObject({ user: 'me', port: 2022 });
    expect(parsed.notes).toEqual([
      { subject: 'Match user root exec true', reason: expect.stringMatching(/^~\/\.ssh\/config line 3: Match blocks are left out/) },
    ]);
  });

  it('follows Include globs relative to ~/.ssh in sorted order, skipping hidden files and missing ones', async () => {
    config('Include conf.d/*.conf ~/.ssh/extra/[ab]?.cfg missing.conf', 'Host *', '  User fallback');
    write('.ssh/conf.d/20-db.conf', 'Host db', '  HostName db.example.com', '  User db-user');
    write('.ssh/conf.d/10-web.conf', 'Host web', '  HostName web.example.com', '  User first');
    write('.ssh/conf.d/30-web-again.conf', 'Host web', '  User second');
    write('.ssh/conf.d/.hidden.conf', 'Host hidden');
    write('.ssh/conf.d/notes.txt', 'Host not-a-conf');
    write('.ssh/extra/a1.cfg', 'Host a1', '  Port 2001');
    write('.ssh/extra/c1.cfg', 'Host c1');
    mkdirSync(join(home, '.ssh/conf.d/dir.conf'));

    const parsed = await read();
    expect(parsed.files).toEqual([
      join(home, '.ssh/config'),
      join(home, '.ssh/conf.d/10-web.conf'),
      join(home, '.ssh/conf.d/20-db.conf'),
      join(home, '.ssh/conf.d/30-web-again.conf'),
      join(home, '.ssh/extra/a1.cfg'),
    ]);
    expect(parsed.hostLines.map((line) => line.patterns[0]!.text)).toEqual(['web', 'db', 'web', 'a1', '*']);
    expect(resolveIn(parsed, 'web')).toMatchObject({ hostName: 'web.example.com', user: 'first' });
    expect(resolveIn(parsed, 'db')).toMatchObject({ user: 'db-user' });
    expect(resolveIn(parsed, 'a1')).toMatchObject({ port: 2001, user: 'fallback' });
    expect(parsed.hostLines[0]!.where).toBe('~/.ssh/conf.d/10-web.conf line 1');
  });

  it('applies an Include inside a Host block only to that host, and reads on under that block', async () => {
    config('Host web', '  Include web-settings', '  Port 2200', 'Host *', '  User fallback');
    write('.ssh/web-settings', 'User web-user', 'Host other', '  User other-user');
    const parsed = await read();
    expect(resolveIn(parsed, 'web')).toMatchObject({ user: 'web-user', port: 2200 });
    expect(resolveIn(parsed, 'db')).toMatchObject({ user: 'fallback', port: 22 });
    // A Host line in the included file still needs the including block to match, as in ssh.
    expect(resolveIn(parsed, 'other')).toMatchObject({ user: 'fallback' });
  });

  it('reads a file that includes itself once, notes the loop and carries on', async () => {
    config('Include loop-a', 'Host after', '  Port 2022');
    write('.ssh/loop-a', 'Include loop-b', 'Host a', '  User a-user');
    write('.ssh/loop-b', 'Host b', '  User b-user', 'Include ~/.ssh/loop-a ~/.ssh/config');
    write('.ssh/self', 'Include self link-to-self', 'Host self-host');
    symlinkSync(join(home, '.ssh/self'), join(home, '.ssh/link-to-self'));

    const parsed = await read();
    expect(parsed.files).toEqual([join(home, '.ssh/config'), join(home, '.ssh/loop-a'), join(home, '.ssh/loop-b')]);
    expect(parsed.notes).toEqual([
      {
        subject: 'Include ~/.ssh/loop-a',
        reason: '~/.ssh/loop-b line 3: ~/.ssh/loop-a is already being read (~/.ssh/loop-a → ~/.ssh/loop-b → ~/.ssh/loop-a), so it was read once; remove the Include that loops back.',
      },
      {
        subject: 'Include ~/.ssh/config',
        reason: expect.stringContaining('~/.ssh/config is already being read (~/.ssh/config → ~/.ssh/loop-a → ~/.ssh/loop-b → ~/.ssh/config)'),
      },
    ]);
    expect(resolveIn(parsed, 'after')).toMatchObject({ port: 2022 });
    expect(resolveIn(parsed, 'b')).toMatchObject({ user: 'b-user' });
    expect(resolveIn(parsed, 'a')).toMatchObject({ user: 'a-user' });

    // A symlink to a file being read is the same file.
    const self = await readSshConfig({ home, file: '.ssh/self' });
    expect(self.notes.map((note) => note.subject)).toEqual(['Include self', 'Include link-to-self']);
    expect(self.hostLines).toHaveLength(1);
  });

  it('refuses what ssh refuses, naming the file and line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['Host web', '  User "deploy'], /^~\/\.ssh\/config line 2: a " quote is not closed/],
      [['Host web', '  Port ssh'], /^~\/\.ssh\/config line 2: Port "ssh" is not a port from 1 to 65535; fix the value/],
      [['Port 70000'], /line 1: Port "70000" is not a port/],
      [['Host'], /line 1: Host needs a value/],
      [['User ""'], /line 1: User needs a value/],
      [['ServerAliveInterval soon'], /line 1: ServerAliveInterval "soon" is not a time/],
      [['StrictHostKeyChecking maybe'], /StrictHostKeyChecking "maybe" is not one of yes, no, ask, accept-new, off/],
      [['ProxyJump a, b'], /ProxyJump takes one value: the hops separated by commas, without spaces/],
      [['ProxyJump ops@bastion:99999'], /ProxyJump hop "ops@bastion:99999" is not \[user@\]host\[:port\]/],
      [['ProxyJump a,,b'], /ProxyJump hop "" is not/],
      [['Include'], /line 1: Include needs a value/],
      [['=oops'], /line 1: "=oops" has no keyword/],
    ];
    for (const [lines, expected] of cases) {
      config(...lines);
      expect((await refusal()).message, lines.join(' | ')).toMatch(expected);
    }
  });

  it('refuses a missing config, and an included file that is too large', async () => {
    expect((await refusal()).message).toBe(
      `There is no SSH config at ~/.ssh/config. Check the path, or create the file with the hosts to import.`,
    );
    config('Include big');
    write('.ssh/big', `# ${'x'.repeat(1024 * 1024)}`);
    expect((await refusal()).message).toMatch(/^~\/\.ssh\/big is \d+ bytes, too large for an SSH config/);
  });
});
