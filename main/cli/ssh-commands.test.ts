import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestKey } from '../ssh/testing/keys';
import { run } from '../ssh/testing/run';
import { startSshd, type TestSshd } from '../ssh/testing/sshd';
import { lifeline } from './testing/run-cli';

// `lifeline keys|servers|exec` in-process against OpenSSH's sshd, with the vault opened from
// LIFELINE_VAULT_PASSPHRASE as a script would, and no terminal to ask anything on.

const PASSPHRASE = 'a long vault passphrase';

describe('lifeline keys, servers and exec', () => {
  let home: string;
  let sshd: TestSshd;
  let publicKey: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'lifeline-cli-ssh-'));
    process.env.LIFELINE_HOME = home;
    process.env.LIFELINE_VAULT_PASSPHRASE = PASSPHRASE;
    const generated = await lifeline('keys', 'generate', '--name', 'deploy');
    expect(generated.code).toBe(0);
    publicKey = generated.out;
    sshd = await startSshd({ authorizedKeys: [publicKey] });
  });

  afterAll(async () => {
    process.env = { ...savedEnv };
    await sshd?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('generates a key into the vault and lists its public data only', async () => {
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA\S+ deploy$/);
    const listed = await lifeline('keys', 'list', '--json');
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.out) as Array<Record<string, unknown>>;
    expect(keys).toMatchObject([{ name: 'deploy', type: 'ssh-ed25519', bits: 256, publicKey }]);
    expect(Object.keys(keys[0]!).sort()).toEqual(['bits', 'comment', 'createdAt', 'fingerprint', 'id', 'name', 'publicKey', 'type']);
  });

  it('imports an encrypted key with LIFELINE_KEY_PASSPHRASE, and refuses a wrong vault passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifeline-cli-key-'));
    try {
      const key = await makeTestKey(dir, 'rsa');
      // Re-encrypt the key file with a passphrase, as users' keys often are.
      await run('ssh-keygen', ['-p', '-q', '-N', 'key secret', '-f', key.path]);
      process.env.LIFELINE_KEY_PASSPHRASE = 'key secret';
      const imported = await lifeline('keys', 'import', key.path, '--name', 'legacy');
      expect(imported.code).toBe(0);
      expect(imported.out.startsWith(key.publicKey.split(' ').slice(0, 2).join(' '))).toBe(true);
      expect(imported.err).toContain(key.fingerprint);

      process.env.LIFELINE_VAULT_PASSPHRASE = 'not the passphrase';
      const refused = await lifeline('keys', 'import', key.path, '--name', 'again');
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/^Lifeline: .*passphrase/i);
    } finally {
      process.env.LIFELINE_VAULT_PASSPHRASE = PASSPHRASE;
      delete process.env.LIFELINE_KEY_PASSPHRASE;
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await lifeline('keys', 'list', '--json')).out).not.toContain('"again"');
  });

  it('adds a server with a vault key and refuses a duplicate name', async () => {
    const added = await lifeline('servers', 'add', 'web', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.user, '--key', 'deploy');
    expect(added).toMatchObject({ code: 0 });
    expect(added.err).toContain('login: key');
    const again = await lifeline('servers', 'add', 'WEB', '--host', 'other.example');
    expect(again.code).toBe(2);
    expect(again.err).toContain('already exists');
    const listed = JSON.parse((await lifeline('servers', 'list', '--json')).out) as Array<{ name: string; auth: string }>;
    expect(listed).toMatchObject([{ name: 'web', auth: 'key' }]);
  });

  it('runs a command: unknown host key refused without --accept-new, then output and exit status passed through', async () => {
    const refused = await lifeline('exec', 'web', '--', 'echo', 'hello');
    expect(refused.code).toBe(255);
    expect(refused.err).toContain(sshd.hostKeys[0]!.fingerprint);
    expect(refused.err).toMatch(/--accept-new/);

    const hello = await lifeline('exec', 'web', '--accept-new', '--', 'echo', 'hello', 'two words');
    expect(hello).toMatchObject({ code: 0, out: 'hello two words' });

    // Remembered: no flag needed now. stderr and the exit status come through.
    const failing = await lifeline('exec', 'web', '--', 'sh', '-c', 'echo oops >&2; exit 3');
    expect(failing).toMatchObject({ code: 3, err: 'oops' });
  });

  it('as a real process, forwards piped stdin and writes raw output', async () => {
    const launcher = join(__dirname, '../../bin/lifeline.cjs');
    const child = spawn(process.execPath, [launcher, 'exec', 'web', '--', 'tr', 'a-z', 'A-Z'], { env: process.env });
    child.stdin.end('piped through\n');
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect({ code, out }).toEqual({ code: 0, out: 'PIPED THROUGH\n' });
  }, 60_000);

  it('refuses a changed host key with exit 255 and both fingerprints, even with --accept-new', async () => {
    const old = sshd.hostKeys[0]!.fingerprint;
    await sshd.restart({ newHostKeys: true });
    const changed = await lifeline('exec', 'web', '--accept-new', '--', 'true');
    expect(changed.code).toBe(255);
    expect(changed.err).toContain(old);
    expect(changed.err).toContain(sshd.hostKeys[0]!.fingerprint);
  });

  it('previews and imports ~/.ssh/config hosts', async () => {
    const config = join(home, 'ssh_config');
    writeFileSync(config, 'Host db1\n  HostName 10.1.2.3\n  User postgres\n  Port 2222\n\nHost *.internal\n  User ops\n');
    const preview = await lifeline('servers', 'import-ssh-config', '--file', config, '--dry-run');
    expect(preview.code).toBe(0);
    expect(preview.out).toBe('create\tdb1\tpostgres@10.1.2.3:2222');
    expect(preview.err).toContain('*.internal');
    expect((await lifeline('servers', 'import-ssh-config', '--file', config)).code).toBe(0);
    expect((await lifeline('servers', 'list')).out).toContain('db1\tpostgres@10.1.2.3:2222');
  });

  it('keeps private keys and the passphrase out of the database file in clear', () => {
    const files = readdirSync(home).filter((name) => name.startsWith('lifeline.db'));
    const bytes = Buffer.concat(files.map((name) => readFileSync(join(home, name))));
    expect(bytes.includes(Buffer.from(PASSPHRASE))).toBe(false);
    expect(bytes.includes(Buffer.from('BEGIN OPENSSH PRIVATE KEY'))).toBe(false);
  });
});
