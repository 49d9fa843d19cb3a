import type { LifelineApi, LinkStatus } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';
import type { LoadStatus } from './servers-slice';

export interface LinksSlice {
  /** Every layer of every server, by server name then the server's layer order. */
  links: LinkStatus[];
  linksStatus: LoadStatus;
  linksError: string | null;
  loadLinks(): Promise<void>;
  /** The full list pushed by `onLinksChanged`. */
  receiveLinks(links: LinkStatus[]): void;
}

export const createLinksSlice = (api: LifelineApi): StateCreator<LinksSlice> => (set) => {
  // Only the newest load may write, as for the servers.
  let latestLoad = 0;
  return {
    links: [],
    linksStatus: 'loading',
    linksError: null,
    loadLinks: async () => {
      const load = ++latestLoad;
      const result = await api.listLinks();
      if (load !== latestLoad) return;
      if (result.ok) set({ links: result.value, linksStatus: 'ready', linksError: null });
      else set({ linksStatus: 'error', linksError: result.message });
    },
    receiveLinks: (links) => {
      latestLoad++;
      set({ links, linksStatus: 'ready', linksError: null });
    },
  };
};
