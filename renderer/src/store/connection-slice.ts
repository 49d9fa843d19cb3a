import type { AppInfo, LifelineApi } from '../../../preload/api';
import type { ConnectionState } from '../bridge';
import type { StateCreator } from 'zustand/vanilla';

export interface ConnectionSlice {
  connection: ConnectionState;
  /** What this UI is attached to; null until the first answer. */
  appInfo: AppInfo | null;
  setConnection(state: ConnectionState): void;
  loadAppInfo(): Promise<void>;
}

export const createConnectionSlice =
  (api: LifelineApi, initial: ConnectionState): StateCreator<ConnectionSlice> =>
  (set) => ({
    connection: initial,
    appInfo: null,
    setConnection: (connection) => set({ connection }),
    loadAppInfo: async () => {
      const result = await api.getAppInfo();
      // Without it only the footer is poorer; the pages report their own failures.
      if (result.ok) set({ appInfo: result.value });
    },
  });
