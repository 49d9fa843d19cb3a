import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../agent/store/sqlite';
import { makeTestKey, type TestKey } from '../ssh/testing/keys';
import { desktopMigrations } from './migrations';
import { TrustedHostKeysRepository } from './trusted-host-keys';

let keyDir: string;
let ed: TestKey;
let ed2: TestKey;
let rsa: TestKey;

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'lifeline-trust-keys-'));
  ed = await makeTestKey(keyDir, 'ed25519', 'ed');
  ed2 = await makeTestKey(keyDir, 'ed25519', 'ed2');
  rsa = await makeTestKey(keyDir, 'rsa', 'rsa');
});

afterAll(() => {
  rmSync(keyDir, { recursive: true, force: true });
});

let dir: string;
let db: Database;
let trust: TrustedHostKeysRepository;

const open = (): Database => openDatabase({ path: join(dir, 'lifeline.db'), migrations: desktopMigrations });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-trust-'));
  db = open();
  trust = new TrustedHostKeysRepository(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const base64 = (key: TestKey): string => key.blob.toString('base64');
const args = (host: string, port: number, key: TestKey) => [host, port, key.algorithm, base64(key), key.fingerprint] as const;

describe('TrustedHostKeysRepository', () => {
  it('remembers a key and finds it again after the database is reopened', () => {
    expect(trust.remember(...args('web.example.com', 22, ed))).toBe('remembered');
    db.close();
    db = open();
    trust = new TrustedHostKeysRepository(db);
    expect(trust.find('web.example.com', 22)).toEqual([
      {
        host: 'web.example.com',
        port: 22,
        keyType: 'ssh-ed25519',
        publicKey: base64(ed),
        fingerprint: ed.fingerprint,
        addedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    ]);
    expect(trust.find('web.example.com', 2222)).toEqual([]);
    expect(trust.find('other.example.com', 22)).toEqual([]);
  });

  it('keeps one key per type for a host and port', () => {
    expect(trust.remember(...args('web.example.com', 22, ed))).toBe('remembered');
    expect(trust.remember(...args('web.example.com', 22, rsa))).toBe('remembered');
    expect(trust.remember(...args('web.example.com', 2222, ed2))).toBe('remembered');
    expect(trust.find('web.example.com', 22).map((key) => key.keyType)).toEqual(['ssh-ed25519', 'ssh-rsa']);
    expect(trust.find('web.example.com', 2222).map((key) => key.fingerprint)).toEqual([ed2.fingerprint]);
  });

  it('says "already-trusted" for the same key again and leaves it as it was', () => {
    trust.remember(...args('web.example.com', 22, ed));
    const before = trust.find('web.example.com', 22);
    expect(trust.remember(...args('web.example.com', 22, ed))).toBe('already-trusted');
    expect(trust.find('web.example.com', 22)).toEqual(before);
  });

  it('refuses to overwrite a different key of the same type: that takes replace', () => {
    trust.remember(...args('web.example.com', 22, ed));
    expect(trust.remember(...args('web.example.com', 22, ed2))).toBe('conflict');
    expect(trust.find('web.example.com', 22).map((key) => key.fingerprint)).toEqual([ed.fingerprint]);

    const previous = trust.replace(...args('web.example.com', 22, ed2));
    expect(previous).toMatchObject({ keyType: 'ssh-ed25519', fingerprint: ed.fingerprint, publicKey: base64(ed) });
    expect(trust.find('web.example.com', 22)).toMatchObject([{ keyType: 'ssh-ed25519', fingerprint: ed2.fingerprint, publicKey: base64(ed2) }]);
  });

  it('replace trusts a key where none of its type was known, and returns nothing replaced', () => {
    expect(trust.replace(...args('web.example.com', 22, rsa))).toBeUndefined();
    expect(trust.find('web.example.com', 22).map((key) => key.fingerprint)).toEqual([rsa.fingerprint]);
  });

  it('forgets one key type or all keys of a host and port, and counts what it removed', () => {
    trust.remember(...args('web.example.com', 22, ed));
    trust.remember(...args('web.example.com', 22, rsa));
    trust.remember(...args('web.example.com', 2222, ed));
    expect(trust.forget('web.example.com', 22, 'ssh-rsa')).toBe(1);
    expect(trust.find('web.example.com', 22).map((key) => key.keyType)).toEqual(['ssh-ed25519']);
    expect(trust.forget('web.example.com', 22, 'ssh-rsa')).toBe(0);
    trust.remember(...args('web.example.com', 22, rsa));
    expect(trust.forget('web.example.com', 22)).toBe(2);
    expect(trust.find('web.example.com', 22)).toEqual([]);
    expect(trust.find('web.example.com', 2222)).toHaveLength(1);
  });

  it('normalizes the host: lower case, IPv6 without brackets', () => {
    trust.remember(...args('Web.EXAMPLE.com', 22, ed));
    trust.remember(...args('[2001:DB8::1]', 2200, ed));
    expect(trust.find('web.example.com', 22)).toMatchObject([{ host: 'web.example.com' }]);
    expect(trust.find('2001:db8::1', 2200)).toMatchObject([{ host: '2001:db8::1' }]);
    expect(trust.remember(...args('WEB.example.com', 22, ed))).toBe('already-trusted');
    expect(trust.forget('[2001:db8::1]', 2200)).toBe(1);
  });

  it('refuses an inconsistent key without storing anything', () => {
    expect(() => trust.remember('web.example.com', 22, 'ssh-ed25519', base64(ed), ed2.fingerprint)).toThrow(
      `The fingerprint ${ed2.fingerprint} given for web.example.com is not the key's (${ed.fingerprint}).`,
    );
    expect(() => trust.remember('web.example.com', 22, 'ssh-rsa', base64(ed), ed.fingerprint)).toThrow(
      'The public key for web.example.com is of type ssh-ed25519, not ssh-rsa.',
    );
    expect(() => trust.replace('web.example.com', 22, 'ssh-ed25519', `${base64(ed)}!`, ed.fingerprint)).toThrow('not canonical base64');
    expect(() => trust.remember('web.example.com', 0, 'ssh-ed25519', base64(ed), ed.fingerprint)).toThrow('port from 1 to 65535, not 0');
    expect(() => trust.remember('', 22, 'ssh-ed25519', base64(ed), ed.fingerprint)).toThrow('needs a host name');
    expect(trust.find('web.example.com', 22)).toEqual([]);
  });
});
