import type { LifelineApi } from '../../../preload/api';
import type { Bridge, ConnectionState } from './connection';

declare global {
  interface Window {
    /** Defined by the desktop app's preload (contextBridge); absent in the web console. */
    readonly lifeline?: LifelineApi;
  }
}

/** The desktop's bridge, when the preload defined one. IPC has no connection to lose: it is always open. */
export function ipcBridge(target: Window): Bridge | undefined {
  const api = target.lifeline;
  if (!api) return undefined;
  const open: ConnectionState = 'open';
  return {
    api,
    connection: { current: () => open, onChange: () => () => undefined },
    // The window owns the IPC channel; closing the page closes it.
    close: () => undefined,
  };
}
