import type {
  ApiError,
  EventName,
  LifelineApi,
  LifelineEvents,
  LifelineRequests,
  RequestName,
  Result,
  Unsubscribe,
  WireCall,
  WireReply,
} from '../../../preload/api';
import type { Bridge, ConnectionSource, ConnectionState } from './connection';
import { attachTerminalSocket, terminalSocketUrl, type TerminalSocketConstructor } from './terminal-socket';

// A method signature makes TypeScript compare the event parameter both ways, so the browser's WebSocket
// and the `ws` package's class (the tests run under Node 20, which has none) both fit this interface.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket this client uses. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onclose: Handler<unknown> | null;
  onerror: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
}

export type SocketConstructor = new (url: string) => SocketLike;

export interface RetryDelays {
  /** Wait before the first new attempt after the line drops. */
  firstMs: number;
  /** The cap: attempts never wait longer than this. */
  maxMs: number;
}

export interface WebSocketApiOptions {
  /** Opens the API socket and each terminal's stream. */
  WebSocket: SocketConstructor & TerminalSocketConstructor;
  /** A call without an answer after this long resolves DISCONNECTED. */
  callTimeoutMs?: number;
  retry?: RetryDelays;
  /** Consecutive failed attempts after which the state becomes `stopped` (attempts go on at the cap). */
  stoppedAfterFailures?: number;
}

const DEFAULTS = {
  callTimeoutMs: 30_000,
  retry: { firstMs: 500, maxMs: 10_000 },
  stoppedAfterFailures: 5,
};

/** Capped exponential backoff. No jitter: a console on 127.0.0.1 has a handful of clients, not a herd. */
export function retryDelay(failures: number, delays: RetryDelays): number {
  return Math.min(delays.maxMs, delays.firstMs * 2 ** Math.max(0, failures));
}

/**
 * The contract over the web console's WebSocket (`WireCall` out, `WireReply` in). Every call resolves to a
 * `Result`; nothing hangs: while the line is down, and after `callTimeoutMs`, calls resolve DISCONNECTED.
 * Calls made while the very first connection is being opened wait for it, so the app can start loading at
 * once. Event listeners live in the client, so they survive reconnects.
 */
export function connectWebSocketApi(url: string, options: WebSocketApiOptions): Bridge {
  const client = new WebSocketClient(url, {
    WebSocket: options.WebSocket,
    callTimeoutMs: options.callTimeoutMs ?? DEFAULTS.callTimeoutMs,
    retry: options.retry ?? DEFAULTS.retry,
    stoppedAfterFailures: options.stoppedAfterFailures ?? DEFAULTS.stoppedAfterFailures,
  });
  const api: LifelineApi = {
    getAppInfo: () => client.call('getAppInfo', []),
    listServers: () => client.call('listServers', []),
    createServer: (input) => client.call('createServer', [input]),
    updateServer: (id, input) => client.call('updateServer', [id, input]),
    deleteServer: (id) => client.call('deleteServer', [id]),
    previewSshConfigImport: (source) => client.call('previewSshConfigImport', [source]),
    importSshConfig: (input) => client.call('importSshConfig', [input]),
    onServersChanged: (listener) => client.on('serversChanged', listener),
    getVaultStatus: () => client.call('getVaultStatus', []),
    initializeVault: (input) => client.call('initializeVault', [input]),
    unlockVault: (passphrase) => client.call('unlockVault', [passphrase]),
    lockVault: () => client.call('lockVault', []),
    changeVaultPassphrase: (current, next) => client.call('changeVaultPassphrase', [current, next]),
    onVaultChanged: (listener) => client.on('vaultChanged', listener),
    listKeys: () => client.call('listKeys', []),
    generateKey: (input) => client.call('generateKey', [input]),
    importKey: (input) => client.call('importKey', [input]),
    deleteKey: (id) => client.call('deleteKey', [id]),
    onKeysChanged: (listener) => client.on('keysChanged', listener),
    setServerPassword: (serverId, password) => client.call('setServerPassword', [serverId, password]),
    setAgentToken: (serverId, token) => client.call('setAgentToken', [serverId, token]),
    answerPrompt: (id, answer) => client.call('answerPrompt', [id, answer]),
    onPromptsChanged: (listener) => client.on('promptsChanged', listener),
    listTrustedHostKeys: (serverId) => client.call('listTrustedHostKeys', [serverId]),
    forgetTrustedHostKey: (serverId, keyType) => client.call('forgetTrustedHostKey', [serverId, keyType]),
    installKey: (keyId, serverId) => client.call('installKey', [keyId, serverId]),
    openTerminal: (input) => client.call('openTerminal', [input]),
    listTerminals: () => client.call('listTerminals', []),
    resizeTerminal: (id, cols, rows) => client.call('resizeTerminal', [id, cols, rows]),
    reconnectTerminal: (id) => client.call('reconnectTerminal', [id]),
    closeTerminal: (id) => client.call('closeTerminal', [id]),
    listTmuxSessions: (serverId) => client.call('listTmuxSessions', [serverId]),
    onTerminalsChanged: (listener) => client.on('terminalsChanged', listener),
    listLinks: () => client.call('listLinks', []),
    linkSamples: (serverId, since) => client.call('linkSamples', [serverId, since]),
    // JSON has no undefined: "every server" goes as an empty argument list.
    probeLinks: (serverId) => client.call('probeLinks', serverId === undefined ? [] : [serverId]),
    onLinksChanged: (listener) => client.on('linksChanged', listener),
    listSavedCommands: () => client.call('listSavedCommands', []),
    saveCommand: (input) => client.call('saveCommand', [input]),
    deleteSavedCommand: (id) => client.call('deleteSavedCommand', [id]),
    onSavedCommandsChanged: (listener) => client.on('savedCommandsChanged', listener),
    runCommand: (input) => client.call('runCommand', [input]),
    retryCommandRun: (runId, serverIds) => client.call('retryCommandRun', [runId, serverIds]),
    onCommandRun: (listener) => client.on('commandRun', listener),
    recentCommands: (limit) => client.call('recentCommands', [limit]),
    // Terminal bytes bypass the call path: each attachment is its own socket with its own flow control.
    attachTerminal: (id, handlers) => attachTerminalSocket(terminalSocketUrl(url, id), handlers, options.WebSocket),
  };
  return { api, connection: client, close: () => client.close() };
}

const MESSAGES = {
  reconnecting:
    'Not connected to the Lifeline web console; it is reconnecting now. Try again in a moment. If this keeps happening, check that the console is still running.',
  stopped: 'The Lifeline web console is not reachable. Start it again and open the new link it prints.',
  firstAttemptFailed:
    'Could not connect to the Lifeline web console. Check that it is still running; this page keeps retrying on its own.',
  droppedAfterSend:
    'The connection to the web console closed before it answered, so the request may or may not have been carried out. Check the result once the page has reconnected.',
  closed: 'This page has closed its connection to Lifeline. Reload the page to connect again.',
  timeout: (seconds: number) =>
    `The web console did not answer within ${seconds} s, so the request may or may not have been carried out. Check the result, then try again.`,
};

interface PendingCall {
  wire: string;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: Result<unknown>): void;
}

type EventListeners = { [K in EventName]: Set<(value: LifelineEvents[K]) => void> };

class WebSocketClient implements ConnectionSource {
  private socket: SocketLike | null = null;
  private state: ConnectionState = 'connecting';
  private closed = false;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly eventListeners: EventListeners = {
    serversChanged: new Set(),
    vaultChanged: new Set(),
    keysChanged: new Set(),
    promptsChanged: new Set(),
    terminalsChanged: new Set(),
    linksChanged: new Set(),
    savedCommandsChanged: new Set(),
    commandRun: new Set(),
  };

  constructor(
    private readonly url: string,
    private readonly options: Required<WebSocketApiOptions>,
  ) {
    this.open();
  }

  current(): ConnectionState {
    return this.state;
  }

  onChange(listener: (state: ConnectionState) => void): Unsubscribe {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  on<K extends EventName>(name: K, listener: (value: LifelineEvents[K]) => void): Unsubscribe {
    const listeners = this.eventListeners[name] as Set<(value: LifelineEvents[K]) => void>;
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  call<K extends RequestName>(method: K, args: Parameters<LifelineRequests[K]>): ReturnType<LifelineRequests[K]> {
    // The main side answers a call of `method` with that method's result type; the wire cannot say so.
    return this.send(method, args) as ReturnType<LifelineRequests[K]>;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(1000, 'closed by the page');
    }
    this.failAll(MESSAGES.closed);
    this.stateListeners.clear();
    for (const listeners of Object.values(this.eventListeners)) listeners.clear();
  }

  private send(method: RequestName, args: unknown[]): Promise<Result<unknown>> {
    if (this.closed) return Promise.resolve(disconnected(MESSAGES.closed));
    if (this.state === 'reconnecting') return Promise.resolve(disconnected(MESSAGES.reconnecting));
    if (this.state === 'stopped') return Promise.resolve(disconnected(MESSAGES.stopped));
    return new Promise((resolve) => {
      const id = this.nextId++;
      const call: WireCall = { type: 'call', id, method, args };
      const seconds = Math.round(this.options.callTimeoutMs / 1000);
      const timer = setTimeout(() => this.settle(id, disconnected(MESSAGES.timeout(seconds))), this.options.callTimeoutMs);
      const pending: PendingCall = { wire: JSON.stringify(call), sent: false, timer, resolve };
      this.pending.set(id, pending);
      if (this.state === 'open') this.transmit(id, pending);
    });
  }

  private transmit(id: number, pending: PendingCall): void {
    try {
      this.socket?.send(pending.wire);
      pending.sent = true;
    } catch {
      this.settle(id, disconnected(MESSAGES.reconnecting));
    }
  }

  private settle(id: number, result: Result<unknown>): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(result);
  }

  private failAll(message: string, messageIfSent = message): void {
    for (const [id, pending] of [...this.pending]) {
      this.settle(id, disconnected(pending.sent ? messageIfSent : message));
    }
  }

  private open(): void {
    let socket: SocketLike;
    try {
      socket = new this.options.WebSocket(this.url);
    } catch (error) {
      // A URL the browser refuses outright will not get better by retrying, but the page must still
      // show why nothing loads; the retry loop reports it as a connection that keeps failing.
      console.error('lifeline: cannot open the web console connection:', error);
      this.dropped(null);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.setState('open');
      for (const [id, pending] of [...this.pending]) if (!pending.sent) this.transmit(id, pending);
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = () => {
      if (this.socket === socket) this.dropped(socket);
    };
    // Every error is followed by a close event, which does the handling once.
    socket.onerror = () => undefined;
  }

  private dropped(socket: SocketLike | null): void {
    if (socket) detach(socket);
    this.socket = null;
    const wasOpen = this.state === 'open';
    this.failAll(wasOpen ? MESSAGES.reconnecting : MESSAGES.firstAttemptFailed, MESSAGES.droppedAfterSend);
    if (this.closed) return;
    if (!wasOpen) this.failures += 1;
    this.setState(this.failures >= this.options.stoppedAfterFailures ? 'stopped' : 'reconnecting');
    this.retryTimer = setTimeout(() => this.open(), retryDelay(this.failures, this.options.retry));
  }

  private receive(data: unknown): void {
    const message = parseReply(data);
    if (!message) {
      console.error('lifeline: ignored an unreadable message from the web console:', String(data).slice(0, 200));
      return;
    }
    switch (message.type) {
      case 'result':
        // A reply to a call that already timed out finds nothing here; its caller was told.
        this.settle(message.id, message.result);
        return;
      case 'event':
        this.emit(message.name, message.value);
        return;
      case 'error':
        // The console could not read one of our messages: a bug on this side, worth a loud report.
        console.error(`lifeline: the web console refused a message (${message.code}): ${message.message}`);
        return;
    }
  }

  private emit<K extends EventName>(name: K, value: LifelineEvents[K]): void {
    if (!Object.hasOwn(this.eventListeners, name)) return;
    for (const listener of [...(this.eventListeners[name] as Set<(value: LifelineEvents[K]) => void>)]) {
      try {
        listener(value);
      } catch (error) {
        console.error(`lifeline: a ${name} listener failed:`, error);
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
}

function disconnected(message: string): ApiError {
  return { ok: false, code: 'DISCONNECTED', message };
}

// The console is trusted (same origin, authenticated); this only guards against a garbled frame.
function parseReply(data: unknown): WireReply | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return undefined;
    const type = (value as { type?: unknown }).type;
    return type === 'result' || type === 'event' || type === 'error' ? (value as WireReply) : undefined;
  } catch {
    return undefined;
  }
}
