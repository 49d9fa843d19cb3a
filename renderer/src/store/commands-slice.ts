import type { CommandRunEvent, LifelineApi, SavedCommand } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';
import type { LoadStatus } from './servers-slice';

export interface CommandsSlice {
  /** By name, as the main side lists them. */
  savedCommands: SavedCommand[];
  savedCommandsStatus: LoadStatus;
  savedCommandsError: string | null;
  loadSavedCommands(): Promise<void>;
  /** The full list pushed by `onSavedCommandsChanged`. */
  receiveSavedCommands(commands: SavedCommand[]): void;
  /** A batch of progress of one run, pushed by `onCommandRun`. */
  receiveCommandRun(event: CommandRunEvent): void;
}

export const createCommandsSlice = (api: LifelineApi): StateCreator<CommandsSlice> => (set) => {
  let latestLoad = 0;
  return {
    savedCommands: [],
    savedCommandsStatus: 'loading',
    savedCommandsError: null,
    loadSavedCommands: async () => {
      const load = ++latestLoad;
      const result = await api.listSavedCommands();
      if (load !== latestLoad) return;
      if (result.ok) set({ savedCommands: result.value, savedCommandsStatus: 'ready', savedCommandsError: null });
      else set({ savedCommandsStatus: 'error', savedCommandsError: result.message });
    },
    receiveSavedCommands: (commands) => {
      latestLoad++;
      set({ savedCommands: commands, savedCommandsStatus: 'ready', savedCommandsError: null });
    },
    receiveCommandRun: () => {},
  };
};
