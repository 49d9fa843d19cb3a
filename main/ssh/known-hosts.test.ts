import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownHosts, appendKnownHost, keyTypeOfBlob, knownHostsFiles, knownHostsName, normalizeHost } from './known-hosts';
import { makeTestKey, type TestKey } from './testing/keys';
import { run } from './testing/run';

let dir: string;
let ed: TestKey;
let ed2: TestKey;
let rsa: TestKey;
let ecdsa: TestKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-known-hosts-'));
  ed = await makeTestKey(dir, 'ed25519', 'ed');
  ed2 = await makeTestKey(dir, 'ed25519', 'ed2');
  rsa = await makeTestKey(dir, 'rsa', 'rsa');
  ecdsa = await makeTestKey(dir, 'ecdsa', 'ecdsa');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

// `type base64`, without the comment.
const keyOf = (key: TestKey): string => key.publicKey.split(' ').slice(0, 2).join(' ');

let fileCount = 0;
function writeKnownHosts(lines: string[], name = `known_hosts_${++fileCount}`): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

// The oracle: the line numbers OpenSSH's own lookup reports ("# Host NAME found: line N").
async function sshKeygenFind(name: string, file: string): Promise<number[]> {
  let output: string;
  try {
    output = await run('ssh-keygen', ['-F', name, '-f', file]);
  } catch (error) {
    // Exit status 1 with nothing printed is "not found".
    if ((error as { cause?: { code?: unknown } }).cause?.code === 1) return [];
    throw error;
  }
  return [...output.matchAll(/^# Host .* found: line (\d+)/gm)].map((match) => Number(match[1]));
}

const lineNumbers = (known: KnownHosts, host: string, port: number): number[] => known.lookup(host, port).map((entry) => entry.line);

function rulesFile(): string {
  return writeKnownHosts([
    '# a comment',
    '',
    `plain.example.com,10.0.0.5 ${keyOf(ed)} my comment words`,
    `*.wild.example.com,!bad.wild.example.com ${keyOf(rsa)}`,
    `[ported.example.com]:2222 ${keyOf(ecdsa)}`,
    `[*.ported.example.com]:22?? ${keyOf(ed2)}`,
    `web-?.example.com ${keyOf(ed2)}`,
    `@revoked revoked.example.com ${keyOf(ed)}`,
    `@cert-authority *.ca.example.com ${keyOf(ecdsa)}`,
    `UPPER.Example.COM ${keyOf(rsa)}`,
    `[2001:db8::1]:2200 ${keyOf(ed)}`,
    `2001:db8::2 ${keyOf(ed)}`,
    `   indented.example.com ${keyOf(ed2)}`,
    'this line is garbage',
    `plain.example.com ${keyOf(rsa)}`,
    `!negated-only.example.com ${keyOf(ed)}`,
  ]);
}

// Host, port, and the name OpenSSH looks up (written out, not computed by the code under test).
const LOOKUPS: Array<[string, number, string]> = [
  ['plain.example.com', 22, 'plain.example.com'],
  ['PLAIN.Example.com', 22, 'PLAIN.Example.com'],
  ['plain.example.com', 2222, '[plain.example.com]:2222'],
  ['10.0.0.5', 22, '10.0.0.5'],
  ['a.wild.example.com', 22, 'a.wild.example.com'],
  ['a.b.wild.example.com', 22, 'a.b.wild.example.com'],
  ['wild.example.com', 22, 'wild.example.com'],
  ['bad.wild.example.com', 22, 'bad.wild.example.com'],
  ['ported.example.com', 2222, '[ported.example.com]:2222'],
  ['ported.example.com', 22, 'ported.example.com'],
  ['x.ported.example.com', 2299, '[x.ported.example.com]:2299'],
  ['x.ported.example.com', 2222, '[x.ported.example.com]:2222'],
  ['x.ported.example.com', 222, '[x.ported.example.com]:222'],
  ['web-1.example.com', 22, 'web-1.example.com'],
  ['web-12.example.com', 22, 'web-12.example.com'],
  ['revoked.example.com', 22, 'revoked.example.com'],
  ['x.ca.example.com', 22, 'x.ca.example.com'],
  ['upper.example.com', 22, 'upper.example.com'],
  ['2001:db8::1', 2200, '[2001:db8::1]:2200'],
  ['2001:db8::1', 22, '2001:db8::1'],
  ['2001:db8::2', 22, '2001:db8::2'],
  ['indented.example.com', 22, 'indented.example.com'],
  ['negated-only.example.com', 22, 'negated-only.example.com'],
  ['nothing.example.org', 22, 'nothing.example.org'],
];

describe('KnownHosts.lookup', () => {
  it('agrees with ssh-keygen -F on plain entries, wildcards, negation, ports and markers', async () => {
    const file = rulesFile();
    const known = KnownHosts.parse(readFileSync(file, 'utf8'), file);
    for (const [host, port, name] of LOOKUPS) {
      expect({ name, lines: lineNumbers(known, host, port) }).toEqual({ name, lines: await sshKeygenFind(name, file) });
    }
    // The oracle must have found something, or the comparison above proves nothing.
    expect(lineNumbers(known, 'plain.example.com', 22)).toEqual([3, 15]);
  });

  it('agrees with ssh-keygen -F after ssh-keygen -H has hashed the file', async () => {
    const file = writeKnownHosts([
      `plain.example.com,10.0.0.5 ${keyOf(ed)}`,
      `[ported.example.com]:2222 ${keyOf(ecdsa)}`,
      `2001:db8::2 ${keyOf(rsa)}`,
      `[2001:db8::1]:2200 ${keyOf(ed2)}`,
      `@revoked revoked.example.com ${keyOf(ed)}`,
      `plain.example.com ${keyOf(rsa)}`,
    ]);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('plain.example.com');
    expect(text.match(/^\|1\|/gm)).toHaveLength(6);

    const known = KnownHosts.parse(text, file);
    expect(known.problems).toEqual([]);
    for (const [host, port, name] of LOOKUPS) {
      // ssh lower-cases the host name before it looks it up; ssh-keygen -F hashes the name as given.
      expect({ name, lines: lineNumbers(known, host, port) }).toEqual({ name, lines: await sshKeygenFind(name.toLowerCase(), file) });
    }
    expect(lineNumbers(known, 'PLAIN.Example.com', 22)).toEqual([1, 7]);
    expect(known.lookup('ported.example.com', 2222)).toMatchObject([{ keyType: 'ecdsa-sha2-nistp256', key: ecdsa.blob }]);
    expect(known.lookup('ported.example.com', 2223)).toEqual([]);
  });

  it('returns each line with its file, line number, marker, key and comment', () => {
    const file = rulesFile();
    const known = KnownHosts.parse(readFileSync(file, 'utf8'), file);
    expect(known.lookup('plain.example.com', 22)).toEqual([
      { file, line: 3, marker: undefined, hosts: 'plain.example.com,10.0.0.5', keyType: 'ssh-ed25519', key: ed.blob, comment: 'my comment words' },
      { file, line: 15, marker: undefined, hosts: 'plain.example.com', keyType: 'ssh-rsa', key: rsa.blob, comment: '' },
    ]);
    expect(known.lookup('revoked.example.com', 22)).toMatchObject([{ line: 8, marker: 'revoked', key: ed.blob }]);
    expect(known.lookup('db.ca.example.com', 22)).toMatchObject([{ line: 9, marker: 'cert-authority', key: ecdsa.blob }]);
    expect(known.lookup('[2001:DB8::1]', 2200)).toMatchObject([{ line: 11 }]);
  });

  it('skips and reports malformed lines without losing the good ones', () => {
    const text = [
      `good.example.com ${keyOf(ed)}`,
      'garbage',
      'host.example.com ssh-ed25519',
      'host.example.com ssh-ed25519 !!!not-base64!!!',
      `host.example.com ssh-rsa ${ed.publicKey.split(' ')[1]}`,
      'host.example.com ssh-ed25519 AAAA',
      `@bogus host.example.com ${keyOf(ed)}`,
      `|1|c2hvcnQ=|c2hvcnQ= ${keyOf(ed)}`,
      `|2|${'A'.repeat(28)}|${'A'.repeat(28)} ${keyOf(ed)}`,
      'host.example.com 1024 35 1234567',
      `crlf.example.com ${keyOf(rsa)}\r`,
    ].join('\n');
    const known = KnownHosts.parse(text, '/test/known_hosts');
    expect(known.lookup('good.example.com', 22)).toMatchObject([{ line: 1, key: ed.blob }]);
    expect(known.lookup('crlf.example.com', 22)).toMatchObject([{ line: 11, key: rsa.blob, comment: '' }]);
    expect(known.lookup('host.example.com', 22)).toEqual([]);
    expect(known.problems.map((problem) => problem.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const messages = known.problems.map((problem) => problem.message);
    expect(messages[0]).toBe(
      '/test/known_hosts line 2: expected a host list, a key type and a base64 key. The line is ignored; correct or delete it (ssh-keygen -F and -R show and remove a host\'s lines).',
    );
    expect(messages[2]).toContain('not valid base64');
    expect(messages[3]).toContain('labelled ssh-rsa but its data is of type ssh-ed25519');
    expect(messages[4]).toContain('is not a public key');
    expect(messages[5]).toContain('unknown marker "@bogus"');
    expect(messages[6]).toContain('hashed host name is malformed');
    expect(messages[7]).toContain('hashed host name is malformed');
    expect(messages[8]).toContain('"1024" is not a key type');
    for (const problem of known.problems) expect(problem.file).toBe('/test/known_hosts');
  });
});

describe('KnownHosts.load', () => {
  it('reads several files in order and treats missing ones as empty', async () => {
    const first = writeKnownHosts([`a.example.com ${keyOf(ed)}`]);
    const second = writeKnownHosts(['# nothing', `a.example.com ${keyOf(rsa)}`]);
    const known = await KnownHosts.load([join(dir, 'missing'), first, join(dir, 'no-folder', 'known_hosts'), second]);
    expect(known.problems).toEqual([]);
    expect(known.lookup('a.example.com', 22)).toMatchObject([
      { file: first, line: 1, key: ed.blob },
      { file: second, line: 2, key: rsa.blob },
    ]);
  });

  it('reports a file it cannot read and still uses the others', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const good = writeKnownHosts([`a.example.com ${keyOf(ed)}`]);
    const known = await KnownHosts.load([folder, good]);
    expect(known.lookup('a.example.com', 22)).toHaveLength(1);
    expect(known.problems).toEqual([
      { file: folder, line: undefined, message: expect.stringMatching(new RegExp(`^${folder} cannot be read \\(.*EISDIR.*\\), so its host keys are ignored\\. `)) },
    ]);
  });
});

describe('appendKnownHost', () => {
  it('creates the file 0600 in a new 0700 folder, in a form ssh-keygen -F finds', async () => {
    const file = join(dir, 'new-ssh', 'known_hosts');
    await appendKnownHost(file, 'Server.Example.com', 2222, 'ssh-ed25519', ed.blob, { hash: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'new-ssh')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toBe(`[server.example.com]:2222 ${keyOf(ed)}\n`);
    expect(await sshKeygenFind('[server.example.com]:2222', file)).toEqual([1]);
  });

  it('hashes the name the way ssh-keygen -F reads it', async () => {
    const file = join(dir, 'hashed_known_hosts');
    await appendKnownHost(file, 'hashed.example.com', 22, 'ecdsa-sha2-nistp256', ecdsa.blob, { hash: true });
    await appendKnownHost(file, '[2001:db8::9]', 2200, 'ssh-rsa', rsa.blob, { hash: true });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('example');
    expect(text).not.toContain('2001');
    expect(await sshKeygenFind('hashed.example.com', file)).toEqual([1]);
    expect(await sshKeygenFind('[2001:db8::9]:2200', file)).toEqual([2]);
    const known = await KnownHosts.load([file]);
    expect(known.lookup('hashed.example.com', 22)).toMatchObject([{ key: ecdsa.blob }]);
    expect(known.lookup('2001:db8::9', 2200)).toMatchObject([{ key: rsa.blob }]);
  });

  it('appends after the existing lines, ending an unterminated last line, and keeps the mode', async () => {
    const file = join(dir, 'existing_known_hosts');
    const before = `# mine\nold.example.com ${keyOf(rsa)}`;
    writeFileSync(file, before);
    chmodSync(file, 0o644);
    await appendKnownHost(file, 'new.example.com', 22, 'ssh-ed25519', ed.blob, { hash: false });
    expect(readFileSync(file, 'utf8')).toBe(`${before}\nnew.example.com ${keyOf(ed)}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    await appendKnownHost(file, 'newer.example.com', 22, 'ssh-ed25519', ed2.blob, { hash: false });
    expect(readFileSync(file, 'utf8')).toBe(`${before}\nnew.example.com ${keyOf(ed)}\nnewer.example.com ${keyOf(ed2)}\n`);
  });

  it('refuses a host that would read as a pattern or marker, a bad port, or a key of another type, writing nothing', async () => {
    const file = join(dir, 'refused_known_hosts');
    for (const host of ['', 'two words', 'a,b', '*.example.com', 'web-?', '!x', '@revoked', '#x', '|1|x']) {
      await expect(appendKnownHost(file, host, 22, 'ssh-ed25519', ed.blob, { hash: false })).rejects.toThrow(/plain host name or address.*Nothing was written\./);
    }
    await expect(appendKnownHost(file, 'ok.example.com', 0, 'ssh-ed25519', ed.blob, { hash: false })).rejects.toThrow('the port 0 is not a whole number from 1 to 65535');
    await expect(appendKnownHost(file, 'ok.example.com', 22, 'ssh-rsa', ed.blob, { hash: false })).rejects.toThrow(
      'Cannot add ok.example.com to ' + file + ': the key is of type ssh-ed25519, not ssh-rsa. Nothing was written.',
    );
    expect(() => statSync(file)).toThrow(/ENOENT/);
  });
});

describe('knownHostsFiles', () => {
  it("lists OpenSSH's defaults: the user's two files, then the system-wide ones", () => {
    expect(knownHostsFiles({ home: '/home/u' })).toEqual([
      '/home/u/.ssh/known_hosts',
      '/home/u/.ssh/known_hosts2',
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
    ]);
  });

  it('uses the files UserKnownHostsFile names, expanding ~, and none for none', () => {
    expect(knownHostsFiles({ home: '/home/u', userKnownHostsFiles: ['~/.ssh/work_hosts', '/srv/hosts'] })).toEqual([
      '/home/u/.ssh/work_hosts',
      '/srv/hosts',
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
    ]);
    expect(knownHostsFiles({ home: '/home/u', userKnownHostsFiles: ['none'] })).toEqual(['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2']);
  });
});

describe('host names and key blobs', () => {
  it('normalizes hosts and names them as OpenSSH does', () => {
    expect(normalizeHost('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(normalizeHost('Web.Example.COM')).toBe('web.example.com');
    expect(knownHostsName('Web.Example.COM', 22)).toBe('web.example.com');
    expect(knownHostsName('[::1]', 2222)).toBe('[::1]:2222');
    expect(knownHostsName('::1', 22)).toBe('::1');
  });

  it('reads the key type a blob declares', () => {
    expect(keyTypeOfBlob(ed.blob)).toBe('ssh-ed25519');
    expect(keyTypeOfBlob(rsa.blob)).toBe('ssh-rsa');
    expect(keyTypeOfBlob(ecdsa.blob)).toBe('ecdsa-sha2-nistp256');
    expect(keyTypeOfBlob(Buffer.from([0, 0, 0, 9, 0x61]))).toBeUndefined();
    expect(keyTypeOfBlob(Buffer.alloc(2))).toBeUndefined();
  });
});
