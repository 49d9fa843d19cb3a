import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf } from './fingerprint';
import { makeTestKey, type TestKey, type TestKeyType } from './testing/keys';

const TYPES: TestKeyType[] = ['ed25519', 'rsa', 'ecdsa'];
let dir: string;
const keys = new Map<TestKeyType, TestKey>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-fingerprint-'));
  for (const type of TYPES) keys.set(type, await makeTestKey(dir, type));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('fingerprintOf', () => {
  it.each(TYPES)('prints what ssh-keygen -l prints for an %s key', (type) => {
    const key = keys.get(type) as TestKey;
    expect(fingerprintOf(key.blob)).toBe(key.fingerprint);
    expect(fingerprintOf(key.blob)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('tells different keys apart', () => {
    expect(new Set(TYPES.map((type) => fingerprintOf((keys.get(type) as TestKey).blob))).size).toBe(TYPES.length);
  });
});
