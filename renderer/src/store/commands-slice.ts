import type { CommandRecordInfo, CommandRunEvent, CommandRunInfo, LifelineApi, Result, SavedCommand, SavedCommandInput, RunCommandInput, Server } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';
import { applyRunEvent, dismissRun, markRetried, registerRun, retryableServerIds, settleFromLedger, type RunView } from '../features/commands/run-reducer';
import type { LoadStatus } from './servers-slice';

/** Ledger records listed under the runs. */
export const RECENT_COMMANDS = 50;

type CommandsApi = Pick<
  LifelineApi,
  'listSavedCommands' | 'saveCommand' | 'deleteSavedCommand' | 'runCommand' | 'retryCommandRun' | 'recentCommands'
>;

export interface CommandsSlice {
  /** By name, as the main side lists them. */
  savedCommands: SavedCommand[];
  savedCommandsStatus: LoadStatus;
  savedCommandsError: string | null;
  loadSavedCommands(): Promise<void>;
  /** The full list pushed by `onSavedCommandsChanged`. */
  receiveSavedCommands(commands: SavedCommand[]): void;
  /** Creates (no id) or replaces a saved command; errors come back for the form to show. */
  saveCommand(input: SavedCommandInput): Promise<Result<SavedCommand>>;
  deleteSavedCommand(id: string): Promise<Result<{ id: string }>>;

  /** Runs shown on the Commands page, newest first (see run-reducer.ts). */
  commandRuns: readonly RunView[];
  /** Starts a run; `label` heads its results table. A refusal (CONFIRMATION_REQUIRED included) comes back unchanged. */
  runCommand(input: RunCommandInput, label: string): Promise<Result<CommandRunInfo>>;
  /** Runs the command again on the run's servers that failed; null when none did. */
  retryFailed(runId: string): Promise<Result<CommandRunInfo> | null>;
  dismissCommandRun(runId: string): void;
  /** A batch of progress of one run, pushed by `onCommandRun`: applied in one update. */
  receiveCommandRun(event: CommandRunEvent): void;

  /** The ledger's newest commands, secrets redacted. */
  recentCommands: CommandRecordInfo[];
  recentCommandsStatus: LoadStatus;
  recentCommandsError: string | null;
  /** Reloads the ledger's newest commands, and settles rows whose events were lost (the line was down). */
  loadRecentCommands(): Promise<void>;
}

export const createCommandsSlice =
  (api: CommandsApi): StateCreator<CommandsSlice & { servers: Server[] }, [], [], CommandsSlice> =>
  (set, get) => {
    let latestLoad = 0;
    let latestRecent = 0;
    const nameOf = (serverId: string) => get().servers.find((server) => server.id === serverId)?.name;

    const loadRecentCommands = async () => {
      const load = ++latestRecent;
      const result = await api.recentCommands(RECENT_COMMANDS);
      if (load !== latestRecent) return;
      if (!result.ok) {
        set({ recentCommandsStatus: 'error', recentCommandsError: result.message });
        return;
      }
      set((state) => ({
        recentCommands: result.value,
        recentCommandsStatus: 'ready',
        recentCommandsError: null,
        commandRuns: settleFromLedger(state.commandRuns, result.value),
      }));
    };

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
      saveCommand: async (input) => {
        const result = await api.saveCommand(input);
        // The event brings the authoritative list too; this shows the change even when the event comes after the answer.
        if (result.ok) set((state) => ({ savedCommands: upsertByName(state.savedCommands, result.value) }));
        return result;
      },
      deleteSavedCommand: async (id) => {
        const result = await api.deleteSavedCommand(id);
        if (result.ok || result.code === 'NOT_FOUND') set((state) => ({ savedCommands: state.savedCommands.filter((command) => command.id !== id) }));
        return result;
      },

      commandRuns: [],
      runCommand: async (input, label) => {
        const result = await api.runCommand(input);
        if (result.ok) set((state) => ({ commandRuns: registerRun(state.commandRuns, result.value, label, input.confirmDangerous === true) }));
        return result;
      },
      retryFailed: async (runId) => {
        const run = get().commandRuns.find((candidate) => candidate.runId === runId);
        const serverIds = run ? retryableServerIds(run) : [];
        if (!run || serverIds.length === 0) return null;
        const commandIdsBefore = new Map(run.rows.filter((row) => serverIds.includes(row.serverId)).map((row) => [row.serverId, row.commandId]));
        const result = await api.retryCommandRun(runId, serverIds);
        if (result.ok) set((state) => ({ commandRuns: markRetried(state.commandRuns, runId, commandIdsBefore) }));
        return result;
      },
      dismissCommandRun: (runId) => set((state) => ({ commandRuns: dismissRun(state.commandRuns, runId) })),
      receiveCommandRun: (event) => {
        set((state) => ({ commandRuns: applyRunEvent(state.commandRuns, event, nameOf) }));
        // The ledger now holds the run's results.
        if (event.done) void loadRecentCommands();
      },

      recentCommands: [],
      recentCommandsStatus: 'loading',
      recentCommandsError: null,
      loadRecentCommands,
    };
  };

function upsertByName(commands: SavedCommand[], saved: SavedCommand): SavedCommand[] {
  return [...commands.filter((command) => command.id !== saved.id), saved].sort((a, b) => a.name.localeCompare(b.name));
}
