// THE contract between the renderer and the main side. Types only: the renderer imports this file and
// nothing else from preload/, main/ or agent/. `main/api/` implements it once; `main/electron/` carries it
// over IPC and `main/web/` over a WebSocket, so the renderer never knows which transport it has.

/**
 * Every failure the contract can report. One registry: transports, services and the UI use these codes
 * and nothing else. The message is for people; the code is for code.
 */
export type ErrorCode =
  /** The input broke a rule; `fields` names each offending field with what to change. */
  | 'VALIDATION'
  /** The name is already used by another record of the same kind. */
  | 'DUPLICATE_NAME'
  /** The record does not exist (any more). */
  | 'NOT_FOUND'
  /** The message itself was malformed: unknown method, wrong argument count or types. */
  | 'BAD_REQUEST'
  /** The transport is down (web console stopped, window closing); retry after reconnecting. */
  | 'DISCONNECTED'
  /** A bug or an unexpected failure on the main side; the message says what was logged. */
  | 'INTERNAL';

export interface ApiError {
  ok: false;
  code: ErrorCode;
  message: string;
  /** For VALIDATION and DUPLICATE_NAME: field name → what is wrong with it. */
  fields?: Record<string, string>;
}

export type Result<T> = { ok: true; value: T } | ApiError;

export type Unsubscribe = () => void;

export interface AppInfo {
  version: string;
  /** How this UI is being served. */
  mode: 'desktop' | 'web';
  /** Where this installation keeps its data ($LIFELINE_HOME or the platform's user-data folder). */
  dataDir: string;
}

/** How Lifeline authenticates to a server. */
export type AuthMethod =
  /** The running ssh-agent (`SSH_AUTH_SOCK`). */
  | 'agent'
  /** A key from Lifeline's vault, named by `keyId`. */
  | 'key'
  | 'password'
  | 'keyboard-interactive';

/** What to do with a host key that Lifeline has not seen before, as OpenSSH's `StrictHostKeyChecking`. */
export type HostKeyChecking =
  /** Show the fingerprint and let the user decide. */
  | 'ask'
  /** Refuse unknown keys: only keys already trusted are accepted. */
  | 'yes'
  /** Trust an unknown key on first use and remember it; a changed key is still refused. */
  | 'accept-new'
  /** Accept unknown keys without asking. */
  | 'no';

/** How a server is reached over SSH. Every field has a default, so an input may omit any of them. */
export interface SshSettings {
  /** Defaults to 'agent'. */
  auth: AuthMethod;
  /** The vault key to log in with; required when `auth` is 'key', otherwise kept for later. */
  keyId: string | null;
  /** The server to connect through (OpenSSH's ProxyJump), or null to connect directly. */
  jumpServerId: string | null;
  /** Lets the server use the local ssh-agent. Defaults to false. */
  agentForwarding: boolean;
  /** Defaults to 'ask'. */
  strictHostKeyChecking: HostKeyChecking;
  /** Seconds between keepalive probes, 0–3600; 0 turns them off. Defaults to 10. */
  keepaliveInterval: number;
  /** Unanswered keepalives before the connection counts as dropped, 1–100. Defaults to 3. */
  keepaliveCountMax: number;
  /** The tmux session terminals attach to (1–64 letters, digits, "_" and "-"), or null for a plain shell. */
  tmuxSession: string | null;
  /** Writes each terminal's raw transcript to the data folder. Defaults to false. */
  sessionLog: boolean;
}

export interface Server extends SshSettings {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  tags: string[];
  /** Group name, or null when the server is in no group. */
  group: string | null;
  /** ISO 8601 timestamps. */
  createdAt: string;
  updatedAt: string;
}

/** What the user types to create or edit a server. Omitted optional fields take their defaults. */
export interface ServerInput extends Partial<SshSettings> {
  name: string;
  host: string;
  /** Defaults to 22. */
  port?: number;
  user: string;
  /** Defaults to none. */
  tags?: string[];
  /** Empty or omitted: no group. */
  group?: string | null;
}

export interface LifelineApi {
  getAppInfo(): Promise<Result<AppInfo>>;

  /** All servers, ordered by name. */
  listServers(): Promise<Result<Server[]>>;
  createServer(input: ServerInput): Promise<Result<Server>>;
  /** Replaces every field of the server with `input` (omitted optional fields take their defaults). */
  updateServer(id: string, input: ServerInput): Promise<Result<Server>>;
  deleteServer(id: string): Promise<Result<{ id: string }>>;

  /** Fires after any change to the servers, by this client or another one, with the full new list. */
  onServersChanged(listener: (servers: Server[]) => void): Unsubscribe;
}

/** The request/response half of the contract: what a transport dispatches by name. */
export type LifelineRequests = {
  [K in keyof LifelineApi as K extends `on${string}` ? never : K]: LifelineApi[K];
};
export type RequestName = keyof LifelineRequests;

/** The event half of the contract, by event name (`onServersChanged` → `serversChanged`). */
export interface LifelineEvents {
  serversChanged: Server[];
}
export type EventName = keyof LifelineEvents;

// ---- Web console wire format: the same contract as JSON messages over one WebSocket (`/api`). ----

/** Renderer → main: call a request method. `id` is the caller's, echoed in the reply. */
export interface WireCall {
  type: 'call';
  id: number;
  method: RequestName;
  args: unknown[];
}

/** Main → renderer messages. */
export type WireReply =
  /** The result of the call with the same id. */
  | { type: 'result'; id: number; result: Result<unknown> }
  /** An event of the contract (`serversChanged` for `onServersChanged`). */
  | { [K in EventName]: { type: 'event'; name: K; value: LifelineEvents[K] } }[EventName]
  /** A message that could not be read at all (no usable id); the connection stays open. */
  | { type: 'error'; code: ErrorCode; message: string };
