import type { Unsubscribe } from '../../../preload/api';
import type { Bridge } from '../bridge';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createNavigationSlice, type NavigationSlice } from './navigation-slice';
import { createServersSlice, type ServersSlice } from './servers-slice';

export type AppState = ServersSlice & ConnectionSlice & NavigationSlice;
export type AppStore = StoreApi<AppState>;

/** One store made of slices; the API it calls is passed in, so each page and test builds its own. */
export function createAppStore(bridge: Pick<Bridge, 'api' | 'connection'>): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createServersSlice(bridge.api)(...a),
    ...createConnectionSlice(bridge.api, bridge.connection.current())(...a),
    ...createNavigationSlice(...a),
  }));
}

/**
 * Feeds the store from the bridge: the first loads, the live server list, and the line's state. After a
 * reconnect it loads again, because events sent while the line was down are lost (and a restarted
 * console may serve another data folder). Returns what undoes the subscriptions.
 */
export function startAppStore(store: AppStore, bridge: Pick<Bridge, 'api' | 'connection'>): Unsubscribe {
  const state = () => store.getState();
  const stopServers = bridge.api.onServersChanged((servers) => state().receiveServers(servers));
  const stopConnection = bridge.connection.onChange((connection) => {
    const wasDown = state().connection === 'reconnecting' || state().connection === 'stopped';
    state().setConnection(connection);
    if (connection === 'open' && wasDown) void reload();
  });
  const reload = () => Promise.all([state().loadAppInfo(), state().loadServers()]);
  void reload();
  return () => {
    stopServers();
    stopConnection();
  };
}
