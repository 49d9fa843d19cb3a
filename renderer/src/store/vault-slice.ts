import type { GenerateKeyInput, ImportKeyInput, KeyInfo, LifelineApi, Result, TrustedHostKeyInfo, VaultSetup, VaultStatus } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';
import type { LoadStatus } from './servers-slice';

export interface VaultSlice {
  /** null until the first answer. */
  vault: VaultStatus | null;
  /** Public data only; ordered as the main side lists them. */
  keys: KeyInfo[];
  keysStatus: LoadStatus;
  keysError: string | null;
  loadVault(): Promise<void>;
  initializeVault(setup: VaultSetup): Promise<Result<VaultStatus>>;
  unlockVault(passphrase: string | null): Promise<Result<VaultStatus>>;
  lockVault(): Promise<Result<VaultStatus>>;
  changeVaultPassphrase(current: string, next: string): Promise<Result<VaultStatus>>;
  generateKey(input: GenerateKeyInput): Promise<Result<KeyInfo>>;
  importKey(input: ImportKeyInput): Promise<Result<KeyInfo>>;
  deleteKey(id: string): Promise<Result<{ id: string }>>;
  /** Saves (or with null forgets) a server's login password in the vault; it never comes back. */
  setServerPassword(serverId: string, password: string | null): Promise<Result<{ serverId: string; saved: boolean }>>;
  /** Saves (or with null forgets) the token of a server's agent bridge in the vault; it never comes back. */
  setAgentToken(serverId: string, token: string | null): Promise<Result<{ serverId: string; saved: boolean }>>;
  /** Appends the key's public line to the server's authorized_keys; nothing is kept here. */
  installKey(keyId: string, serverId: string): Promise<Result<{ alreadyInstalled: boolean }>>;
  /** Asked for each time the server's settings open, so the list is never stale. */
  listTrustedHostKeys(serverId: string): Promise<Result<TrustedHostKeyInfo[]>>;
  forgetTrustedHostKey(serverId: string, keyType: string): Promise<Result<{ forgotten: number }>>;
  receiveVault(status: VaultStatus): void;
  receiveKeys(keys: KeyInfo[]): void;
}

/** The vault's state and keys; passphrases pass through to the main side and are never kept here. */
export const createVaultSlice = (api: LifelineApi): StateCreator<VaultSlice> => (set) => {
  // As for servers: only the newest load or event may write the list.
  let latestKeys = 0;
  const statusOf = async (call: Promise<Result<VaultStatus>>) => {
    const result = await call;
    if (result.ok) set({ vault: result.value });
    return result;
  };

  return {
    vault: null,
    keys: [],
    keysStatus: 'loading',
    keysError: null,

    loadVault: async () => {
      const load = ++latestKeys;
      const [status, keys] = await Promise.all([api.getVaultStatus(), api.listKeys()]);
      if (status.ok) set({ vault: status.value });
      if (load !== latestKeys) return;
      if (keys.ok) set({ keys: keys.value, keysStatus: 'ready', keysError: null });
      else set({ keysStatus: 'error', keysError: keys.message });
    },
    initializeVault: (setup) => statusOf(api.initializeVault(setup)),
    unlockVault: (passphrase) => statusOf(api.unlockVault(passphrase)),
    lockVault: () => statusOf(api.lockVault()),
    changeVaultPassphrase: (current, next) => statusOf(api.changeVaultPassphrase(current, next)),

    generateKey: async (input) => {
      const result = await api.generateKey(input);
      if (result.ok) set((state) => ({ keys: withKey(state.keys, result.value) }));
      return result;
    },
    importKey: async (input) => {
      const result = await api.importKey(input);
      if (result.ok) set((state) => ({ keys: withKey(state.keys, result.value) }));
      return result;
    },
    deleteKey: async (id) => {
      const result = await api.deleteKey(id);
      if (result.ok) set((state) => ({ keys: state.keys.filter((key) => key.id !== id) }));
      return result;
    },

    setServerPassword: (serverId, password) => api.setServerPassword(serverId, password),
    setAgentToken: (serverId, token) => api.setAgentToken(serverId, token),
    installKey: (keyId, serverId) => api.installKey(keyId, serverId),
    listTrustedHostKeys: (serverId) => api.listTrustedHostKeys(serverId),
    forgetTrustedHostKey: (serverId, keyType) => api.forgetTrustedHostKey(serverId, keyType),

    receiveVault: (vault) => set({ vault }),
    receiveKeys: (keys) => {
      latestKeys++;
      set({ keys, keysStatus: 'ready', keysError: null });
    },
  };
};

function withKey(keys: KeyInfo[], added: KeyInfo): KeyInfo[] {
  return [...keys.filter((key) => key.id !== added.id), added];
}
