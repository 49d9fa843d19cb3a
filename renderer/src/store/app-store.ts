import type { Unsubscribe } from '../../../preload/api';
import type { Bridge } from '../bridge';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createCommandsSlice, type CommandsSlice } from './commands-slice';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createLinksSlice, type LinksSlice } from './links-slice';
import { createNavigationSlice, type NavigationSlice } from './navigation-slice';
import { createPromptsSlice, type PromptsSlice } from './prompts-slice';
import { createServersSlice, type ServersSlice } from './servers-slice';
import { createTerminalsSlice, type TerminalsSlice } from './terminals-slice';
import { createVaultSlice, type VaultSlice } from './vault-slice';

export type AppState = ServersSlice & ConnectionSlice & NavigationSlice & VaultSlice & PromptsSlice & TerminalsSlice & LinksSlice & CommandsSlice;
export type AppStore = StoreApi<AppState>;

/** One store made of slices; the API it calls is passed in, so each page and test builds its own. */
export function createAppStore(bridge: Pick<Bridge, 'api' | 'connection'>): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createServersSlice(bridge.api)(...a),
    ...createConnectionSlice(bridge.api, bridge.connection.current())(...a),
    ...createNavigationSlice(...a),
    ...createVaultSlice(bridge.api)(...a),
    ...createPromptsSlice(bridge.api)(...a),
    ...createTerminalsSlice(bridge.api)(...a),
    ...createLinksSlice(bridge.api)(...a),
    ...createCommandsSlice(bridge.api)(...a),
  }));
}

/**
 * Feeds the store from the bridge: the first loads, the live servers, vault, keys, prompts, terminals, links, saved commands and command runs, and the
 * line's state. After a reconnect it loads again, because events sent while the line was down are lost (and a restarted
 * console may serve another data folder). Returns what undoes the subscriptions.
 */
export function startAppStore(store: AppStore, bridge: Pick<Bridge, 'api' | 'connection'>): Unsubscribe {
  const state = () => store.getState();
  const stops = [
    bridge.api.onServersChanged((servers) => state().receiveServers(servers)),
    bridge.api.onVaultChanged((vault) => state().receiveVault(vault)),
    bridge.api.onKeysChanged((keys) => state().receiveKeys(keys)),
    bridge.api.onPromptsChanged((prompts) => state().receivePrompts(prompts)),
    bridge.api.onTerminalsChanged((terminals) => state().receiveTerminals(terminals)),
    bridge.api.onLinksChanged((links) => state().receiveLinks(links)),
    bridge.api.onSavedCommandsChanged((commands) => state().receiveSavedCommands(commands)),
    bridge.api.onCommandRun((event) => state().receiveCommandRun(event)),
  ];
  const stopConnection = bridge.connection.onChange((connection) => {
    const wasDown = state().connection === 'reconnecting' || state().connection === 'stopped';
    state().setConnection(connection);
    if (connection === 'open' && wasDown) void reload();
  });
  const reload = () => Promise.all([state().loadAppInfo(), state().loadServers(), state().loadVault(), state().loadTerminals(), state().loadLinks(), state().loadSavedCommands()]);
  void reload();
  return () => {
    stops.forEach((stop) => stop());
    stopConnection();
  };
}
