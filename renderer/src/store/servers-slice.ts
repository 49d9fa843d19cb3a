import type {
  LifelineApi,
  Result,
  Server,
  ServerInput,
  SshConfigImportInput,
  SshConfigImportOutcome,
  SshConfigPreview,
  SshConfigSource,
} from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';

export type LoadStatus = 'loading' | 'ready' | 'error';

export interface ServersSlice {
  /** Ordered by name, as the main side lists them. */
  servers: Server[];
  serversStatus: LoadStatus;
  /** Why the last load failed, ready to show; null when it did not. */
  serversError: string | null;
  loadServers(): Promise<void>;
  /** Creates (id null) or replaces a server. Errors come back for the form to show; the list is kept. */
  saveServer(id: string | null, input: ServerInput): Promise<Result<Server>>;
  deleteServer(id: string): Promise<Result<{ id: string }>>;
  /** What importing an SSH config would create and skip; nothing is written, so nothing is kept here. */
  previewSshConfigImport(source: SshConfigSource): Promise<Result<SshConfigPreview>>;
  /** Creates the chosen hosts of an SSH config; the created servers join the list at once. */
  importSshConfig(input: SshConfigImportInput): Promise<Result<SshConfigImportOutcome>>;
  /** The full list pushed by `onServersChanged`. */
  receiveServers(servers: Server[]): void;
}

export const createServersSlice = (api: LifelineApi): StateCreator<ServersSlice> => (set) => {
  // Only the newest load may write: an older answer arriving late would show a stale list.
  let latestLoad = 0;

  return {
    servers: [],
    serversStatus: 'loading',
    serversError: null,

    loadServers: async () => {
      const load = ++latestLoad;
      // A reload keeps showing the current list instead of flashing a placeholder.
      set((state) => (state.serversStatus === 'ready' ? {} : { serversStatus: 'loading', serversError: null }));
      const result = await api.listServers();
      if (load !== latestLoad) return;
      if (result.ok) set({ servers: result.value, serversStatus: 'ready', serversError: null });
      else set({ serversStatus: 'error', serversError: result.message });
    },

    saveServer: async (id, input) => {
      const result = id === null ? await api.createServer(input) : await api.updateServer(id, input);
      // The serversChanged event brings the authoritative list too; this makes the change visible even
      // on a transport that delivers the event after the reply.
      if (result.ok) set((state) => ({ servers: upsert(state.servers, result.value) }));
      return result;
    },

    deleteServer: async (id) => {
      const result = await api.deleteServer(id);
      if (result.ok) set((state) => ({ servers: state.servers.filter((server) => server.id !== id) }));
      return result;
    },

    previewSshConfigImport: (source) => api.previewSshConfigImport(source),

    importSshConfig: async (input) => {
      const result = await api.importSshConfig(input);
      // As for saveServer: visible even when the serversChanged events come after the reply.
      if (result.ok) set((state) => ({ servers: result.value.created.reduce(upsert, state.servers) }));
      return result;
    },

    receiveServers: (servers) => {
      latestLoad++;
      set({ servers, serversStatus: 'ready', serversError: null });
    },
  };
};

function upsert(servers: Server[], saved: Server): Server[] {
  const others = servers.filter((server) => server.id !== saved.id);
  return [...others, saved].sort((a, b) => compareNames(a.name, b.name));
}

function compareNames(a: string, b: string): number {
  const folded = a.toLowerCase().localeCompare(b.toLowerCase());
  return folded !== 0 ? folded : a.localeCompare(b);
}
