import { randomUUID } from 'node:crypto';
import type { Database } from '../../agent/store/sqlite';
import { isWeakerThanDefaults, newDataKey, seal, unseal, unwrapWithPassphrase, wrapWithPassphrase, type KeyWrapper } from './crypto';
import { lockedError, VaultError } from './errors';
import { generateKeyMaterial, importKeyMaterial, type KeyMaterial, type PublicKeyInfo, type SshKeyType } from './keys';
import {
  agentTokenSchema,
  checked,
  generateKeyInputSchema,
  idSchema,
  importKeyInputSchema,
  newPassphraseSchema,
  serverPasswordSchema,
  unlockPassphraseSchema,
  type GenerateKeyInput,
  type ImportKeyInput,
} from './rules';
import { VaultTables, type KeyRow, type ServerSecretKind, type VaultRow, type Wrapping } from './vault-tables';

/** A key as the vault shows it: public data only. */
export interface VaultKey extends PublicKeyInfo {
  id: string;
  name: string;
  createdAt: string;
}

export interface VaultStatus {
  state: 'uninitialized' | 'locked' | 'unlocked';
  wrapping: Wrapping | null;
}

export type InitializeOptions = { passphrase: string } | { keychain: true };

/**
 * The key vault of one installation: private keys, saved server passwords and agent tokens, encrypted at rest under
 * a data key that is held in memory only while the vault is unlocked. Nothing it returns contains a
 * secret, except `withPrivateKey`, `getServerPassword`, `getAgentToken` and `serverSecretValues`, which are for main-side code only.
 */
export class Vault {
  private readonly tables: VaultTables;
  private dataKey: Buffer | undefined;
  // Counts lock() calls: an unlock still deriving its key when the user locks must not unlock after it.
  private locks = 0;

  constructor(
    db: Database,
    private readonly keychain?: KeyWrapper,
  ) {
    this.tables = new VaultTables(db);
  }

  status(): VaultStatus {
    const row = this.tables.vault();
    if (!row) return { state: 'uninitialized', wrapping: null };
    return { state: this.dataKey ? 'unlocked' : 'locked', wrapping: row.wrapping };
  }

  /** Sets the vault up with a new data key, protected by a passphrase or the OS keychain; it is then unlocked. */
  async initialize(options: InitializeOptions): Promise<void> {
    const passphrase = 'passphrase' in options ? checked(newPassphraseSchema, options.passphrase, 'passphrase') : undefined;
    this.refuseIfInitialized();
    const locks = this.locks;
    const dataKey = newDataKey();
    try {
      let row: VaultRow;
      if (passphrase !== undefined) {
        const wrapping = await wrapWithPassphrase(dataKey, passphrase);
        row = { wrapping: 'passphrase', kdf: wrapping.kdf, wrapped_key: wrapping.wrappedKey };
      } else {
        row = { wrapping: 'keychain', kdf: null, wrapped_key: await this.keychainWrap(dataKey) };
      }
      if (!this.tables.insertVault(row)) throw alreadyInitialized(this.tables.vault()?.wrapping ?? row.wrapping);
    } catch (error) {
      dataKey.fill(0);
      throw error;
    }
    this.install(dataKey, locks);
  }

  /** Unlocks a passphrase vault. A wrong passphrase throws WRONG_PASSPHRASE and changes nothing. */
  async unlock(passphrase: string): Promise<void> {
    checked(unlockPassphraseSchema, passphrase, 'passphrase');
    const row = this.requireWrapping('passphrase');
    const locks = this.locks;
    const dataKey = await this.unwrapPassphrase(row, passphrase, 'The passphrase is wrong; the vault stays locked. Check Caps Lock and the keyboard layout, then try again.');
    try {
      // Stored parameters are raised to today's cost the first time the passphrase is at hand. Losing
      // the race to another writer is fine: that writer wrapped the same data key.
      if (isWeakerThanDefaults(row.kdf ?? '')) this.tables.rewrap(row.wrapped_key, await wrapWithPassphrase(dataKey, passphrase));
    } catch (error) {
      dataKey.fill(0);
      throw error;
    }
    this.install(dataKey, locks);
  }

  async unlockWithKeychain(): Promise<void> {
    const row = this.requireWrapping('keychain');
    const keychain = this.requireKeychain();
    const locks = this.locks;
    let unwrapped: { dataKey: Buffer; rewrap: boolean };
    try {
      unwrapped = await keychain.unwrap(row.wrapped_key);
    } catch (error) {
      throw keychainFailure(error, 'decrypt');
    }
    const { dataKey } = unwrapped;
    try {
      if (unwrapped.rewrap) this.tables.rewrap(row.wrapped_key, { kdf: null, wrappedKey: await this.keychainWrap(dataKey) });
    } catch (error) {
      dataKey.fill(0);
      throw error;
    }
    this.install(dataKey, locks);
  }

  /** Forgets the data key; secrets stay unreadable until the next unlock. */
  lock(): void {
    this.locks += 1;
    this.dataKey?.fill(0);
    this.dataKey = undefined;
  }

  /**
   * Wraps the same data key under a new passphrase. The secrets themselves are not touched, so a
   * failure at any point leaves the vault as it was, under the current passphrase.
   */
  async changePassphrase(current: string, next: string): Promise<void> {
    checked(unlockPassphraseSchema, current, 'current');
    checked(newPassphraseSchema, next, 'next');
    const row = this.requireWrapping('passphrase');
    const dataKey = await this.unwrapPassphrase(row, current, 'The current passphrase is wrong; nothing was changed. Check Caps Lock and the keyboard layout, then try again.');
    try {
      const replaced = this.tables.rewrap(row.wrapped_key, await wrapWithPassphrase(dataKey, next));
      if (!replaced) {
        throw new VaultError('CONFLICT', 'The passphrase was changed elsewhere (another Lifeline window or the command line) while this change ran, so this one was not applied. Try again with the passphrase now in effect.');
      }
    } finally {
      dataKey.fill(0);
    }
  }

  async generateKey(input: GenerateKeyInput): Promise<VaultKey> {
    const { name, type, comment } = checked(generateKeyInputSchema, input, 'key');
    this.requireDataKey('generating a key');
    this.refuseTakenName(name);
    return this.store(name, await generateKeyMaterial(type, comment ?? name));
  }

  /** Imports a private key from a key file's text; `passphrase` decrypts it once and is not kept. */
  importKey(input: ImportKeyInput): VaultKey {
    const { name, text, passphrase } = checked(importKeyInputSchema, input, 'key');
    this.requireDataKey('importing a key');
    this.refuseTakenName(name);
    return this.store(name, importKeyMaterial(text, passphrase));
  }

  /** Every key's public data; works while the vault is locked. */
  listKeys(): VaultKey[] {
    return this.tables.keys().map(toVaultKey);
  }

  deleteKey(id: string): void {
    if (!this.tables.deleteKey(checked(idSchema, id, 'id'))) throw keyNotFound(id);
  }

  /**
   * Hands the decrypted private key (an unencrypted OpenSSH key file, which ssh2 reads as
   * `privateKey`) to `use`, and wipes it when `use` returns: `use` must be done with it by then, so it
   * is synchronous — ssh2's `connect()` parses the key before it returns. For main-side SSH code only.
   */
  // The conditional type makes an async `use` a compile error: it would read the key after the wipe.
  withPrivateKey<T>(id: string, use: (privateKey: Buffer) => T extends PromiseLike<unknown> ? never : T): T {
    const dataKey = this.requireDataKey('using a private key');
    const row = this.tables.keySecret(checked(idSchema, id, 'id'));
    if (!row) throw keyNotFound(id);
    const privateKey = unseal(dataKey, row.secret, keyContext(id));
    if (!privateKey) throw undecryptable(`the private key "${row.name}"`);
    try {
      return use(privateKey);
    } finally {
      privateKey.fill(0);
    }
  }

  setServerPassword(serverId: string, password: string): void {
    checked(idSchema, serverId, 'serverId');
    const plaintext = Buffer.from(checked(serverPasswordSchema, password, 'password'), 'utf8');
    try {
      const secret = seal(this.requireDataKey('saving a password'), plaintext, secretContext(serverId, 'password'));
      if (!this.tables.setServerSecret(serverId, 'password', secret)) {
        throw new VaultError('SERVER_NOT_FOUND', `No server has the id ${serverId} (it may have been deleted), so its password was not saved. Refresh the list of servers.`);
      }
    } finally {
      plaintext.fill(0);
    }
  }

  /** The saved password of a server, or undefined when none is saved. For main-side SSH code only. */
  getServerPassword(serverId: string): string | undefined {
    checked(idSchema, serverId, 'serverId');
    const dataKey = this.requireDataKey('using a saved password');
    const secret = this.tables.serverSecret(serverId, 'password');
    if (!secret) return undefined;
    const plaintext = unseal(dataKey, secret, secretContext(serverId, 'password'));
    if (!plaintext) throw undecryptable('the saved password of this server');
    try {
      // ssh2 takes the password as a string, which cannot be wiped; the buffer it came from is.
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  /** Forgets a server's saved password; works while the vault is locked. */
  clearServerPassword(serverId: string): void {
    this.tables.clearServerSecret(checked(idSchema, serverId, 'serverId'), 'password');
  }

  /** Saves the token of the server's agent socket bridge, sealed like a password. */
  setAgentToken(serverId: string, token: string): void {
    checked(idSchema, serverId, 'serverId');
    const plaintext = Buffer.from(checked(agentTokenSchema, token, 'token'), 'utf8');
    try {
      const secret = seal(this.requireDataKey('saving an agent token'), plaintext, secretContext(serverId, 'agent-token'));
      if (!this.tables.setServerSecret(serverId, 'agent-token', secret)) {
        throw new VaultError('SERVER_NOT_FOUND', `No server has the id ${serverId} (it may have been deleted), so its agent token was not saved. Refresh the list of servers.`);
      }
    } finally {
      plaintext.fill(0);
    }
  }

  /** The server's agent token, or undefined when none is saved. For main-side link code only. */
  getAgentToken(serverId: string): string | undefined {
    checked(idSchema, serverId, 'serverId');
    const dataKey = this.requireDataKey('using an agent token');
    const secret = this.tables.serverSecret(serverId, 'agent-token');
    if (!secret) return undefined;
    const plaintext = unseal(dataKey, secret, secretContext(serverId, 'agent-token'));
    if (!plaintext) throw undecryptable('the agent token of this server');
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  clearAgentToken(serverId: string): void {
    this.tables.clearServerSecret(checked(idSchema, serverId, 'serverId'), 'agent-token');
  }

  /**
   * Every saved server password and agent token in clear, so the command ledger can blank them out of
   * what it stores; an empty list while the vault is locked (nothing can have been read from it then).
   * For main-side redaction only.
   */
  serverSecretValues(): string[] {
    const dataKey = this.dataKey;
    if (!dataKey) return [];
    const values: string[] = [];
    for (const row of this.tables.serverSecrets()) {
      const plaintext = unseal(dataKey, row.secret, secretContext(row.server_id, row.kind));
      if (!plaintext) continue;
      values.push(plaintext.toString('utf8'));
      plaintext.fill(0);
    }
    return values;
  }

  private store(name: string, material: KeyMaterial): VaultKey {
    try {
      // Checked again: generating an RSA key takes seconds, and the vault may have been locked meanwhile.
      const dataKey = this.requireDataKey('storing a key');
      const row: KeyRow = {
        id: randomUUID(),
        name,
        type: material.type,
        bits: material.bits,
        comment: material.comment,
        fingerprint: material.fingerprint,
        public_key: material.publicKey,
        created_at: new Date().toISOString(),
      };
      this.tables.insertKey({ ...row, secret: seal(dataKey, material.privateKey, keyContext(row.id)) });
      return toVaultKey(row);
    } finally {
      material.privateKey.fill(0);
    }
  }

  private install(dataKey: Buffer, locksBefore: number): void {
    if (this.locks !== locksBefore) {
      dataKey.fill(0);
      throw new VaultError('LOCKED', 'The vault was locked while it was being unlocked, so it stays locked. Unlock it again.');
    }
    this.dataKey?.fill(0);
    this.dataKey = dataKey;
  }

  private async unwrapPassphrase(row: VaultRow, passphrase: string, wrongMessage: string): Promise<Buffer> {
    const dataKey = await unwrapWithPassphrase({ kdf: row.kdf ?? '', wrappedKey: row.wrapped_key }, passphrase);
    if (!dataKey) throw new VaultError('WRONG_PASSPHRASE', wrongMessage);
    return dataKey;
  }

  private async keychainWrap(dataKey: Buffer): Promise<Buffer> {
    const keychain = this.requireKeychain();
    try {
      return await keychain.wrap(dataKey);
    } catch (error) {
      throw keychainFailure(error, 'encrypt');
    }
  }

  private requireDataKey(action: string): Buffer {
    if (!this.dataKey) {
      if (!this.tables.vault()) throw notInitialized();
      throw lockedError(action);
    }
    return this.dataKey;
  }

  private requireWrapping(wrapping: Wrapping): VaultRow {
    const row = this.tables.vault();
    if (!row) throw notInitialized();
    if (row.wrapping !== wrapping) {
      throw new VaultError(
        'WRONG_WRAPPING',
        row.wrapping === 'keychain'
          ? 'This vault is protected by the OS keychain and has no passphrase: unlock it with the keychain.'
          : 'This vault is protected by a passphrase, not by the OS keychain: unlock it with its passphrase.',
      );
    }
    return row;
  }

  private requireKeychain(): KeyWrapper {
    if (!this.keychain) {
      throw new VaultError('KEYCHAIN_UNAVAILABLE', 'No OS keychain is available to Lifeline here. Set the vault up with a passphrase instead, or open it where the keychain that protects it is available.');
    }
    return this.keychain;
  }

  private refuseIfInitialized(): void {
    const row = this.tables.vault();
    if (row) throw alreadyInitialized(row.wrapping);
  }

  private refuseTakenName(name: string): void {
    const taken = this.tables.keyNamed(name);
    if (taken !== undefined) throw new VaultError('DUPLICATE_NAME', `A key named "${taken}" is already in the vault. Choose another name, or delete that key first.`, { field: 'name' });
  }
}

function toVaultKey(row: KeyRow): VaultKey {
  return {
    id: row.id,
    name: row.name,
    // Written only by this module, from the SshKeyType of the key it encoded.
    type: row.type as SshKeyType,
    bits: row.bits,
    comment: row.comment,
    fingerprint: row.fingerprint,
    publicKey: row.public_key,
    createdAt: row.created_at,
  };
}

const keyContext = (id: string) => `key:${id}`;
// Passwords keep the context they were sealed under before agent tokens existed.
const secretContext = (serverId: string, kind: ServerSecretKind) => (kind === 'password' ? `server-password:${serverId}` : `server-${kind}:${serverId}`);

function alreadyInitialized(wrapping: Wrapping): VaultError {
  return new VaultError(
    'ALREADY_INITIALIZED',
    `The vault is already set up (protected by ${wrapping === 'keychain' ? 'the OS keychain' : 'a passphrase'}). Unlock it instead; setting it up again would make its keys unreadable.`,
  );
}

function notInitialized(): VaultError {
  return new VaultError('NOT_INITIALIZED', 'The vault is not set up yet. Set it up first, with a passphrase or the OS keychain.');
}

function keyNotFound(id: string): VaultError {
  return new VaultError('KEY_NOT_FOUND', `No key with the id ${id} is in the vault (it may have been deleted). Refresh the list of keys.`);
}

function undecryptable(what: string): VaultError {
  return new VaultError('DAMAGED', `The vault could not decrypt ${what}: its stored bytes were damaged or changed outside Lifeline. Delete it and add it again.`);
}

function keychainFailure(error: unknown, operation: 'encrypt' | 'decrypt'): VaultError {
  if (error instanceof VaultError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new VaultError(
    'KEYCHAIN_FAILED',
    operation === 'decrypt'
      ? `The OS keychain could not decrypt the vault's key (${reason}). Make sure the keyring is unlocked (log in to the desktop session) and try again; if the keyring was reset, the keys in this vault cannot be recovered.`
      : `The OS keychain could not encrypt the vault's key (${reason}). Set the vault up with a passphrase instead.`,
    { cause: error },
  );
}
