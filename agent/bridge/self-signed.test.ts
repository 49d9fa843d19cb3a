import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeClient } from '../protocol/client';
import { CERT_FILE, ensureSelfSignedCert, KEY_FILE } from './self-signed';
import type { BridgeServer } from './server';
import { startBridge, TEST_TOKEN } from './testing';

const dirs: string[] = [];
const servers: BridgeServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close(0)));
  dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-bridge-cert-'));
  dirs.push(dir);
  return dir;
}

describe('ensureSelfSignedCert', () => {
  it('makes a pair once (key 0600), reuses it, and its fingerprint is the SHA-256 openssl computes', async () => {
    const dir = tempDir();
    const made = await ensureSelfSignedCert(dir);
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const again = await ensureSelfSignedCert(dir);
    expect(again).toEqual(made);

    const printed = execFileSync('openssl', ['x509', '-in', join(dir, CERT_FILE), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
    const hex = /=([0-9A-F:]+)/.exec(printed)?.[1]?.replaceAll(':', '') ?? '';
    expect(made.fingerprint).toBe(`SHA256:${Buffer.from(hex, 'hex').toString('base64').replace(/=+$/, '')}`);
  });

  it('refuses a half pair, a key others can read, and a key of another certificate, saying what to do', async () => {
    const dir = tempDir();
    await ensureSelfSignedCert(dir);
    const key = readFileSync(join(dir, KEY_FILE), 'utf8');

    chmodSync(join(dir, KEY_FILE), 0o644);
    await expect(ensureSelfSignedCert(dir)).rejects.toThrow(/can be read by other users \(mode 0644\); run "chmod 600/);
    chmodSync(join(dir, KEY_FILE), 0o600);

    const other = tempDir();
    await ensureSelfSignedCert(other);
    writeFileSync(join(dir, KEY_FILE), readFileSync(join(other, KEY_FILE)), { mode: 0o600 });
    await expect(ensureSelfSignedCert(dir)).rejects.toThrow(/is not the private key of .*delete both/);

    writeFileSync(join(dir, KEY_FILE), key, { mode: 0o600 });
    unlinkSync(join(dir, CERT_FILE));
    await expect(ensureSelfSignedCert(dir)).rejects.toThrow(/bridge-key.pem is there but .*bridge-cert.pem is not/);
    expect(readFileSync(join(dir, KEY_FILE), 'utf8')).toBe(key);
  });

  it('says how to get openssl when it is missing, and leaves nothing behind', async () => {
    const dir = tempDir();
    await expect(ensureSelfSignedCert(dir, { openssl: join(dir, 'no-openssl') })).rejects.toThrow(/openssl is not installed/);
    expect(execFileSync('ls', ['-A', dir], { encoding: 'utf8' })).toBe('');
  });
});

describe('the bridge over TLS', () => {
  it('serves a client that pins its certificate, and the pin is checked before the token is sent', async () => {
    const dir = tempDir();
    const tls = await ensureSelfSignedCert(dir);
    const started = await startBridge({ tls: { cert: tls.cert, key: tls.key } });
    servers.push(started.server);
    expect(started.fingerprint).toBe(tls.fingerprint);

    const pinned = await BridgeClient.connect({ host: '127.0.0.1', port: started.port, token: TEST_TOKEN, tls: { fingerprint: tls.fingerprint }, timeoutMs: 5_000 });
    await expect(pinned.call('ping', {})).resolves.toMatchObject({ agent: pinned.agent });
    pinned.close();

    const other = await ensureSelfSignedCert(tempDir());
    const refused = BridgeClient.connect({ host: '127.0.0.1', port: started.port, token: TEST_TOKEN, tls: { fingerprint: other.fingerprint }, timeoutMs: 5_000 });
    await expect(refused).rejects.toMatchObject({ code: 'PIN_MISMATCH', message: expect.stringContaining(tls.fingerprint) });
    // Only the pinned client's hello reached the agent: the mismatched one never sent its token.
    const hellos = started.log.records().filter((line) => line.msg === 'bridge client connected' || line.msg === 'bridge hello refused: wrong token');
    expect(hellos).toHaveLength(1);
  });

  it('does not answer a plain TCP client', async () => {
    const tls = await ensureSelfSignedCert(tempDir());
    const started = await startBridge({ tls: { cert: tls.cert, key: tls.key } });
    servers.push(started.server);
    const failure = await BridgeClient.connect({ host: '127.0.0.1', port: started.port, token: TEST_TOKEN, timeoutMs: 2_000 }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'CLOSED' });
  });
});
