import type { Bridge } from './connection';
import { ipcBridge } from './ipc';
import { connectWebSocketApi } from './websocket';

export type { Bridge, ConnectionSource, ConnectionState } from './connection';

/**
 * The one place that knows there are two transports: the desktop's preload API when present, else the
 * web console's WebSocket on the page's own origin (the auth cookie goes with it automatically).
 */
export function openBridge(target: Window & typeof globalThis): Bridge {
  return ipcBridge(target) ?? connectWebSocketApi(webSocketUrl(target.location), { WebSocket: target.WebSocket });
}

function webSocketUrl(location: Location): string {
  const url = new URL('/api', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
