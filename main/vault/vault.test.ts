import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../agent/store/sqlite';
import { serverInputSchema } from '../api/server-rules';
import { desktopMigrations } from '../store/migrations';
import { ServersRepository } from '../store/servers-repository';
import { newDataKey, seal, unseal, wrapWithPassphrase, type KeyWrapper } from './crypto';
import { VaultError, type VaultErrorCode } from './errors';
import { Vault } from './vault';

const PASSPHRASE = 'vault passphrase one';
const NEW_PASSPHRASE = 'vault passphrase two';
const KEY_PASSPHRASE = 'key file passphrase';

let keysDir: string;
let plainKeyPath: string;
let encryptedKeyPath: string;
let ecdsaKeyPath: string;

// Key files made once by the real ssh-keygen, imported by many tests.
beforeAll(() => {
  keysDir = mkdtempSync(join(tmpdir(), 'lifeline-vault-keys-'));
  const keygen = (name: string, args: string[], passphrase = '') => {
    const path = join(keysDir, name);
    execFileSync('ssh-keygen', ['-q', '-N', passphrase, '-C', `${name}@test`, '-f', path, ...args], { stdio: 'ignore' });
    return path;
  };
  plainKeyPath = keygen('plain', ['-t', 'ed25519']);
  encryptedKeyPath = keygen('encrypted', ['-t', 'ed25519'], KEY_PASSPHRASE);
  ecdsaKeyPath = keygen('ecdsa', ['-t', 'ecdsa', '-b', '256']);
});

afterAll(() => {
  rmSync(keysDir, { recursive: true, force: true });
});

let dir: string;
let dbPath: string;
const opened: Database[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-vault-'));
  dbPath = join(dir, 'lifeline.db');
});

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function openDb(): Database {
  const db = openDatabase({ path: dbPath, migrations: desktopMigrations });
  opened.push(db);
  return db;
}

function closeDb(db: Database): void {
  opened.splice(opened.indexOf(db), 1);
  db.close();
}

function openVault(keychain?: KeyWrapper): { db: Database; vault: Vault } {
  const db = openDb();
  return { db, vault: new Vault(db, keychain) };
}

async function unlockedVault(keychain?: KeyWrapper): Promise<{ db: Database; vault: Vault }> {
  const created = openVault(keychain);
  await created.vault.initialize({ passphrase: PASSPHRASE });
  return created;
}

const keyText = (path: string) => readFileSync(path, 'utf8');
const publicLine = (path: string) => readFileSync(`${path}.pub`, 'utf8').trim();

/** Everything SQLite has written for the database: the main file and its write-ahead log. */
function storedBytes(): Buffer {
  return Buffer.concat([dbPath, `${dbPath}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path)));
}

function vaultRow(db: Database): { kdf: string | null; wrapped_key: Buffer; wrapping: string } {
  return db.prepare('SELECT wrapping, kdf, wrapped_key FROM vault').get() as { kdf: string | null; wrapped_key: Buffer; wrapping: string };
}

function keySecrets(db: Database): Array<{ id: string; secret: Buffer }> {
  return db.prepare('SELECT id, secret FROM keys ORDER BY id').all() as Array<{ id: string; secret: Buffer }>;
}

function createServer(db: Database, name: string): string {
  const server = new ServersRepository(db).create(serverInputSchema.parse({ name, host: 'example.com', user: 'deploy' }));
  if (server === 'duplicate-name') throw new Error(`server ${name} exists`);
  return server.id;
}

function isVaultError(code: VaultErrorCode, message?: RegExp) {
  return (error: unknown) => error instanceof VaultError && error.code === code && (!message || message.test(error.message));
}

function expectThrows(action: () => unknown, code: VaultErrorCode, message?: RegExp): void {
  expect(action).toThrow(expect.objectContaining({ name: 'VaultError', code, ...(message ? { message: expect.stringMatching(message) } : {}) }));
}

/** The public half of the private key `withPrivateKey` hands out, as ssh2 reads it. */
function publicOfPrivate(vault: Vault, id: string): string {
  return vault.withPrivateKey(id, (privateKey) => {
    const parsed = ssh2.utils.parseKey(privateKey);
    if (parsed instanceof Error) throw parsed;
    return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
  });
}

/** Stands in for the OS keychain (Electron safeStorage cannot run here): real AES-GCM under its own key. */
class TestKeychain implements KeyWrapper {
  private readonly key = newDataKey();
  askRewrap = false;
  failUnwrap = false;

  wrap(dataKey: Buffer): Promise<Buffer> {
    return Promise.resolve(seal(this.key, dataKey, 'test-keychain'));
  }

  unwrap(blob: Buffer): Promise<{ dataKey: Buffer; rewrap: boolean }> {
    if (this.failUnwrap) return Promise.reject(new Error('the keyring is locked'));
    const dataKey = unseal(this.key, blob, 'test-keychain');
    return dataKey ? Promise.resolve({ dataKey, rewrap: this.askRewrap }) : Promise.reject(new Error('not this keychain'));
  }
}

describe('Vault', () => {
  it('starts uninitialized and says to set it up before anything needs a secret', async () => {
    const { vault } = openVault();
    expect(vault.status()).toEqual({ state: 'uninitialized', wrapping: null });
    expect(vault.listKeys()).toEqual([]);
    expectThrows(() => vault.importKey({ name: 'a', text: keyText(plainKeyPath) }), 'NOT_INITIALIZED', /not set up yet/);
    await expect(vault.unlock(PASSPHRASE)).rejects.toSatisfy(isVaultError('NOT_INITIALIZED'));
  });

  it('is set up with a passphrase once, and is unlocked after it', async () => {
    const { db, vault } = openVault();
    await expect(vault.initialize({ passphrase: 'short' })).rejects.toSatisfy(
      (error: unknown) => isVaultError('INVALID_INPUT', /at least 8 characters/)(error) && (error as VaultError).field === 'passphrase',
    );
    expect(vault.status().state).toBe('uninitialized');

    await vault.initialize({ passphrase: PASSPHRASE });
    expect(vault.status()).toEqual({ state: 'unlocked', wrapping: 'passphrase' });
    const row = vaultRow(db);
    expect(row.wrapping).toBe('passphrase');
    expect(JSON.parse(row.kdf ?? '')).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1 });

    await expect(vault.initialize({ passphrase: NEW_PASSPHRASE })).rejects.toSatisfy(isVaultError('ALREADY_INITIALIZED', /already set up.*Unlock it instead/));
    expect(vaultRow(db)).toEqual(row);
  });

  it('locks, refuses every use of a secret while locked, and unlocks with the passphrase', async () => {
    const { db, vault } = await unlockedVault();
    const serverId = createServer(db, 'web-1');
    const key = vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    vault.setServerPassword(serverId, 'hunter2 hunter2');

    vault.lock();
    expect(vault.status()).toEqual({ state: 'locked', wrapping: 'passphrase' });
    expect(vault.listKeys()).toEqual([key]);
    expectThrows(() => vault.withPrivateKey(key.id, () => 'used'), 'LOCKED', /^Unlock the vault first: using a private key needs/);
    expectThrows(() => vault.getServerPassword(serverId), 'LOCKED', /^Unlock the vault first/);
    expectThrows(() => vault.setServerPassword(serverId, 'other'), 'LOCKED', /^Unlock the vault first/);
    expectThrows(() => vault.importKey({ name: 'ecdsa', text: keyText(ecdsaKeyPath) }), 'LOCKED', /^Unlock the vault first/);
    await expect(vault.generateKey({ name: 'new' })).rejects.toSatisfy(isVaultError('LOCKED', /^Unlock the vault first/));

    await vault.unlock(PASSPHRASE);
    expect(vault.status().state).toBe('unlocked');
    expect(publicOfPrivate(vault, key.id)).toBe(publicLine(plainKeyPath).split(' ').slice(0, 2).join(' '));
    expect(vault.getServerPassword(serverId)).toBe('hunter2 hunter2');
  });

  it('refuses a wrong passphrase without writing a byte', async () => {
    const { vault } = await unlockedVault();
    vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    vault.lock();
    const before = storedBytes();

    await expect(vault.unlock('not the passphrase')).rejects.toSatisfy(isVaultError('WRONG_PASSPHRASE', /passphrase is wrong; the vault stays locked/));
    await expect(vault.unlock(`${PASSPHRASE} `)).rejects.toSatisfy(isVaultError('WRONG_PASSPHRASE'));
    expect(vault.status().state).toBe('locked');
    expect(storedBytes().equals(before)).toBe(true);
  });

  it('changes the passphrase by re-wrapping the data key only: the stored secrets stay byte for byte', async () => {
    const { db, vault } = await unlockedVault();
    const serverId = createServer(db, 'web-1');
    const key = vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    vault.importKey({ name: 'ecdsa', text: keyText(ecdsaKeyPath) });
    vault.setServerPassword(serverId, 'hunter2 hunter2');
    const secretsBefore = keySecrets(db);
    const passwordBefore = db.prepare('SELECT secret FROM server_secrets').pluck().get();
    const rowBefore = vaultRow(db);

    await expect(vault.changePassphrase('not the passphrase', NEW_PASSPHRASE)).rejects.toSatisfy(isVaultError('WRONG_PASSPHRASE', /current passphrase is wrong; nothing was changed/));
    expect(vaultRow(db)).toEqual(rowBefore);
    await expect(vault.changePassphrase(PASSPHRASE, 'short')).rejects.toSatisfy(isVaultError('INVALID_INPUT'));

    await vault.changePassphrase(PASSPHRASE, NEW_PASSPHRASE);
    const rowAfter = vaultRow(db);
    expect(rowAfter.wrapped_key.equals(rowBefore.wrapped_key)).toBe(false);
    expect(JSON.parse(rowAfter.kdf ?? '').salt).not.toBe(JSON.parse(rowBefore.kdf ?? '').salt);
    expect(keySecrets(db)).toEqual(secretsBefore);
    expect(db.prepare('SELECT secret FROM server_secrets').pluck().get()).toEqual(passwordBefore);
    expect(vault.status().state).toBe('unlocked');

    vault.lock();
    await expect(vault.unlock(PASSPHRASE)).rejects.toSatisfy(isVaultError('WRONG_PASSPHRASE'));
    await vault.unlock(NEW_PASSPHRASE);
    expect(publicOfPrivate(vault, key.id)).toBe(publicLine(plainKeyPath).split(' ').slice(0, 2).join(' '));
    expect(vault.getServerPassword(serverId)).toBe('hunter2 hunter2');
  });

  it('applies only one of two passphrase changes that race, and says so to the other', async () => {
    const { vault } = await unlockedVault();
    const results = await Promise.allSettled([vault.changePassphrase(PASSPHRASE, NEW_PASSPHRASE), vault.changePassphrase(PASSPHRASE, 'a third passphrase')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((result) => result.status === 'rejected');
    expect(isVaultError('CONFLICT', /changed elsewhere/)(rejected?.reason)).toBe(true);
  });

  it('is locked again when the database is reopened, and unlocks to the same keys', async () => {
    const first = await unlockedVault();
    const key = first.vault.importKey({ name: 'deploy', text: keyText(encryptedKeyPath), passphrase: KEY_PASSPHRASE });
    const storedKey = first.vault.withPrivateKey(key.id, (privateKey) => Buffer.from(privateKey));
    closeDb(first.db);

    const { vault } = openVault();
    expect(vault.status()).toEqual({ state: 'locked', wrapping: 'passphrase' });
    expect(vault.listKeys()).toEqual([key]);
    expectThrows(() => vault.withPrivateKey(key.id, () => 'used'), 'LOCKED');
    await vault.unlock(PASSPHRASE);
    expect(vault.withPrivateKey(key.id, (privateKey) => privateKey.equals(storedKey))).toBe(true);
  });

  it('stays locked when lock() comes while an unlock is still deriving its key', async () => {
    const { vault } = await unlockedVault();
    vault.lock();
    const unlocking = vault.unlock(PASSPHRASE);
    vault.lock();
    await expect(unlocking).rejects.toSatisfy(isVaultError('LOCKED', /locked while it was being unlocked/));
    expect(vault.status().state).toBe('locked');
  });

  it('raises scrypt settings below today\'s cost the next time the passphrase unlocks it', async () => {
    const db = openDb();
    const weak = await wrapWithPassphrase(newDataKey(), PASSPHRASE, { N: 2 ** 14, r: 8, p: 1 });
    db.prepare("INSERT INTO vault VALUES (1, 'passphrase', ?, ?, 'then', 'then')").run(weak.kdf, weak.wrappedKey);
    const vault = new Vault(db);

    await vault.unlock(PASSPHRASE);
    expect(JSON.parse(vaultRow(db).kdf ?? '')).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    vault.lock();
    await vault.unlock(PASSPHRASE);
    expect(vault.status().state).toBe('unlocked');
  });

  it('keeps no private key, passphrase or password in the database file or its write-ahead log', async () => {
    const { db, vault } = await unlockedVault();
    const serverId = createServer(db, 'web-1');
    const plain = vault.importKey({ name: 'plain', text: keyText(plainKeyPath) });
    const encrypted = vault.importKey({ name: 'encrypted', text: keyText(encryptedKeyPath), passphrase: KEY_PASSPHRASE });
    const generated = await vault.generateKey({ name: 'generated' });
    const password = 'server password 7f3a';
    vault.setServerPassword(serverId, password);

    // What must never be stored: each key file's base64 body and its decoded bytes, the stored form of
    // every key (body and decoded), each key's private scalar, and every passphrase and password.
    const forbidden: Array<[string, Buffer]> = [
      ['vault passphrase', Buffer.from(PASSPHRASE)],
      ['key passphrase', Buffer.from(KEY_PASSPHRASE)],
      ['server password', Buffer.from(password)],
    ];
    const addKeyText = (label: string, text: string) => {
      const body = text.split('\n').filter((line) => line && !line.startsWith('-----'));
      forbidden.push([`${label}: base64 body`, Buffer.from(body.join(''))]);
      forbidden.push([`${label}: decoded body`, Buffer.from(body.join(''), 'base64')]);
      body.forEach((line, index) => forbidden.push([`${label}: base64 line ${index + 1}`, Buffer.from(line)]));
    };
    addKeyText('plain key file', keyText(plainKeyPath));
    for (const key of [plain, encrypted, generated]) {
      const text = vault.withPrivateKey(key.id, (privateKey) => privateKey.toString('latin1'));
      addKeyText(`stored ${key.name}`, text);
      const parsed = ssh2.utils.parseKey(text);
      if (parsed instanceof Error) throw parsed;
      const seed = createPrivateKey(parsed.getPrivatePEM()).export({ format: 'jwk' }).d ?? '';
      forbidden.push([`${key.name}: private scalar`, Buffer.from(seed, 'base64url')]);
    }

    const check = () => {
      const bytes = storedBytes();
      // The search itself works: public data of the same rows is found.
      expect(bytes.includes(Buffer.from(plain.publicKey))).toBe(true);
      expect(forbidden.filter(([, value]) => bytes.includes(value)).map(([label]) => label)).toEqual([]);
    };
    // First while the rows are still only in the write-ahead log, then once they are in the main file.
    expect(readFileSync(`${dbPath}-wal`).length).toBeGreaterThan(0);
    check();
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(dbPath).includes(Buffer.from(plain.publicKey))).toBe(true);
    check();
  });

  it('lists keys with public data only', async () => {
    const { vault } = await unlockedVault();
    vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    await vault.generateKey({ name: 'made here', type: 'ed25519' });
    const keys = vault.listKeys();
    expect(keys.map((key) => key.name)).toEqual(['deploy', 'made here']);
    for (const key of keys) expect(Object.keys(key).sort()).toEqual(['bits', 'comment', 'createdAt', 'fingerprint', 'id', 'name', 'publicKey', 'type']);
    const listed = JSON.stringify(keys);
    expect(listed).not.toMatch(/PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
    const body = keyText(plainKeyPath).split('\n')[1];
    expect(listed.includes(body)).toBe(false);
    expect(keys[0]).toMatchObject({ type: 'ssh-ed25519', bits: 256, comment: 'plain@test', publicKey: publicLine(plainKeyPath) });
  });

  it('generates Ed25519 by default, with the name as comment unless one is given', async () => {
    const { vault } = await unlockedVault();
    const named = await vault.generateKey({ name: 'laptop' });
    const commented = await vault.generateKey({ name: 'ci', comment: 'ci@example.com' });
    expect(named).toMatchObject({ type: 'ssh-ed25519', bits: 256, comment: 'laptop', publicKey: expect.stringMatching(/^ssh-ed25519 \S+ laptop$/) });
    expect(commented.comment).toBe('ci@example.com');
    expect(publicOfPrivate(vault, named.id)).toBe(named.publicKey.split(' ').slice(0, 2).join(' '));
    await expect(vault.generateKey({ name: 'x', type: 'dsa' as 'rsa' })).rejects.toSatisfy(isVaultError('INVALID_INPUT', /"ed25519" or "rsa"/));
  });

  it('refuses a second key with the same name or the same fingerprint, naming the key already there', async () => {
    const { vault } = await unlockedVault();
    const first = vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    expectThrows(() => vault.importKey({ name: 'DEPLOY', text: keyText(ecdsaKeyPath) }), 'DUPLICATE_NAME', /A key named "deploy" is already in the vault/);
    expectThrows(() => vault.importKey({ name: 'other', text: keyText(plainKeyPath) }), 'DUPLICATE_KEY', new RegExp(`\\(${first.fingerprint.replace(/[+/]/g, '\\$&')}\\) is already in the vault as "deploy"`));
    await expect(vault.generateKey({ name: ' Deploy ' })).rejects.toSatisfy(isVaultError('DUPLICATE_NAME', /"deploy"/));
    expect(vault.listKeys()).toEqual([first]);
  });

  it('checks names and key text before doing anything', async () => {
    const { vault } = await unlockedVault();
    expectThrows(() => vault.importKey({ name: '  ', text: keyText(plainKeyPath) }), 'INVALID_INPUT', /key name is required/);
    expectThrows(() => vault.importKey({ name: 'a\nb', text: keyText(plainKeyPath) }), 'INVALID_INPUT', /one line/);
    expectThrows(() => vault.importKey({ name: 'a', text: '' }), 'INVALID_INPUT', /Paste the private key/);
    expectThrows(() => vault.importKey({ name: 'a', text: 'x'.repeat(70_000) }), 'INVALID_INPUT', /far larger than any private key/);
    expectThrows(() => vault.importKey({ name: 'a', text: publicLine(plainKeyPath) }), 'NOT_A_PRIVATE_KEY');
    expectThrows(() => vault.importKey({ name: 'a', text: keyText(encryptedKeyPath) }), 'PASSPHRASE_REQUIRED');
    expectThrows(() => vault.importKey({ name: 'a', text: keyText(encryptedKeyPath), passphrase: 'wrong one' }), 'WRONG_PASSPHRASE');
    expect(vault.listKeys()).toEqual([]);
  });

  it('deletes keys, and says when an id is unknown', async () => {
    const { vault } = await unlockedVault();
    const key = vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    vault.deleteKey(key.id);
    expect(vault.listKeys()).toEqual([]);
    expectThrows(() => vault.deleteKey(key.id), 'KEY_NOT_FOUND', /No key with the id/);
    expectThrows(() => vault.withPrivateKey(key.id, () => 'used'), 'KEY_NOT_FOUND');
    // Deleted keys can come back under their old name.
    expect(vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) }).fingerprint).toBe(key.fingerprint);
  });

  it('wipes the decrypted key once withPrivateKey returns, even when the caller throws', async () => {
    const { vault } = await unlockedVault();
    const key = vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });
    let seen: Buffer | undefined;
    const result = vault.withPrivateKey(key.id, (privateKey) => {
      seen = privateKey;
      expect(privateKey.toString('latin1')).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
      return 'connected';
    });
    expect(result).toBe('connected');
    expect(seen?.every((byte) => byte === 0)).toBe(true);

    expect(() =>
      vault.withPrivateKey(key.id, (privateKey) => {
        seen = privateKey;
        throw new Error('connect failed');
      }),
    ).toThrow('connect failed');
    expect(seen?.every((byte) => byte === 0)).toBe(true);
  });

  it('saves, replaces and clears server passwords, bound to their server', async () => {
    const { db, vault } = await unlockedVault();
    const web = createServer(db, 'web-1');
    const db2 = createServer(db, 'db-1');
    expect(vault.getServerPassword(web)).toBeUndefined();
    vault.setServerPassword(web, 'first');
    vault.setServerPassword(web, 'pässwörd ✓');
    expect(vault.getServerPassword(web)).toBe('pässwörd ✓');
    expectThrows(() => vault.setServerPassword('no-such-server', 'x'), 'SERVER_NOT_FOUND', /No server has the id no-such-server/);
    expectThrows(() => vault.setServerPassword(web, ''), 'INVALID_INPUT', /clear it instead/);

    // A secret copied into another server's row does not decrypt there.
    db.prepare("INSERT INTO server_secrets SELECT ?, kind, secret, updated_at FROM server_secrets WHERE server_id = ?").run(db2, web);
    expectThrows(() => vault.getServerPassword(db2), 'DAMAGED', /could not decrypt the saved password/);

    vault.lock();
    vault.clearServerPassword(web);
    await vault.unlock(PASSPHRASE);
    expect(vault.getServerPassword(web)).toBeUndefined();
  });

  it('does not decrypt a private key moved to another key\'s row', async () => {
    const { db, vault } = await unlockedVault();
    const one = vault.importKey({ name: 'one', text: keyText(plainKeyPath) });
    const two = vault.importKey({ name: 'two', text: keyText(ecdsaKeyPath) });
    db.prepare('UPDATE keys SET secret = (SELECT secret FROM keys WHERE id = ?) WHERE id = ?').run(one.id, two.id);
    expectThrows(() => vault.withPrivateKey(two.id, () => 'used'), 'DAMAGED', /could not decrypt the private key "two"/);
    expect(publicOfPrivate(vault, one.id)).toBe(one.publicKey.split(' ').slice(0, 2).join(' '));
  });
});

describe('Vault with the OS keychain', () => {
  it('is set up, locked and unlocked through the keychain, without a passphrase', async () => {
    const keychain = new TestKeychain();
    const { db, vault } = openVault(keychain);
    await vault.initialize({ keychain: true });
    expect(vault.status()).toEqual({ state: 'unlocked', wrapping: 'keychain' });
    expect(vaultRow(db).kdf).toBeNull();
    const key = vault.importKey({ name: 'deploy', text: keyText(plainKeyPath) });

    vault.lock();
    await expect(vault.unlock(PASSPHRASE)).rejects.toSatisfy(isVaultError('WRONG_WRAPPING', /protected by the OS keychain/));
    await vault.unlockWithKeychain();
    expect(publicOfPrivate(vault, key.id)).toBe(key.publicKey.split(' ').slice(0, 2).join(' '));
    await expect(vault.changePassphrase(PASSPHRASE, NEW_PASSPHRASE)).rejects.toSatisfy(isVaultError('WRONG_WRAPPING'));
  });

  it('wraps the key again when the keychain asks for it', async () => {
    const keychain = new TestKeychain();
    const { db, vault } = openVault(keychain);
    await vault.initialize({ keychain: true });
    const before = vaultRow(db).wrapped_key;
    vault.lock();
    keychain.askRewrap = true;
    await vault.unlockWithKeychain();
    expect(vaultRow(db).wrapped_key.equals(before)).toBe(false);
    keychain.askRewrap = false;
    vault.lock();
    await vault.unlockWithKeychain();
    expect(vault.status().state).toBe('unlocked');
  });

  it('explains a missing or failing keychain', async () => {
    const none = openVault();
    await expect(none.vault.initialize({ keychain: true })).rejects.toSatisfy(isVaultError('KEYCHAIN_UNAVAILABLE', /with a passphrase instead/));
    expect(none.vault.status().state).toBe('uninitialized');
    closeDb(none.db);

    const keychain = new TestKeychain();
    const { db, vault } = openVault(keychain);
    await vault.initialize({ keychain: true });
    vault.lock();
    keychain.failUnwrap = true;
    await expect(vault.unlockWithKeychain()).rejects.toSatisfy(isVaultError('KEYCHAIN_FAILED', /could not decrypt the vault's key \(the keyring is locked\)/));
    expect(vault.status().state).toBe('locked');
    await expect(new Vault(db).unlockWithKeychain()).rejects.toSatisfy(isVaultError('KEYCHAIN_UNAVAILABLE'));
  });

  it('refuses the keychain for a passphrase vault', async () => {
    const { vault } = await unlockedVault(new TestKeychain());
    vault.lock();
    await expect(vault.unlockWithKeychain()).rejects.toSatisfy(isVaultError('WRONG_WRAPPING', /protected by a passphrase/));
  });
});
