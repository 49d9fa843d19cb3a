import type { TerminalAttachment, TerminalClientMessage, TerminalHandlers } from '../../../preload/api';

// As in websocket.ts: a method signature lets both the browser's WebSocket and the `ws` package fit.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket a terminal stream uses. */
export interface TerminalSocketLike {
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onclose: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
}

export type TerminalSocketConstructor = new (url: string) => TerminalSocketLike;

const LOST =
  'The connection to the web console closed, so this tab stopped receiving output. The terminal keeps running on the console: the tab reattaches when the connection is back, or reattach now.';

/** `ws://host/api` → `ws://host/terminals/<id>`: the stream lives on the same origin as the API. */
export function terminalSocketUrl(apiUrl: string, id: string): string {
  return new URL(`/terminals/${encodeURIComponent(id)}`, apiUrl).href;
}

/**
 * One terminal's byte stream over its own WebSocket: binary frames are output, text frames carry input
 * and acks out and `detached` in. Input and acks given before the socket opens are sent once it does.
 * `onDetach` fires once, whether the console detached us or the socket closed; not after `detach()`.
 */
export function attachTerminalSocket(url: string, handlers: TerminalHandlers, WebSocketClass: TerminalSocketConstructor): TerminalAttachment {
  const socket = new WebSocketClass(url);
  socket.binaryType = 'arraybuffer';
  let open = false;
  let ended = false;
  const queued: string[] = [];

  const end = (reason: string | null, lineLost = false) => {
    if (ended) return;
    ended = true;
    queued.length = 0;
    socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
    socket.close(1000, 'detached');
    if (reason !== null) handlers.onDetach(reason, lineLost);
  };
  const send = (message: TerminalClientMessage) => {
    if (ended) return;
    const text = JSON.stringify(message);
    if (open) socket.send(text);
    else queued.push(text);
  };

  socket.onopen = () => {
    open = true;
    for (const text of queued.splice(0)) socket.send(text);
  };
  socket.onmessage = (event) => {
    if (event.data instanceof ArrayBuffer) {
      handlers.onData(new Uint8Array(event.data));
      return;
    }
    const reason = detachedReason(event.data);
    if (reason !== undefined) end(reason);
  };
  // A close without a `detached` message first is the line dropping, not the console letting go.
  socket.onclose = () => end(LOST, true);
  // An error is always followed by a close event, which reports it once.
  socket.onerror = () => undefined;

  return {
    write: (data) => send({ type: 'input', data }),
    ack: (bytes) => send({ type: 'ack', bytes }),
    detach: () => end(null),
  };
}

function detachedReason(data: unknown): string | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const message: unknown = JSON.parse(data);
    if (typeof message !== 'object' || message === null) return undefined;
    const { type, reason } = message as { type?: unknown; reason?: unknown };
    if (type !== 'detached') return undefined;
    return typeof reason === 'string' ? reason : 'The terminal was detached.';
  } catch {
    return undefined;
  }
}
