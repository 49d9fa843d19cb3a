import type { LifelineApi, OpenTerminalInput, Result, TerminalAttachment, TerminalHandlers, TerminalInfo, TmuxSessionInfo } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';

/** Typing and paste go to every terminal in `targets` while `on` (when typed into one of them). */
export interface Broadcast {
  on: boolean;
  targets: string[];
}

/**
 * The terminals' states as the main side reports them, which tab is shown, which tabs lost their stream,
 * and broadcast. Never their bytes: those go straight from the stream into xterm.
 */
export interface TerminalsSlice {
  terminals: TerminalInfo[];
  activeTerminalId: string | null;
  /** Terminal id → why this window's stream ended (taken over by another window, console gone). */
  detached: Record<string, string>;
  broadcast: Broadcast;
  /** Why the last attempt to open a terminal (or list tmux sessions) failed, shown on the Terminals page. */
  terminalsNotice: string | null;
  setTerminalsNotice(notice: string | null): void;
  loadTerminals(): Promise<void>;
  receiveTerminals(terminals: TerminalInfo[]): void;
  openTerminal(input: OpenTerminalInput): Promise<Result<TerminalInfo>>;
  closeTerminal(id: string): Promise<Result<{ id: string }>>;
  reconnectTerminal(id: string): Promise<Result<TerminalInfo>>;
  listTmuxSessions(serverId: string): Promise<Result<TmuxSessionInfo[]>>;
  resizeTerminal(id: string, cols: number, rows: number): Promise<Result<TerminalInfo>>;
  /** Passes straight to the bridge: the bytes go from the stream to xterm, never into this store. */
  attachTerminal(id: string, handlers: TerminalHandlers): TerminalAttachment;
  showTerminal(id: string): void;
  markDetached(id: string, reason: string | null): void;
  setBroadcast(on: boolean): void;
  toggleBroadcastTarget(id: string): void;
}

export const createTerminalsSlice = (api: LifelineApi): StateCreator<TerminalsSlice> => (set, get) => {
  const receiveTerminals = (terminals: TerminalInfo[]) =>
    set((state) => {
      const ids = new Set(terminals.map((terminal) => terminal.id));
      const active = state.activeTerminalId !== null && ids.has(state.activeTerminalId) ? state.activeTerminalId : (terminals[0]?.id ?? null);
      const targets = state.broadcast.targets.filter((id) => ids.has(id));
      return {
        terminals,
        activeTerminalId: active,
        detached: Object.fromEntries(Object.entries(state.detached).filter(([id]) => ids.has(id))),
        // Broadcast with nothing left to broadcast to turns itself off, so the banner never lies.
        broadcast: { on: state.broadcast.on && targets.length > 0, targets },
      };
    });
  return {
    terminals: [],
    activeTerminalId: null,
    detached: {},
    broadcast: { on: false, targets: [] },
    terminalsNotice: null,
    setTerminalsNotice: (terminalsNotice) => set({ terminalsNotice }),
    loadTerminals: async () => {
      const result = await api.listTerminals();
      if (result.ok) receiveTerminals(result.value);
    },
    receiveTerminals,
    openTerminal: async (input) => {
      const result = await api.openTerminal(input);
      if (result.ok) {
        const opened = result.value;
        // The event with the new list may come before or after this answer; either way the tab exists.
        set((state) => ({
          terminals: state.terminals.some((terminal) => terminal.id === opened.id) ? state.terminals : [...state.terminals, opened],
          activeTerminalId: opened.id,
          terminalsNotice: null,
        }));
      } else set({ terminalsNotice: `Could not open a terminal: ${result.message}` });
      return result;
    },
    closeTerminal: async (id) => {
      const result = await api.closeTerminal(id);
      if (result.ok || result.code === 'NOT_FOUND') receiveTerminals(get().terminals.filter((terminal) => terminal.id !== id));
      return result;
    },
    reconnectTerminal: (id) => api.reconnectTerminal(id),
    listTmuxSessions: (serverId) => api.listTmuxSessions(serverId),
    resizeTerminal: (id, cols, rows) => api.resizeTerminal(id, cols, rows),
    attachTerminal: (id, handlers) => api.attachTerminal(id, handlers),
    showTerminal: (id) => set({ activeTerminalId: id }),
    markDetached: (id, reason) =>
      set((state) => {
        const detached = { ...state.detached };
        if (reason === null) delete detached[id];
        else detached[id] = reason;
        return { detached };
      }),
    setBroadcast: (on) =>
      set((state) => {
        // Turning it on with nothing chosen means every open terminal: the common case in one click.
        const targets = on && state.broadcast.targets.length === 0 ? state.terminals.map((terminal) => terminal.id) : state.broadcast.targets;
        return { broadcast: { on: on && targets.length > 0, targets } };
      }),
    toggleBroadcastTarget: (id) =>
      set((state) => {
        const targets = state.broadcast.targets.includes(id) ? state.broadcast.targets.filter((target) => target !== id) : [...state.broadcast.targets, id];
        return { broadcast: { on: state.broadcast.on && targets.length > 0, targets } };
      }),
  };
};
