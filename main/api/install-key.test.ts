// installKey against OpenSSH's sshd: the script runs in the test account's real home folder, which the
// tests (running as root) inspect and tamper with directly.
import { chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeyInfo, Result, Server } from '../../preload/api';
import { openServices, type MainServices } from '../services';
import { makeTestKey, type TestKey } from '../ssh/testing/keys';
import { run } from '../ssh/testing/run';
import { startSshd, type TestSshd } from '../ssh/testing/sshd';
import { dispatch } from './requests';
import { addSshdServer, answerHostKeys, call } from './test-ssh-server';

describe('installKey', () => {
  let keyDir: string;
  let loginKey: TestKey;
  let sshd: TestSshd;
  let home: string;
  let dataDir: string;
  let services: MainServices;
  let server: Server;
  let installed: KeyInfo;
  let stopAnswering: () => void;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'lifeline-install-key-'));
    loginKey = await makeTestKey(keyDir, 'ed25519');
    sshd = await startSshd({ authorizedKeys: [loginKey.publicKey] });
    home = (await run('sh', ['-c', 'getent passwd "$0" | cut -d: -f6', sshd.user])).trim();
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    rmSync(join(home, '.ssh'), { recursive: true, force: true });
    dataDir = mkdtempSync(join(tmpdir(), 'lifeline-install-key-data-'));
    services = openServices({ dataDir, mode: 'web' });
    server = await addSshdServer(services.service, sshd, loginKey);
    installed = await call<KeyInfo>(services.service, 'generateKey', { name: 'deploy', comment: 'deploy@lifeline' });
    stopAnswering = answerHostKeys(services.service, 'once');
  });
  afterEach(async () => {
    stopAnswering();
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const install = () => dispatch(services.service, 'installKey', [installed.id, server.id]) as Promise<Result<{ alreadyInstalled: boolean }>>;
  const authorizedKeys = () => join(home, '.ssh', 'authorized_keys');

  it('creates ~/.ssh (0700) and authorized_keys (0600), then leaves the line alone the second time', { timeout: 30_000 }, async () => {
    expect(await install()).toEqual({ ok: true, value: { alreadyInstalled: false } });
    expect(await install()).toEqual({ ok: true, value: { alreadyInstalled: true } });
    expect(readFileSync(authorizedKeys(), 'utf8')).toBe(`${installed.publicKey}\n`);
    expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
    expect(statSync(authorizedKeys()).mode & 0o777).toBe(0o600);
    const owner = statSync(join(home, '.ssh')).uid;
    expect(owner).not.toBe(0);
    expect(statSync(authorizedKeys()).uid).toBe(owner);
  });

  it('keeps existing lines, ends an unterminated last line, and knows the key under another comment', { timeout: 30_000 }, async () => {
    expect(await install()).toMatchObject({ ok: true });
    const { uid, gid } = statSync(join(home, '.ssh'));
    const [type, blob] = installed.publicKey.split(' ');
    writeFileSync(authorizedKeys(), `ssh-ed25519 AAAAother other@host\nrestrict ${type} ${blob} renamed@elsewhere`);
    chownSync(authorizedKeys(), uid, gid);
    expect(await install()).toEqual({ ok: true, value: { alreadyInstalled: true } });

    writeFileSync(authorizedKeys(), 'ssh-ed25519 AAAAother other@host');
    chownSync(authorizedKeys(), uid, gid);
    expect(await install()).toEqual({ ok: true, value: { alreadyInstalled: false } });
    expect(readFileSync(authorizedKeys(), 'utf8')).toBe(`ssh-ed25519 AAAAother other@host\n${installed.publicKey}\n`);
  });

  it('refuses a symlinked or foreign-owned authorized_keys and leaves it untouched', { timeout: 30_000 }, async () => {
    expect(await install()).toMatchObject({ ok: true });
    const { uid, gid } = statSync(join(home, '.ssh'));
    const target = join(home, 'elsewhere');
    writeFileSync(target, 'untouched\n');
    chownSync(target, uid, gid);
    rmSync(authorizedKeys());
    symlinkSync(target, authorizedKeys());
    const linked = await install();
    expect(linked).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('~/.ssh/authorized_keys is a symbolic link') });
    expect(readFileSync(target, 'utf8')).toBe('untouched\n');
    expect(lstatSync(authorizedKeys()).isSymbolicLink()).toBe(true);

    rmSync(authorizedKeys());
    writeFileSync(authorizedKeys(), 'root owns this\n'); // written as root: not the login user's
    const foreign = await install();
    expect(foreign).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('belongs to another user') });
    expect(readFileSync(authorizedKeys(), 'utf8')).toBe('root owns this\n');
  });

  it('refuses a ~/.ssh that is a symbolic link', { timeout: 30_000 }, async () => {
    const real = join(home, 'real-ssh');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(home, '.ssh'));
    try {
      expect(await install()).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('~/.ssh is a symbolic link') });
    } finally {
      rmSync(join(home, '.ssh'));
      rmSync(real, { recursive: true });
    }
  });

  it('names what is missing: the key, the server, a host key the person refused', { timeout: 30_000 }, async () => {
    expect(await dispatch(services.service, 'installKey', ['no-such-key', server.id])).toMatchObject({ ok: false, code: 'NOT_FOUND', message: expect.stringContaining('no key') });
    expect(await dispatch(services.service, 'installKey', [installed.id, 'no-such-server'])).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    stopAnswering();
    stopAnswering = answerHostKeys(services.service, 'cancel');
    expect(await install()).toMatchObject({ ok: false, code: 'HOST_KEY_REFUSED' });
  });
});
