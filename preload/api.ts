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

export interface Server {
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
export interface ServerInput {
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
