import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../agent/store/sqlite';
import { desktopMigrations } from '../store/migrations';
import { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import {
  HostKeyError,
  checkHostKey,
  rememberHostKey,
  verifyHostKey,
  type HostKeyAnswer,
  type HostKeyQuestion,
  type HostKeySources,
  type PresentedHostKey,
  type StrictHostKeyChecking,
} from './host-key-policy';
import { KnownHosts } from './known-hosts';
import { makeTestKey, type TestKey } from './testing/keys';
import { run } from './testing/run';

const MODES: StrictHostKeyChecking[] = ['ask', 'yes', 'accept-new', 'no'];

let keyDir: string;
let current: TestKey; // the ed25519 key the server presents
let old: TestKey; // the ed25519 key it used to have
let rsa: TestKey;
let ecdsa: TestKey;

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'lifeline-policy-keys-'));
  current = await makeTestKey(keyDir, 'ed25519', 'current');
  old = await makeTestKey(keyDir, 'ed25519', 'old');
  rsa = await makeTestKey(keyDir, 'rsa', 'rsa');
  ecdsa = await makeTestKey(keyDir, 'ecdsa', 'ecdsa');
});

afterAll(() => {
  rmSync(keyDir, { recursive: true, force: true });
});

let dir: string;
let db: Database;
let trust: TrustedHostKeysRepository;
let knownHostsFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-policy-'));
  db = openDatabase({ path: join(dir, 'lifeline.db'), migrations: desktopMigrations });
  trust = new TrustedHostKeysRepository(db);
  knownHostsFile = join(dir, 'known_hosts');
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const keyOf = (key: TestKey): string => key.publicKey.split(' ').slice(0, 2).join(' ');

// known_hosts is read from a real file, the trust store is a real SQLite file.
async function sources(lines: string[] = []): Promise<HostKeySources> {
  writeFileSync(knownHostsFile, lines.map((line) => `${line}\n`).join(''));
  return { knownHosts: await KnownHosts.load([knownHostsFile]), trustStore: trust };
}

function presented(key: TestKey, host = 'web.example.com', port = 22): PresentedHostKey {
  return { host, port, keyType: key.algorithm, key: key.blob };
}

function trustInStore(key: TestKey, host = 'web.example.com', port = 22): void {
  expect(trust.remember(host, port, key.algorithm, key.blob.toString('base64'), key.fingerprint)).toBe('remembered');
}

function asker(answer: HostKeyAnswer) {
  const questions: HostKeyQuestion[] = [];
  return {
    questions,
    ask: async (question: HostKeyQuestion): Promise<HostKeyAnswer> => {
      questions.push(question);
      return answer;
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<HostKeyError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HostKeyError);
  return error as HostKeyError;
}

const storedFingerprints = (host = 'web.example.com', port = 22): string[] => trust.find(host, port).map((key) => key.fingerprint);

describe('checkHostKey', () => {
  it('trusts a key found in known_hosts and says which line', async () => {
    const check = checkHostKey(presented(current), await sources(['# mine', `web.example.com ${keyOf(current)}`]));
    expect(check).toEqual({ status: 'trusted', fingerprint: current.fingerprint, from: [{ kind: 'known-hosts', file: knownHostsFile, line: 2 }] });
  });

  it('trusts a key from a line hashed by ssh-keygen -H, on a non-default port, and through a wildcard', async () => {
    const known = await sources([`[web.example.com]:2222 ${keyOf(current)}`, `*.example.org,!bad.example.org ${keyOf(rsa)}`]);
    await run('ssh-keygen', ['-H', '-f', knownHostsFile]);
    const hashed = { ...known, knownHosts: await KnownHosts.load([knownHostsFile]) };
    expect(checkHostKey(presented(current, 'WEB.example.com', 2222), hashed)).toMatchObject({ status: 'trusted' });
    expect(checkHostKey(presented(current, 'web.example.com', 22), hashed)).toMatchObject({ status: 'unknown' });
    expect(checkHostKey(presented(rsa, 'db.example.org'), known)).toMatchObject({ status: 'trusted' });
    expect(checkHostKey(presented(rsa, 'bad.example.org'), known)).toMatchObject({ status: 'unknown' });
  });

  it('trusts a key from the trust store, and lists every source that holds it', async () => {
    trustInStore(current);
    const check = checkHostKey(presented(current), await sources([`web.example.com ${keyOf(current)}`]));
    expect(check).toEqual({
      status: 'trusted',
      fingerprint: current.fingerprint,
      from: [
        { kind: 'trust-store', addedAt: expect.any(String) },
        { kind: 'known-hosts', file: knownHostsFile, line: 1 },
      ],
    });
  });

  it('calls a key unknown when nothing is known, with the fingerprint ssh-keygen prints', async () => {
    expect(checkHostKey(presented(current), await sources([`other.example.com ${keyOf(current)}`]))).toEqual({
      status: 'unknown',
      fingerprint: current.fingerprint,
      otherKeys: [],
    });
  });

  it('calls a key of a new type unknown and lists the keys of other types known', async () => {
    trustInStore(ecdsa);
    const check = checkHostKey(presented(current), await sources([`web.example.com ${keyOf(rsa)}`]));
    expect(check).toEqual({
      status: 'unknown',
      fingerprint: current.fingerprint,
      otherKeys: [
        { keyType: 'ecdsa-sha2-nistp256', fingerprint: ecdsa.fingerprint, source: { kind: 'trust-store', addedAt: expect.any(String) } },
        { keyType: 'ssh-rsa', fingerprint: rsa.fingerprint, source: { kind: 'known-hosts', file: knownHostsFile, line: 1 } },
      ],
    });
  });

  it('calls a different key of a known type changed, with every previous key and its source', async () => {
    trustInStore(old);
    const check = checkHostKey(presented(current), await sources([`web.example.com ${keyOf(rsa)}`, `web.example.com ${keyOf(old)}`]));
    expect(check).toEqual({
      status: 'changed',
      fingerprint: current.fingerprint,
      previous: [
        { keyType: 'ssh-ed25519', fingerprint: old.fingerprint, source: { kind: 'trust-store', addedAt: expect.any(String) } },
        { keyType: 'ssh-ed25519', fingerprint: old.fingerprint, source: { kind: 'known-hosts', file: knownHostsFile, line: 2 } },
      ],
    });
  });

  it('trusts a key that one source holds even when another still has an older key of its type, as OpenSSH does', async () => {
    trustInStore(current);
    expect(checkHostKey(presented(current), await sources([`web.example.com ${keyOf(old)}`]))).toMatchObject({ status: 'trusted' });
  });

  it('calls a key revoked when a matching @revoked line names it, even if it is trusted', async () => {
    trustInStore(current);
    const check = checkHostKey(presented(current), await sources([`web.example.com ${keyOf(current)}`, `@revoked * ${keyOf(current)}`]));
    expect(check).toEqual({ status: 'revoked', fingerprint: current.fingerprint, source: { kind: 'known-hosts', file: knownHostsFile, line: 2 } });
    // A revoked line for another key or another host changes nothing.
    const others = await sources([`web.example.com ${keyOf(current)}`, `@revoked web.example.com ${keyOf(old)}`, `@revoked db.example.com ${keyOf(current)}`]);
    expect(checkHostKey(presented(current), others)).toMatchObject({ status: 'trusted' });
  });

  it('never trusts a plain key because of an @cert-authority line, nor calls it changed', async () => {
    const known = await sources([`@cert-authority *.example.com ${keyOf(current)}`, `@cert-authority web.example.com ${keyOf(old)}`]);
    expect(checkHostKey(presented(current), known)).toEqual({ status: 'unknown', fingerprint: current.fingerprint, otherKeys: [] });
  });

  it('refuses a key whose blob is not of the stated type', async () => {
    const known = await sources();
    expect(() => checkHostKey({ host: 'web.example.com', port: 22, keyType: 'ssh-rsa', key: current.blob }, known)).toThrow(
      'The host key presented by web.example.com is of type ssh-ed25519, not ssh-rsa.',
    );
  });
});

describe('verifyHostKey', () => {
  it.each(MODES)('accepts a trusted key without asking (%s)', async (mode) => {
    const { questions, ask } = asker('cancel');
    const known = await sources([`web.example.com ${keyOf(current)}`]);
    await expect(verifyHostKey(presented(current), known, { mode, ask })).resolves.toEqual({ how: 'trusted', fingerprint: current.fingerprint });
    expect(questions).toEqual([]);
  });

  it.each(MODES)('always refuses a changed key, showing old and new fingerprints (%s)', async (mode) => {
    const { questions, ask } = asker('remember');
    const known = await sources([`web.example.com ${keyOf(old)}`]);
    const error = await refusal(verifyHostKey(presented(current), known, { mode, ask }));
    expect(error).toMatchObject({
      code: 'CHANGED',
      host: 'web.example.com',
      port: 22,
      keyType: 'ssh-ed25519',
      fingerprint: current.fingerprint,
      publicKey: current.blob.toString('base64'),
      previous: [{ keyType: 'ssh-ed25519', fingerprint: old.fingerprint, source: { kind: 'known-hosts', file: knownHostsFile, line: 1 } }],
    });
    expect(error.message).toBe(
      `The ssh-ed25519 host key of web.example.com has changed: the server now presents ${current.fingerprint}, ` +
        `but the known key is ${old.fingerprint} (line 1 of ${knownHostsFile}). ` +
        `Lifeline refused to connect: someone may be intercepting the connection, or the server was reinstalled or re-keyed. ` +
        `Ask the server's administrator for the key's fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server). ` +
        `Only if it is ${current.fingerprint}, replace the trusted key deliberately in the server's settings (Host key, Replace); ` +
        `ssh itself will keep refusing until you also delete line 1 of ${knownHostsFile}.`,
    );
    expect(questions).toEqual([]);
    expect(storedFingerprints()).toEqual([]);
  });

  it('names the trust store when the changed key was trusted there', async () => {
    trustInStore(old, 'web.example.com', 2222);
    const error = await refusal(verifyHostKey(presented(current, 'web.example.com', 2222), await sources(), { mode: 'accept-new' }));
    expect(error.code).toBe('CHANGED');
    expect(error.message).toContain(`of [web.example.com]:2222 has changed: the server now presents ${current.fingerprint}, but the known key is ${old.fingerprint} (Lifeline's trust store).`);
    expect(error.message).toContain("replace the trusted key deliberately in the server's settings (Host key, Replace).");
    expect(storedFingerprints('web.example.com', 2222)).toEqual([old.fingerprint]);
  });

  it.each(MODES)('always refuses a revoked key (%s)', async (mode) => {
    const { questions, ask } = asker('remember');
    const known = await sources([`@revoked web.example.com ${keyOf(current)}`]);
    const error = await refusal(verifyHostKey(presented(current), known, { mode, ask }));
    expect(error.code).toBe('REVOKED');
    expect(error.message).toBe(
      `The ssh-ed25519 host key of web.example.com (${current.fingerprint}) is marked @revoked on line 1 of ${knownHostsFile}, so Lifeline refused to connect. ` +
        'The server needs a new host key from its administrator; if the revocation is a mistake, delete that line.',
    );
    expect(questions).toEqual([]);
    expect(storedFingerprints()).toEqual([]);
  });

  it('refuses an unknown key under "yes" and says how to accept it', async () => {
    const { questions, ask } = asker('remember');
    const error = await refusal(verifyHostKey(presented(current), await sources(), { mode: 'yes', ask }));
    expect(error).toMatchObject({ code: 'UNKNOWN_REFUSED', fingerprint: current.fingerprint, previous: [] });
    expect(error.message).toBe(
      `The ssh-ed25519 host key of web.example.com (${current.fingerprint}) is not known, and StrictHostKeyChecking is "yes" for this server, so Lifeline refused to connect. ` +
        "Check the fingerprint with the server's administrator, then connect once with --accept-new or accept it in the app.",
    );
    expect(questions).toEqual([]);
    expect(storedFingerprints()).toEqual([]);
  });

  it('accepts an unknown key under "accept-new" to remember after login, so that "yes" then accepts it', async () => {
    const known = await sources();
    await expect(verifyHostKey(presented(current), known, { mode: 'accept-new' })).resolves.toEqual({ how: 'remember', fingerprint: current.fingerprint });
    // Not before the login proved the server holds the key.
    expect(storedFingerprints()).toEqual([]);
    rememberHostKey(presented(current), trust);
    expect(storedFingerprints()).toEqual([current.fingerprint]);
    await expect(verifyHostKey(presented(current), known, { mode: 'yes' })).resolves.toEqual({ how: 'trusted', fingerprint: current.fingerprint });
  });

  it('accepts a new key type under "accept-new" when another type is known, as OpenSSH does', async () => {
    trustInStore(rsa);
    await expect(verifyHostKey(presented(current), await sources(), { mode: 'accept-new' })).resolves.toMatchObject({ how: 'remember' });
    rememberHostKey(presented(current), trust);
    expect(trust.find('web.example.com', 22).map((key) => key.keyType)).toEqual(['ssh-ed25519', 'ssh-rsa']);
  });

  it('accepts an unknown key under "no" without storing it or asking', async () => {
    const { questions, ask } = asker('cancel');
    await expect(verifyHostKey(presented(current), await sources(), { mode: 'no', ask })).resolves.toEqual({ how: 'unverified', fingerprint: current.fingerprint });
    expect(questions).toEqual([]);
    expect(storedFingerprints()).toEqual([]);
  });

  it('asks under "ask", showing key type and fingerprint; "once" accepts without storing', async () => {
    trustInStore(rsa, 'web.example.com', 2200);
    const { questions, ask } = asker('once');
    const result = await verifyHostKey(presented(current, 'Web.Example.com', 2200), await sources(), { mode: 'ask', ask });
    expect(result).toEqual({ how: 'accepted-once', fingerprint: current.fingerprint });
    expect(questions).toEqual([
      {
        host: 'web.example.com',
        port: 2200,
        keyType: 'ssh-ed25519',
        fingerprint: current.fingerprint,
        otherKeys: [{ keyType: 'ssh-rsa', fingerprint: rsa.fingerprint, source: { kind: 'trust-store', addedAt: expect.any(String) } }],
      },
    ]);
    expect(trust.find('web.example.com', 2200).map((key) => key.keyType)).toEqual(['ssh-rsa']);
  });

  it('"remember" accepts the key to be stored, and rememberHostKey stores it in the trust store', async () => {
    const { ask } = asker('remember');
    await expect(verifyHostKey(presented(current), await sources(), { mode: 'ask', ask })).resolves.toEqual({ how: 'remember', fingerprint: current.fingerprint });
    expect(storedFingerprints()).toEqual([]);
    rememberHostKey(presented(current), trust);
    expect(trust.find('web.example.com', 22)).toMatchObject([{ keyType: 'ssh-ed25519', publicKey: current.blob.toString('base64'), fingerprint: current.fingerprint }]);
  });

  it('"cancel" refuses and stores nothing', async () => {
    const { questions, ask } = asker('cancel');
    const error = await refusal(verifyHostKey(presented(current), await sources(), { mode: 'ask', ask }));
    expect(error.code).toBe('CANCELLED');
    expect(error.message).toBe(
      `Connecting to web.example.com was cancelled: its ssh-ed25519 host key ${current.fingerprint} was not accepted, and nothing was stored. ` +
        "To connect, check the fingerprint with the server's administrator and accept the key when asked.",
    );
    expect(questions).toHaveLength(1);
    expect(storedFingerprints()).toEqual([]);
  });

  it('refuses an unknown key under "ask" when there is no one to ask', async () => {
    const error = await refusal(verifyHostKey(presented(current), await sources(), { mode: 'ask' }));
    expect(error.code).toBe('UNKNOWN_REFUSED');
    expect(error.message).toContain('is not known, and there is no one to ask whether to trust it, so Lifeline refused to connect.');
    expect(storedFingerprints()).toEqual([]);
  });

  it('refuses to remember when another key of the type was trusted while the user was deciding', async () => {
    const known = await sources();
    const ask = async (): Promise<HostKeyAnswer> => {
      // Another window accepted the old key in the meantime.
      trustInStore(old);
      return 'remember';
    };
    await expect(verifyHostKey(presented(current), known, { mode: 'ask', ask })).resolves.toMatchObject({ how: 'remember' });
    let error: unknown;
    try {
      rememberHostKey(presented(current), trust);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({
      code: 'CHANGED',
      fingerprint: current.fingerprint,
      previous: [{ keyType: 'ssh-ed25519', fingerprint: old.fingerprint, source: { kind: 'trust-store' } }],
    });
    expect(storedFingerprints()).toEqual([old.fingerprint]);
  });
});
