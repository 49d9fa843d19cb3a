import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeyInfo, Result, Server } from '../../preload/api';
import { openServices, type MainServices } from '../services';
import { run } from '../ssh/testing/run';
import { openLifelineStore } from '../store';
import { dispatch } from './requests';
import { forwardEvents } from './service';

const VAULT_PASSPHRASE = 'vault passphrase one';
const NEW_VAULT_PASSPHRASE = 'vault passphrase two';
const KEY_PASSPHRASE = 'key file passphrase';
const SERVER_PASSWORD = 'server password 42';

let keysDir: string;
let encryptedKey: string;
let plainKey: string;

// Keys made by the real ssh-keygen, as users bring them.
beforeAll(async () => {
  keysDir = mkdtempSync(join(tmpdir(), 'lifeline-api-keys-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', KEY_PASSPHRASE, '-C', 'encrypted@test', '-f', join(keysDir, 'encrypted')]);
  await run('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-C', 'plain@test', '-f', join(keysDir, 'plain')]);
  encryptedKey = readFileSync(join(keysDir, 'encrypted'), 'utf8');
  plainKey = readFileSync(join(keysDir, 'plain'), 'utf8');
});

afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

let dir: string;
let services: MainServices;
/** Every result and every event payload, as the transports would send them. */
let transcript: string[];
let stopForwarding: () => void;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-api-vault-'));
  services = openServices({ dataDir: dir, mode: 'web' });
  transcript = [];
  stopForwarding = forwardEvents(services.service, (name, value) => transcript.push(JSON.stringify({ name, value })));
});

afterEach(async () => {
  stopForwarding();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call<T = unknown>(method: string, ...args: unknown[]): Promise<Result<T>> {
  const result = (await dispatch(services.service, method, args)) as Result<T>;
  transcript.push(JSON.stringify(result));
  return result;
}

async function value<T>(method: string, ...args: unknown[]): Promise<T> {
  const result = await call<T>(method, ...args);
  if (!result.ok) throw new Error(`${method} failed: ${result.code} ${result.message}`);
  return result.value;
}

const setUp = () => value('initializeVault', { passphrase: VAULT_PASSPHRASE });

async function fingerprintOfFile(path: string): Promise<string> {
  return (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', path])).split(' ')[1];
}

describe('vault through the contract', () => {
  it('is set up once, with a passphrase of at least 8 characters, and says what to do otherwise', async () => {
    expect(await call('getVaultStatus')).toEqual({ ok: true, value: { state: 'uninitialized', wrapping: null, keychainAvailable: false } });
    expect(await call('generateKey', { name: 'k' })).toMatchObject({ ok: false, code: 'VAULT_NOT_INITIALIZED', message: expect.stringContaining('Set it up first') });

    const short = await call('initializeVault', { passphrase: 'short' });
    expect(short).toMatchObject({ ok: false, code: 'VALIDATION', fields: { passphrase: expect.stringContaining('at least 8 characters') } });
    expect(await call('initializeVault', { keychain: true })).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('passphrase instead') });
    expect(await call('initializeVault', { passphrase: VAULT_PASSPHRASE, keychain: true })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });

    expect(await call('initializeVault', { passphrase: VAULT_PASSPHRASE })).toEqual({
      ok: true,
      value: { state: 'unlocked', wrapping: 'passphrase', keychainAvailable: false },
    });
    expect(await call('initializeVault', { passphrase: NEW_VAULT_PASSPHRASE })).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('already set up') });
    expect(transcript.filter((line) => line.includes('vaultChanged'))).toHaveLength(1);
  });

  it('locks, refuses a wrong passphrase without changing anything, unlocks, and announces each change', async () => {
    await setUp();
    expect(await value('lockVault')).toMatchObject({ state: 'locked' });
    expect(await call('generateKey', { name: 'k' })).toMatchObject({ ok: false, code: 'VAULT_LOCKED', message: expect.stringContaining('Unlock the vault first') });
    expect(await call('unlockVault', 'not the passphrase')).toMatchObject({ ok: false, code: 'WRONG_PASSPHRASE', message: expect.stringContaining('stays locked') });
    expect(await call('unlockVault', '')).toMatchObject({ ok: false, code: 'VALIDATION', fields: { passphrase: 'Enter the passphrase' } });
    expect(await call('unlockVault', null)).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('unlock it with its passphrase') });
    expect(await value('getVaultStatus')).toMatchObject({ state: 'locked' });
    expect(await value('unlockVault', VAULT_PASSPHRASE)).toMatchObject({ state: 'unlocked' });

    const states = transcript.filter((line) => line.startsWith('{"name":"vaultChanged"')).map((line) => JSON.parse(line).value.state);
    expect(states).toEqual(['unlocked', 'locked', 'unlocked']);
  });

  it('changes the passphrase: the old one stops working, the new one unlocks', async () => {
    await setUp();
    expect(await call('changeVaultPassphrase', 'wrong one', NEW_VAULT_PASSPHRASE)).toMatchObject({ ok: false, code: 'WRONG_PASSPHRASE' });
    expect(await call('changeVaultPassphrase', VAULT_PASSPHRASE, 'short')).toMatchObject({ ok: false, code: 'VALIDATION', fields: { next: expect.stringContaining('at least 8') } });
    await value('changeVaultPassphrase', VAULT_PASSPHRASE, NEW_VAULT_PASSPHRASE);
    await value('lockVault');
    expect(await call('unlockVault', VAULT_PASSPHRASE)).toMatchObject({ ok: false, code: 'WRONG_PASSPHRASE' });
    expect(await value('unlockVault', NEW_VAULT_PASSPHRASE)).toMatchObject({ state: 'unlocked' });
  });

  it('generates ed25519 by default and lists keys while locked', async () => {
    await setUp();
    const key = await value<KeyInfo>('generateKey', { name: 'deploy' });
    expect(key).toEqual({
      id: expect.any(String),
      name: 'deploy',
      type: 'ssh-ed25519',
      bits: 256,
      comment: 'deploy',
      fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/),
      publicKey: expect.stringMatching(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA\S+ deploy$/),
      createdAt: expect.any(String),
    });
    expect(Object.keys(key).sort()).toEqual(['bits', 'comment', 'createdAt', 'fingerprint', 'id', 'name', 'publicKey', 'type']);
    await value('lockVault');
    expect(await value('listKeys')).toEqual([key]);
    expect(transcript.filter((line) => line.startsWith('{"name":"keysChanged"')).map((line) => JSON.parse(line).value)).toEqual([[key]]);
  });

  it('imports an encrypted key only with its passphrase, which the user is asked for', async () => {
    await setUp();
    expect(await call('importKey', { name: 'old', text: encryptedKey })).toMatchObject({ ok: false, code: 'PASSPHRASE_REQUIRED' });
    expect(await call('importKey', { name: 'old', text: encryptedKey, passphrase: 'nope' })).toMatchObject({ ok: false, code: 'WRONG_PASSPHRASE' });
    const key = await value<KeyInfo>('importKey', { name: 'old', text: encryptedKey, passphrase: KEY_PASSPHRASE });
    expect(key).toMatchObject({ type: 'ssh-ed25519', comment: 'encrypted@test', fingerprint: await fingerprintOfFile(join(keysDir, 'encrypted.pub')) });
  });

  it('maps refusals of key text and names to the contract codes, with the field to fix', async () => {
    await setUp();
    await value('importKey', { name: 'plain', text: plainKey });
    expect(await call('importKey', { name: 'Plain', text: encryptedKey, passphrase: KEY_PASSPHRASE })).toMatchObject({
      ok: false,
      code: 'DUPLICATE_NAME',
      fields: { name: 'This name is already used by another key' },
    });
    expect(await call('importKey', { name: 'again', text: plainKey })).toMatchObject({
      ok: false,
      code: 'DUPLICATE_NAME',
      message: expect.stringContaining('already in the vault as "plain"'),
      fields: { text: expect.stringContaining('already in the vault') },
    });
    const publicKey = readFileSync(join(keysDir, 'plain.pub'), 'utf8');
    expect(await call('importKey', { name: 'pub', text: publicKey })).toMatchObject({ ok: false, code: 'UNSUPPORTED_KEY' });
    expect(await call('importKey', { name: 'junk', text: 'hello' })).toMatchObject({ ok: false, code: 'UNSUPPORTED_KEY' });
    expect(await call('generateKey', { name: '', type: 'dsa' })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { name: 'The key name is required', type: expect.stringContaining('ed25519') } });
    expect(await call('deleteKey', 'no-such-key')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });

  it('refuses to delete a key a server logs in with, naming the server', async () => {
    await setUp();
    const key = await value<KeyInfo>('generateKey', { name: 'deploy' });
    const server = await value<Server>('createServer', { name: 'web-1', host: 'web-1.example.com', user: 'ops', auth: 'key', keyId: key.id });
    expect(await call('deleteKey', key.id)).toMatchObject({ ok: false, code: 'CONFLICT', message: expect.stringContaining('"web-1" logs in') });
    expect(await value('listKeys')).toHaveLength(1);
    await value('updateServer', server.id, { name: 'web-1', host: 'web-1.example.com', user: 'ops', auth: 'agent', keyId: key.id });
    expect(await call('deleteKey', key.id)).toEqual({ ok: true, value: { id: key.id } });
    expect(await value('listKeys')).toEqual([]);
  });

  it('saves and forgets a server password, never returning it', async () => {
    const server = await value<Server>('createServer', { name: 'web-1', host: 'web-1.example.com', user: 'ops', auth: 'password' });
    expect(await call('setServerPassword', server.id, SERVER_PASSWORD)).toMatchObject({ ok: false, code: 'VAULT_NOT_INITIALIZED' });
    await setUp();
    expect(await call('setServerPassword', 'missing', SERVER_PASSWORD)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    expect(await call('setServerPassword', server.id, '')).toMatchObject({ ok: false, code: 'VALIDATION', fields: { password: expect.any(String) } });
    expect(await call('setServerPassword', server.id, SERVER_PASSWORD)).toEqual({ ok: true, value: { serverId: server.id, saved: true } });

    // Read back with a second, real store on the same file: the password is really there.
    const store = openLifelineStore(dir);
    try {
      await store.vault.unlock(VAULT_PASSPHRASE);
      expect(store.vault.getServerPassword(server.id)).toBe(SERVER_PASSWORD);
      expect(await call('setServerPassword', server.id, null)).toEqual({ ok: true, value: { serverId: server.id, saved: false } });
      expect(store.vault.getServerPassword(server.id)).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('never sends private key material, passphrases or passwords in any result or event', async () => {
    await setUp();
    const generated = await value<KeyInfo>('generateKey', { name: 'gen' });
    await call('importKey', { name: 'enc', text: encryptedKey });
    await call('importKey', { name: 'enc', text: encryptedKey, passphrase: 'wrong' });
    await call('importKey', { name: 'enc', text: encryptedKey, passphrase: KEY_PASSPHRASE });
    const plain = await value<KeyInfo>('importKey', { name: 'plain', text: plainKey });
    await call('importKey', { name: 'plain-again', text: plainKey });
    await call('generateKey', { name: 'rsa', type: 'rsa' });
    await call('listKeys');
    const server = await value<Server>('createServer', { name: 'web-1', host: 'web-1.example.com', user: 'ops', auth: 'key', keyId: plain.id });
    await call('setServerPassword', server.id, SERVER_PASSWORD);
    await call('listTrustedHostKeys', server.id);
    await call('changeVaultPassphrase', 'wrong passphrase', NEW_VAULT_PASSPHRASE);
    await call('changeVaultPassphrase', VAULT_PASSPHRASE, NEW_VAULT_PASSPHRASE);
    await call('lockVault');
    await call('unlockVault', VAULT_PASSPHRASE);
    await call('unlockVault', NEW_VAULT_PASSPHRASE);
    await call('getVaultStatus');
    await call('initializeVault', { passphrase: VAULT_PASSPHRASE });
    await call('deleteKey', generated.id);

    // The generated key's private half, read from the vault the way SSH code reads it.
    const store = openLifelineStore(dir);
    let generatedPrivate: string;
    try {
      const listed = store.vault.listKeys().find((key) => key.name === 'rsa');
      if (!listed) throw new Error('the RSA key was not stored');
      await store.vault.unlock(NEW_VAULT_PASSPHRASE);
      generatedPrivate = store.vault.withPrivateKey(listed.id, (privateKey) => privateKey.toString('utf8'));
    } finally {
      store.close();
    }

    const all = transcript.join('\n');
    expect(transcript.length).toBeGreaterThan(25);
    for (const [label, secret] of Object.entries({ VAULT_PASSPHRASE, NEW_VAULT_PASSPHRASE, KEY_PASSPHRASE, SERVER_PASSWORD })) {
      expect(all.includes(secret), label).toBe(false);
    }
    for (const [label, pem] of Object.entries({ encryptedKey, plainKey, generatedPrivate })) {
      const lines = pem.trim().split('\n').slice(1, -1);
      const body = lines.join('');
      const raw = Buffer.from(body, 'base64');
      expect(raw.length, label).toBeGreaterThan(100);
      expect(all.includes(body), `${label}: base64 body`).toBe(false);
      // The last lines hold the private part (the first ones also hold the public key, which may be shown).
      for (const line of lines.slice(-2)) expect(all.includes(line), `${label}: body line`).toBe(false);
      expect(all.includes(raw.toString('hex')), `${label}: raw bytes as hex`).toBe(false);
      expect(all.includes(raw.toString('latin1')), `${label}: raw bytes`).toBe(false);
      expect(all.includes([...raw].join(',')), `${label}: raw bytes as a JSON Buffer`).toBe(false);
    }
  });
});

describe('trusted host keys through the contract', () => {
  it('lists and forgets the keys remembered for a server, by its host and port', async () => {
    const server = await value<Server>('createServer', { name: 'web-1', host: 'web-1.example.com', port: 2222, user: 'ops' });
    const pub = readFileSync(join(keysDir, 'plain.pub'), 'utf8').trim().split(' ');
    const fingerprint = await fingerprintOfFile(join(keysDir, 'plain.pub'));
    const store = openLifelineStore(dir);
    try {
      expect(store.trustedHostKeys.remember('web-1.example.com', 2222, pub[0], pub[1], fingerprint)).toBe('remembered');
      expect(store.trustedHostKeys.remember('web-1.example.com', 22, pub[0], pub[1], fingerprint)).toBe('remembered');
    } finally {
      store.close();
    }

    expect(await call('listTrustedHostKeys', server.id)).toEqual({
      ok: true,
      value: [{ host: 'web-1.example.com', port: 2222, keyType: 'ecdsa-sha2-nistp256', fingerprint, addedAt: expect.any(String) }],
    });
    expect(await call('forgetTrustedHostKey', server.id, 'ssh-ed25519')).toEqual({ ok: true, value: { forgotten: 0 } });
    expect(await call('forgetTrustedHostKey', server.id, 'ecdsa-sha2-nistp256')).toEqual({ ok: true, value: { forgotten: 1 } });
    expect(await call('listTrustedHostKeys', server.id)).toEqual({ ok: true, value: [] });
    expect(await call('forgetTrustedHostKey', server.id, 'not a key type')).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await call('listTrustedHostKeys', 'missing')).toMatchObject({ ok: false, code: 'NOT_FOUND' });
  });
});

describe('prompts through the contract', () => {
  it('announces a pending question to every client and takes the answer by id', async () => {
    const answer = services.service.prompts.askHostKey({ host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:x', otherKeys: [] }, null);
    const [prompt] = services.service.prompts.list();
    expect(transcript).toEqual([JSON.stringify({ name: 'promptsChanged', value: [prompt] })]);
    expect(await call('answerPrompt', prompt.id, { kind: 'host-key', decision: 'maybe' })).toMatchObject({ ok: false });
    expect(await call('answerPrompt', prompt.id, { kind: 'host-key', decision: 'once' })).toEqual({ ok: true, value: { id: prompt.id } });
    await expect(answer).resolves.toBe('once');
  });

  it('cancels what is still pending when the services close', async () => {
    const answer = services.service.prompts.askCredentials({ name: 'login', instructions: '', prompts: [{ prompt: 'Password:', echo: false }] }, 's');
    void services.close();
    await expect(answer).resolves.toBeNull();
  });
});
