import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DATA_KEY_BYTES, isWeakerThanDefaults, newDataKey, seal, unseal, unwrapWithPassphrase, wrapWithPassphrase } from './crypto';
import { VaultError } from './errors';

// A cost well below the default, for the cases that are about the format rather than the cost.
const QUICK = { N: 2 ** 14, r: 8, p: 1 };

describe('seal and unseal', () => {
  const key = newDataKey();
  const secret = Buffer.from('-----BEGIN OPENSSH PRIVATE KEY-----\nsecret body\n');

  it('round-trips a secret, with a fresh nonce every time', () => {
    const one = seal(key, secret, 'key:1');
    const two = seal(key, secret, 'key:1');
    expect(unseal(key, one, 'key:1')).toEqual(secret);
    expect(one.equals(two)).toBe(false);
    expect(one.subarray(1, 13).equals(two.subarray(1, 13))).toBe(false);
    expect(one.includes(Buffer.from('secret body'))).toBe(false);
    expect(one[0]).toBe(1);
    expect(one.length).toBe(1 + 12 + 16 + secret.length);
  });

  it('does not open under another row, another key, or with any byte changed', () => {
    const blob = seal(key, secret, 'key:1');
    expect(unseal(key, blob, 'key:2')).toBeUndefined();
    expect(unseal(newDataKey(), blob, 'key:1')).toBeUndefined();
    for (let at = 1; at < blob.length; at += 1) {
      const changed = Buffer.from(blob);
      changed[at] ^= 0x01;
      expect(unseal(key, changed, 'key:1')).toBeUndefined();
    }
  });

  it('calls a blob of an unknown format or too short to be one damaged', () => {
    const blob = seal(key, secret, 'key:1');
    blob[0] = 2;
    expect(() => unseal(key, blob, 'key:1')).toThrow(expect.objectContaining({ code: 'DAMAGED', message: expect.stringMatching(/format 2.*newer Lifeline/) }));
    expect(() => unseal(key, Buffer.alloc(20), 'key:1')).toThrow(expect.objectContaining({ code: 'DAMAGED', message: expect.stringMatching(/too short/) }));
  });
});

describe('passphrase wrapping', () => {
  it('stores scrypt N=2^17, r=8, p=1 and a random 16-byte salt, and unwraps with the same passphrase', async () => {
    const dataKey = newDataKey();
    const wrapping = await wrapWithPassphrase(dataKey, 'a long passphrase');
    const kdf = JSON.parse(wrapping.kdf) as Record<string, unknown>;
    expect(kdf).toEqual({ name: 'scrypt', N: 131072, r: 8, p: 1, salt: expect.any(String) });
    expect(Buffer.from(kdf.salt as string, 'base64')).toHaveLength(16);
    expect(wrapping.wrappedKey.includes(dataKey)).toBe(false);
    expect(isWeakerThanDefaults(wrapping.kdf)).toBe(false);

    const unwrapped = await unwrapWithPassphrase(wrapping, 'a long passphrase');
    expect(unwrapped).toEqual(dataKey);
    expect(unwrapped).toHaveLength(DATA_KEY_BYTES);
  });

  it('gives nothing back for a wrong passphrase', async () => {
    const wrapping = await wrapWithPassphrase(newDataKey(), 'a long passphrase', QUICK);
    expect(await unwrapWithPassphrase(wrapping, 'a long passphrasE')).toBeUndefined();
    expect(await unwrapWithPassphrase(wrapping, '')).toBeUndefined();
  });

  it('uses a new salt each time, so one passphrase wraps differently', async () => {
    const dataKey = newDataKey();
    const [one, two] = await Promise.all([wrapWithPassphrase(dataKey, 'same words', QUICK), wrapWithPassphrase(dataKey, 'same words', QUICK)]);
    expect(JSON.parse(one.kdf).salt).not.toBe(JSON.parse(two.kdf).salt);
    expect(one.wrappedKey.equals(two.wrappedKey)).toBe(false);
  });

  it('treats the composed and decomposed forms of a passphrase as the same passphrase', async () => {
    const dataKey = newDataKey();
    const composed = 'caf\u00e9 au lait';
    const decomposed = 'cafe\u0301 au lait';
    expect(composed).not.toBe(decomposed);
    const wrapping = await wrapWithPassphrase(dataKey, composed, QUICK);
    expect(await unwrapWithPassphrase(wrapping, decomposed)).toEqual(dataKey);
  });

  it('notices a wrapping made with a lower cost than today', async () => {
    const wrapping = await wrapWithPassphrase(newDataKey(), 'a long passphrase', QUICK);
    expect(isWeakerThanDefaults(wrapping.kdf)).toBe(true);
  });

  it('refuses damaged or out-of-bounds settings before deriving anything', async () => {
    const wrapping = await wrapWithPassphrase(newDataKey(), 'a long passphrase', QUICK);
    const params = JSON.parse(wrapping.kdf) as Record<string, unknown>;
    const variants = [
      'not json',
      JSON.stringify({ ...params, N: 2 ** 30 }),
      JSON.stringify({ ...params, N: 100_000 }),
      JSON.stringify({ ...params, name: 'pbkdf2' }),
      JSON.stringify({ ...params, salt: randomBytes(4).toString('base64') }),
      JSON.stringify({ ...params, extra: true }),
    ];
    for (const kdf of variants) {
      await expect(unwrapWithPassphrase({ ...wrapping, kdf }, 'a long passphrase')).rejects.toSatisfy(
        (error: unknown) => error instanceof VaultError && error.code === 'DAMAGED' && /key-derivation settings/.test(error.message),
      );
    }
  });
});
