// The harness itself, checked with OpenSSH's own client, so SSH tests that use it stand on solid ground.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestKey, type TestKey } from './keys';
import { run } from './run';
import { startSshAgent } from './ssh-agent';
import { startSshd, type TestSshd } from './sshd';
import { createTestUser } from './test-user';

describe('test sshd harness', () => {
  let dir: string;
  let key: TestKey;
  let sshd: TestSshd;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-harness-'));
    key = await makeTestKey(dir, 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicKey], hostKeyTypes: ['ed25519', 'ecdsa'] });
  });
  afterAll(async () => {
    await sshd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs OpenSSH's client, trusting exactly the harness's current host keys. */
  const ssh = (args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> => {
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.hostKeys.map((hostKey) => `[${sshd.host}]:${sshd.port} ${hostKey.publicKey}\n`).join(''));
    return run(
      'ssh',
      ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-p', String(sshd.port), ...args],
      { env },
    );
  };

  it('lets the authorized key in and logs the login', async () => {
    expect(await ssh(['-i', key.path, `${sshd.user}@${sshd.host}`, 'echo', 'harness-ok'])).toBe('harness-ok\n');
    expect(sshd.log()).toContain(`Accepted publickey for ${sshd.user}`);
    expect(sshd.log()).toContain(key.fingerprint);
  });

  it('reports host keys whose fingerprints match what sshd serves', async () => {
    expect(sshd.hostKeys.map((hostKey) => hostKey.algorithm)).toEqual(['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    const scanned = await run('ssh-keyscan', ['-p', String(sshd.port), '-t', 'ed25519', sshd.host]);
    expect(scanned).toContain(sshd.hostKeys[0].publicKey.split(' ').slice(0, 2).join(' '));
  });

  it('restarts on the same port with new host keys', async () => {
    const port = sshd.port;
    const before = sshd.hostKeys.map((hostKey) => hostKey.fingerprint);
    await sshd.restart({ newHostKeys: true });
    expect(sshd.port).toBe(port);
    expect(sshd.hostKeys.map((hostKey) => hostKey.fingerprint)).not.toEqual(before);
    expect(await ssh(['-i', key.path, `${sshd.user}@${sshd.host}`, 'true'])).toBe('');
  });

  it('serves keys held by a test ssh-agent', async () => {
    const agent = await startSshAgent([key.path]);
    try {
      const env = { ...process.env, SSH_AUTH_SOCK: agent.socket };
      expect(await run('ssh-add', ['-l'], { env })).toContain(key.fingerprint);
      expect(await ssh([`${sshd.user}@${sshd.host}`, 'echo', 'via-agent'], env)).toBe('via-agent\n');
    } finally {
      await agent.stop();
    }
    expect(existsSync(agent.socket)).toBe(false);
  });
});

describe('test sshd lifetime', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-harness-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const sshArgs = (sshd: TestSshd, user: string): string[] => {
    const known = join(dir, `known_hosts_${sshd.port}`);
    writeFileSync(known, `[${sshd.host}]:${sshd.port} ${sshd.hostKeys[0].publicKey}\n`);
    return ['-F', '/dev/null', '-o', `UserKnownHostsFile=${known}`, '-p', String(sshd.port), `${user}@${sshd.host}`];
  };

  it('ends its open connections and frees its port on stop', async () => {
    const key = await makeTestKey(dir, 'ed25519', 'id_stop');
    const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
    // A session that would run for a minute: stop() must cut it.
    const session = spawn('ssh', ['-o', 'BatchMode=yes', '-i', key.path, ...sshArgs(sshd, sshd.user), 'echo started; sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = once(session, 'exit');
    await once(session.stdout, 'data');
    await sshd.stop();
    const [code] = await exited;
    expect(code).toBe(255); // ssh's own "connection lost" status, not sleep's 0
    const probe = connect(sshd.port, sshd.host);
    const [error] = (await once(probe, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('logs a throwaway user in with a password, and removes the account', async () => {
    const user = await createTestUser();
    const sshd = await startSshd({ user: user.name, passwordAuthentication: true });
    try {
      // OpenSSH reads passwords from a terminal or, when forced, from an askpass program.
      const askpass = join(dir, 'askpass.sh');
      writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$LIFELINE_TEST_PASSWORD"\n', { mode: 0o700 });
      const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', LIFELINE_TEST_PASSWORD: user.password, DISPLAY: '' };
      const args = ['-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1', ...sshArgs(sshd, user.name), 'id', '-un'];
      expect(await run('ssh', args, { env })).toBe(`${user.name}\n`);
      expect(sshd.log()).toContain(`Accepted password for ${user.name}`);
      await expect(run('ssh', args, { env: { ...env, LIFELINE_TEST_PASSWORD: 'wrong' } })).rejects.toThrow(/Permission denied/);
    } finally {
      await sshd.stop();
      await user.remove();
    }
    await expect(run('getent', ['passwd', user.name])).rejects.toThrow();
  });
});
