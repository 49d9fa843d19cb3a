import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../../agent/store/sqlite';
import { desktopMigrations } from '../store/migrations';
import { newDataKey } from '../vault/crypto';
import { VaultError } from '../vault/errors';
import { Vault } from '../vault/vault';
import { openKeychain, type Keychain } from './keychain';

// The real OS keychain cannot run here: Electron's runtime binary cannot be downloaded on this
// machine, and there is no desktop session with a keyring. So 'electron' is replaced by a safeStorage
// that behaves like the real one where this module relies on it: it really encrypts (AES-GCM under a
// key of its own), says whether it is available, and names the Linux backend it would use.
const fake = vi.hoisted(() => ({
  available: true,
  backend: 'gnome_libsecret' as string,
  shouldReEncrypt: false,
  key: undefined as Buffer | undefined,
}));

vi.mock('electron', async () => {
  const vault = await import('../vault/crypto');
  const key = () => (fake.key ??= vault.newDataKey());
  return {
    safeStorage: {
      isAsyncEncryptionAvailable: () => Promise.resolve(fake.available),
      getSelectedStorageBackend: () => fake.backend,
      encryptStringAsync: (text: string) => Promise.resolve(vault.seal(key(), Buffer.from(text, 'utf8'), 'safe-storage')),
      decryptStringAsync: (blob: Buffer) => {
        const plain = vault.unseal(key(), blob, 'safe-storage');
        if (!plain) return Promise.reject(new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.'));
        return Promise.resolve({ result: plain.toString('utf8'), shouldReEncrypt: fake.shouldReEncrypt });
      },
    },
  };
});

beforeEach(() => {
  Object.assign(fake, { available: true, backend: 'gnome_libsecret', shouldReEncrypt: false, key: undefined });
});

function wrapperOf(keychain: Keychain) {
  if (!keychain.available) throw new Error(`keychain refused: ${keychain.reason}`);
  return keychain.wrapper;
}

describe('openKeychain', () => {
  it('wraps the data key so that only the keychain can unwrap it', async () => {
    const wrapper = wrapperOf(await openKeychain('linux'));
    const dataKey = newDataKey();
    const blob = await wrapper.wrap(dataKey);
    expect(blob.includes(dataKey)).toBe(false);
    expect(blob.includes(Buffer.from(dataKey.toString('base64')))).toBe(false);
    expect(await wrapper.unwrap(blob)).toEqual({ dataKey, rewrap: false });
  });

  it('passes on the keychain asking for the key to be wrapped again', async () => {
    const wrapper = wrapperOf(await openKeychain('darwin'));
    const blob = await wrapper.wrap(newDataKey());
    fake.shouldReEncrypt = true;
    expect((await wrapper.unwrap(blob)).rewrap).toBe(true);
  });

  it('is refused when safeStorage cannot encrypt, saying a passphrase will be used', async () => {
    fake.available = false;
    expect(await openKeychain('win32')).toEqual({ available: false, reason: expect.stringMatching(/not available.*with a passphrase instead/) });
  });

  it("is refused on Linux when Electron would fall back to its built-in password ('basic_text')", async () => {
    fake.backend = 'basic_text';
    expect(await openKeychain('linux')).toEqual({ available: false, reason: expect.stringMatching(/No keyring.*not really encrypt.*with a passphrase instead/) });
    // The Linux backend means nothing elsewhere.
    expect((await openKeychain('darwin')).available).toBe(true);
  });

  it('refuses to wrap once the keyring has gone away', async () => {
    const wrapper = wrapperOf(await openKeychain('linux'));
    fake.backend = 'basic_text';
    await expect(wrapper.wrap(newDataKey())).rejects.toSatisfy((error: unknown) => error instanceof VaultError && error.code === 'KEYCHAIN_UNAVAILABLE');
  });

  it('refuses an unwrapped value that is not a data key', async () => {
    const wrapper = wrapperOf(await openKeychain('linux'));
    const { safeStorage } = await import('electron');
    const notAKey = await safeStorage.encryptStringAsync('c2hvcnQ=');
    await expect(wrapper.unwrap(notAKey)).rejects.toSatisfy((error: unknown) => error instanceof VaultError && error.code === 'DAMAGED');
  });
});

describe('the vault over the keychain', () => {
  let dir: string;
  let db: Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-keychain-'));
    db = openDatabase({ path: join(dir, 'lifeline.db'), migrations: desktopMigrations });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets up, locks and unlocks a vault with the keychain, and reports a keychain that no longer decrypts', async () => {
    const vault = new Vault(db, wrapperOf(await openKeychain('linux')));
    await vault.initialize({ keychain: true });
    vault.lock();
    await vault.unlockWithKeychain();
    expect(vault.status()).toEqual({ state: 'unlocked', wrapping: 'keychain' });

    // A new keyring (its own key) cannot decrypt what the old one wrapped.
    fake.key = newDataKey();
    vault.lock();
    await expect(vault.unlockWithKeychain()).rejects.toSatisfy(
      (error: unknown) => error instanceof VaultError && error.code === 'KEYCHAIN_FAILED' && /keyring was reset/.test(error.message),
    );
    expect(vault.status().state).toBe('locked');
  });
});
