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
  /** The action conflicts with the current state (vault already set up, a change raced another one). */
  | 'CONFLICT'
  /** The vault has not been set up yet: initializeVault first. */
  | 'VAULT_NOT_INITIALIZED'
  /** The vault is locked: unlockVault first. */
  | 'VAULT_LOCKED'
  /** The passphrase (vault or key) is wrong; nothing changed. */
  | 'WRONG_PASSPHRASE'
  /** The key is encrypted: ask for its passphrase and try again. */
  | 'PASSPHRASE_REQUIRED'
  /** The text is not a private key Lifeline can use; the message says which formats are. */
  | 'UNSUPPORTED_KEY'
  /** The server's host key was refused (changed, revoked, unknown and not accepted). */
  | 'HOST_KEY_REFUSED'
  /** The server refused every login method tried; the message lists them. */
  | 'AUTH_FAILED'
  /** The server could not be reached (refused, timed out, no route, jump host failed). */
  | 'UNREACHABLE'
  /** The user cancelled (a prompt was dismissed). */
  | 'CANCELLED'
  /**
   * An SSH client config (or a file it includes) is missing, unreadable or has a line ssh would refuse;
   * the message names the file and line and what to do.
   */
  | 'SSH_CONFIG_ERROR'
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

/** Which OpenSSH client config to read. */
export interface SshConfigSource {
  /**
   * An absolute path, or one starting with `~/` (the home folder of the account the main side runs as).
   * Omitted: `~/.ssh/config`. Includes in it are read relative to `~/.ssh`, as ssh reads them.
   */
  file?: string;
}

export interface SshConfigImportInput extends SshConfigSource {
  /** Names of hosts from the preview's `create` list. */
  hosts: string[];
}

/** A server the import would create. */
export interface SshConfigHost {
  /** Its name in Lifeline: the Host alias, or the hop as written for a jump host only named in a ProxyJump. */
  name: string;
  host: string;
  port: number;
  user: string;
  /** The key files the config names for it (absolute). They are not imported: the server logs in with the ssh-agent. */
  identityFiles: string[];
  /** The servers it connects through, by name, first hop first; the last one becomes its jump server. */
  jumpChain: string[];
  /** The other settings the config gives it; what is missing takes Lifeline's default. */
  settings: Partial<Pick<SshSettings, 'keepaliveInterval' | 'keepaliveCountMax' | 'strictHostKeyChecking' | 'agentForwarding'>>;
}

/** A host (or a line) of the config that is not imported, and why. */
export interface SshConfigSkipped {
  host: string;
  reason: string;
}

export interface SshConfigPreview {
  /** Every file read, the main config first (absolute paths). */
  files: string[];
  /** Jump servers come before the servers that go through them. */
  create: SshConfigHost[];
  skipped: SshConfigSkipped[];
}

export interface SshConfigImportOutcome {
  /** In the order they were created, jump servers first. */
  created: Server[];
  /** The chosen hosts that were not created, and why. */
  notCreated: SshConfigSkipped[];
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

  /** Reads an OpenSSH client config and says which servers it would create and what it skips, and why. Writes nothing. */
  previewSshConfigImport(source: SshConfigSource): Promise<Result<SshConfigPreview>>;
  /**
   * Reads the config again and creates the chosen hosts (names from the preview's `create`), jump servers
   * first. A host whose jump server is planned but not chosen is not created either.
   */
  importSshConfig(input: SshConfigImportInput): Promise<Result<SshConfigImportOutcome>>;

  // ---- Key vault: private keys and passphrases never cross this contract; keys are ids and public data.
  getVaultStatus(): Promise<Result<VaultStatus>>;
  /** Sets the vault up, wrapped by a passphrase (web console) or the OS keychain (desktop). */
  initializeVault(input: VaultSetup): Promise<Result<VaultStatus>>;
  /** Unlocks with the passphrase; for a keychain-wrapped vault pass null. */
  unlockVault(passphrase: string | null): Promise<Result<VaultStatus>>;
  lockVault(): Promise<Result<VaultStatus>>;
  /** Re-wraps the data key only; stored secrets are untouched. */
  changeVaultPassphrase(current: string, next: string): Promise<Result<VaultStatus>>;
  onVaultChanged(listener: (status: VaultStatus) => void): Unsubscribe;

  /** Public data of every key; works while the vault is locked. */
  listKeys(): Promise<Result<KeyInfo[]>>;
  generateKey(input: GenerateKeyInput): Promise<Result<KeyInfo>>;
  /** Imports a pasted or read private key. The passphrase of an encrypted key is used once, never kept. */
  importKey(input: ImportKeyInput): Promise<Result<KeyInfo>>;
  deleteKey(id: string): Promise<Result<{ id: string }>>;
  onKeysChanged(listener: (keys: KeyInfo[]) => void): Unsubscribe;

  /** Saves a server's login password in the vault (for auth 'password'); null forgets it. */
  setServerPassword(serverId: string, password: string | null): Promise<Result<{ serverId: string; saved: boolean }>>;

  // ---- Questions the main side asks while connecting (unknown host key, password, keyboard-interactive).
  /** Answers a pending prompt; the first answer from any window wins. */
  answerPrompt(id: string, answer: PromptAnswer): Promise<Result<{ id: string }>>;
  /** Fires with every pending prompt whenever one is raised or settled. */
  onPromptsChanged(listener: (prompts: PendingPrompt[]) => void): Unsubscribe;

  /** Host keys remembered for a server; forgetting one is the deliberate way to accept a changed key. */
  listTrustedHostKeys(serverId: string): Promise<Result<TrustedHostKeyInfo[]>>;
  forgetTrustedHostKey(serverId: string, keyType: string): Promise<Result<{ forgotten: number }>>;
  /**
   * Appends the key's public line to `~/.ssh/authorized_keys` on the server, logging in as the server is
   * set up to. Idempotent: a line already there is left alone. Refuses a `~/.ssh` or `authorized_keys`
   * that is a symlink or not owned by the login user.
   */
  installKey(keyId: string, serverId: string): Promise<Result<{ alreadyInstalled: boolean }>>;

  // ---- Terminals: SSH shells, optionally inside a tmux session, that survive reconnects.
  openTerminal(input: OpenTerminalInput): Promise<Result<TerminalInfo>>;
  listTerminals(): Promise<Result<TerminalInfo[]>>;
  resizeTerminal(id: string, cols: number, rows: number): Promise<Result<TerminalInfo>>;
  /** Reconnects now instead of waiting for the next retry. */
  reconnectTerminal(id: string): Promise<Result<TerminalInfo>>;
  closeTerminal(id: string): Promise<Result<{ id: string }>>;
  listTmuxSessions(serverId: string): Promise<Result<TmuxSessionInfo[]>>;
  onTerminalsChanged(listener: (terminals: TerminalInfo[]) => void): Unsubscribe;
  /**
   * The byte stream of one terminal, on its own channel (a MessagePort in the desktop, a WebSocket in the
   * web console), never through the request path. One attachment per terminal: a new one detaches the
   * previous (another window takes it over) and first receives the recent output to repaint.
   */
  attachTerminal(id: string, handlers: TerminalHandlers): TerminalAttachment;
}

export interface VaultStatus {
  state: 'uninitialized' | 'locked' | 'unlocked';
  wrapping: 'passphrase' | 'keychain' | null;
  /** Whether the OS keychain can wrap the vault here (desktop with a real keychain only). */
  keychainAvailable: boolean;
}

export type VaultSetup = { passphrase: string } | { keychain: true };

export interface KeyInfo {
  id: string;
  name: string;
  /** As OpenSSH names it: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, … */
  type: string;
  bits: number;
  comment: string;
  /** `SHA256:…` */
  fingerprint: string;
  /** The one-line OpenSSH public key, for authorized_keys. */
  publicKey: string;
  createdAt: string;
}

export interface GenerateKeyInput {
  name: string;
  /** Defaults to 'ed25519'; 'rsa' makes a 4096-bit key. */
  type?: 'ed25519' | 'rsa';
  comment?: string;
}

export interface ImportKeyInput {
  name: string;
  /** The private key file's text (OpenSSH, PEM PKCS#1/PKCS#8, SEC1). */
  text: string;
  passphrase?: string;
}

export type PendingPrompt =
  | {
      id: string;
      kind: 'host-key';
      /** The server being connected to (the destination, also when the key is a jump host's). */
      serverId: string | null;
      host: string;
      port: number;
      keyType: string;
      fingerprint: string;
      /** Other keys already known for this host, of other types. */
      otherKeys: { keyType: string; fingerprint: string }[];
    }
  | {
      id: string;
      /** A password or keyboard-interactive login: show the prompts in order, answer in the same order. */
      kind: 'credentials';
      serverId: string | null;
      title: string;
      instructions: string;
      prompts: { label: string; echo: boolean }[];
    };

export type PromptAnswer =
  | { kind: 'host-key'; decision: 'once' | 'remember' | 'cancel' }
  /** null cancels. */
  | { kind: 'credentials'; values: string[] | null };

export interface TrustedHostKeyInfo {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  addedAt: string;
}

export interface OpenTerminalInput {
  serverId: string;
  cols: number;
  rows: number;
  /** Attach to (or create) this tmux session; omitted: the server's setting; null: a plain shell. */
  tmuxSession?: string | null;
}

export type TerminalState = 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'failed';

export interface TerminalInfo {
  id: string;
  serverId: string;
  title: string;
  state: TerminalState;
  /** Why it is reconnecting, closed or failed, and what to do. */
  message: string | null;
  /** When the next automatic retry happens while reconnecting (ISO 8601). */
  retryAt: string | null;
  tmuxSession: string | null;
  cols: number;
  rows: number;
}

export interface TmuxSessionInfo {
  name: string;
  windows: number;
  attached: boolean;
}

export interface TerminalHandlers {
  /** Output bytes in order. Call `ack(data.byteLength)` once the terminal has processed them. */
  onData(data: Uint8Array): void;
  /**
   * The attachment ended: the terminal closed, another window took it over, or (`lineLost`) the line
   * that carried the stream dropped — the web console's connection, not the terminal, which lives on
   * and can be attached again once the line is back.
   */
  onDetach(reason: string, lineLost?: boolean): void;
}

export interface TerminalAttachment {
  /** Keyboard input or paste. */
  write(data: string): void;
  /** Flow control: the main side pauses the SSH channel while too many bytes are unacknowledged. */
  ack(bytes: number): void;
  detach(): void;
}

/** The request/response half of the contract: what a transport dispatches by name. */
export type LifelineRequests = {
  [K in keyof LifelineApi as K extends `on${string}` | 'attachTerminal' ? never : K]: LifelineApi[K];
};
export type RequestName = keyof LifelineRequests;

/** The event half of the contract, by event name (`onServersChanged` → `serversChanged`). */
export interface LifelineEvents {
  serversChanged: Server[];
  vaultChanged: VaultStatus;
  keysChanged: KeyInfo[];
  promptsChanged: PendingPrompt[];
  terminalsChanged: TerminalInfo[];
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

// ---- Web console terminal streams: one WebSocket per attachment at `/terminals/<terminal id>`. ----
// Main → renderer: binary frames are output bytes; text frames are TerminalServerMessage.
// Renderer → main: text frames are TerminalClientMessage.

export type TerminalClientMessage = { type: 'input'; data: string } | { type: 'ack'; bytes: number };
export type TerminalServerMessage = { type: 'detached'; reason: string };
