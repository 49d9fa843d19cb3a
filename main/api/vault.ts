import type { KeyInfo, Result, VaultSetup, VaultStatus } from '../../preload/api';
import type { GenerateKeyInput, ImportKeyInput, Vault, VaultKey } from '../vault';
import { Emitter } from './emitter';
import { fail, ok } from './errors';
import { serverNotFound, type ServersStore } from './servers';
import { vaultFailure } from './vault-errors';

export interface VaultApiDeps {
  vault: Vault;
  servers: ServersStore;
  /** Whether the vault was given the OS keychain (the desktop, with a keyring that really encrypts). */
  keychainAvailable: boolean;
}

/**
 * The key vault part of the contract. What it returns and announces is public data only: statuses, ids,
 * fingerprints and public keys. Passphrases and private keys go into the vault and never come back.
 */
export class VaultApi {
  private readonly vaultChanged = new Emitter<VaultStatus>();
  private readonly keysChanged = new Emitter<KeyInfo[]>();
  readonly onVaultChanged = this.vaultChanged.event;
  readonly onKeysChanged = this.keysChanged.event;

  constructor(private readonly deps: VaultApiDeps) {}

  async getVaultStatus(): Promise<Result<VaultStatus>> {
    return ok(this.status());
  }

  async initializeVault(setup: VaultSetup): Promise<Result<VaultStatus>> {
    return this.changeState(() => this.deps.vault.initialize(setup));
  }

  async unlockVault(passphrase: string | null): Promise<Result<VaultStatus>> {
    const { vault } = this.deps;
    return this.changeState(() => (passphrase === null ? vault.unlockWithKeychain() : vault.unlock(passphrase)));
  }

  async lockVault(): Promise<Result<VaultStatus>> {
    return this.changeState(async () => this.deps.vault.lock());
  }

  async changeVaultPassphrase(current: string, next: string): Promise<Result<VaultStatus>> {
    try {
      await this.deps.vault.changePassphrase(current, next);
    } catch (error) {
      return vaultFailure(error);
    }
    // Only the wrapping of the data key changed, which no status shows: nothing to announce.
    return ok(this.status());
  }

  async listKeys(): Promise<Result<KeyInfo[]>> {
    return ok(this.keys());
  }

  async generateKey(input: GenerateKeyInput): Promise<Result<KeyInfo>> {
    return this.changeKeys(async () => ok(toKeyInfo(await this.deps.vault.generateKey(input))));
  }

  async importKey(input: ImportKeyInput): Promise<Result<KeyInfo>> {
    return this.changeKeys(async () => ok(toKeyInfo(this.deps.vault.importKey(input))));
  }

  async deleteKey(id: string): Promise<Result<{ id: string }>> {
    const { vault, servers } = this.deps;
    // One transaction on the one database: no server can start logging in with the key between the check
    // and the delete. (The schema would only clear `keyId`, leaving a server that cannot log in.)
    return this.changeKeys(async () =>
      servers.atomically(() => {
        const users = servers
          .list()
          .filter((server) => server.auth === 'key' && server.keyId === id)
          .map((server) => server.name);
        if (users.length > 0) return stillInUse(vault.listKeys().find((key) => key.id === id)?.name ?? id, users);
        vault.deleteKey(id);
        return ok({ id });
      }),
    );
  }

  async setServerPassword(serverId: string, password: string | null): Promise<Result<{ serverId: string; saved: boolean }>> {
    const { vault, servers } = this.deps;
    if (!servers.get(serverId)) return serverNotFound(serverId);
    try {
      if (password === null) vault.clearServerPassword(serverId);
      else vault.setServerPassword(serverId, password);
    } catch (error) {
      return vaultFailure(error);
    }
    return ok({ serverId, saved: password !== null });
  }

  /** Saves or forgets the token of the server's agent bridge; it never comes back through the contract. */
  async setAgentToken(serverId: string, token: string | null): Promise<Result<{ serverId: string; saved: boolean }>> {
    const { vault, servers } = this.deps;
    if (!servers.get(serverId)) return serverNotFound(serverId);
    try {
      if (token === null) vault.clearAgentToken(serverId);
      else vault.setAgentToken(serverId, token);
    } catch (error) {
      return vaultFailure(error);
    }
    return ok({ serverId, saved: token !== null });
  }

  dispose(): void {
    this.vaultChanged.dispose();
    this.keysChanged.dispose();
  }

  private status(): VaultStatus {
    const { state, wrapping } = this.deps.vault.status();
    return { state, wrapping, keychainAvailable: this.deps.keychainAvailable };
  }

  private keys(): KeyInfo[] {
    return this.deps.vault.listKeys().map(toKeyInfo);
  }

  private async changeState(change: () => Promise<void>): Promise<Result<VaultStatus>> {
    try {
      await change();
    } catch (error) {
      return vaultFailure(error);
    }
    const status = this.status();
    this.vaultChanged.fire(status);
    return ok(status);
  }

  private async changeKeys<T>(change: () => Promise<Result<T>>): Promise<Result<T>> {
    let result: Result<T>;
    try {
      result = await change();
    } catch (error) {
      return vaultFailure(error);
    }
    if (result.ok && this.keysChanged.size > 0) this.keysChanged.fire(this.keys());
    return result;
  }
}

// Field by field, so that nothing the vault may add to its keys later reaches the renderer unreviewed.
function toKeyInfo(key: VaultKey): KeyInfo {
  return {
    id: key.id,
    name: key.name,
    type: key.type,
    bits: key.bits,
    comment: key.comment,
    fingerprint: key.fingerprint,
    publicKey: key.publicKey,
    createdAt: key.createdAt,
  };
}

function stillInUse(keyName: string, servers: string[]): Result<never> {
  const list = servers.map((name) => `"${name}"`).join(', ');
  return fail(
    'CONFLICT',
    `The key "${keyName}" is how ${list} ${servers.length === 1 ? 'logs' : 'log'} in. Give ${servers.length === 1 ? 'that server' : 'those servers'} another key or authentication method first, then delete "${keyName}".`,
  );
}
