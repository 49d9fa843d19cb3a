import type { LifelineApi, LinkSamplePoint, LinkStatus, Result } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';
import type { LoadStatus } from './servers-slice';

/** What "Probe now" is doing: every server, or these servers' ids. */
export interface LinkProbing {
  all: boolean;
  servers: string[];
}

export interface LinksSlice {
  /** Every layer of every server, by server name then the server's layer order. */
  links: LinkStatus[];
  linksStatus: LoadStatus;
  linksError: string | null;
  linkProbing: LinkProbing;
  loadLinks(): Promise<void>;
  /** The full list pushed by `onLinksChanged`. */
  receiveLinks(links: LinkStatus[]): void;
  /** Probes one server's layers (or every server's) now; the answer's states replace the list. */
  probeLinks(serverId?: string): Promise<Result<LinkStatus[]>>;
  /** Latency samples for a chart; kept by the chart that asked, not here. */
  linkSamples(serverId: string, since: string): Promise<Result<LinkSamplePoint[]>>;
}

type LinksApi = Pick<LifelineApi, 'listLinks' | 'probeLinks' | 'linkSamples'>;

export const createLinksSlice = (api: LinksApi): StateCreator<LinksSlice> => (set) => {
  // Only the newest load may write, as for the servers.
  let latestLoad = 0;
  const probingChange = (serverId: string | undefined, on: boolean) => (state: LinksSlice) => {
    if (serverId === undefined) return { linkProbing: { ...state.linkProbing, all: on } };
    const others = state.linkProbing.servers.filter((id) => id !== serverId);
    return { linkProbing: { ...state.linkProbing, servers: on ? [...others, serverId] : others } };
  };
  return {
    links: [],
    linksStatus: 'loading',
    linksError: null,
    linkProbing: { all: false, servers: [] },
    loadLinks: async () => {
      const load = ++latestLoad;
      // A reload keeps showing the current matrix instead of flashing a placeholder.
      set((state) => (state.linksStatus === 'ready' ? {} : { linksStatus: 'loading', linksError: null }));
      const result = await api.listLinks();
      if (load !== latestLoad) return;
      if (result.ok) set({ links: result.value, linksStatus: 'ready', linksError: null });
      else set({ linksStatus: 'error', linksError: result.message });
    },
    receiveLinks: (links) => {
      latestLoad++;
      set({ links, linksStatus: 'ready', linksError: null });
    },
    probeLinks: async (serverId) => {
      set(probingChange(serverId, true));
      const result = await api.probeLinks(serverId);
      set(probingChange(serverId, false));
      if (result.ok) {
        // The answer is read after the probes finished: newer than a list still being loaded.
        latestLoad++;
        set({ links: result.value, linksStatus: 'ready', linksError: null });
      }
      return result;
    },
    linkSamples: (serverId, since) => api.linkSamples(serverId, since),
  };
};
