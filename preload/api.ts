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
  /**
   * The saved command is marked dangerous and the call did not confirm it: ask the user, then call again
   * with `confirmDangerous: true`. Nothing was run.
   */
  | 'CONFIRMATION_REQUIRED'
  /** A bug or an unexpected failure on the main side; the message says what was logged. */
  | 'INTERNAL';

export interface ApiError {
  ok: false;
  code: ErrorCode;
  message: string;
  /**
   * For VALIDATION and DUPLICATE_NAME: field name → what is wrong with it. A field inside a nested object
   * is named twice: by the object (`link`) and by its whole path (`link.agent.port`).
   */
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

/** A way a command reaches a server's agent; failover tries a server's layers in its order. */
export type LinkLayer = 'bridge' | 'tmux' | 'trigger' | 'exec';

/** The agent's socket bridge on a server. */
export interface AgentEndpoint {
  host: string;
  port: number;
  /** "SHA256:…" of the agent's certificate, pinned (TLS); null for plain TCP. */
  tlsFingerprint: string | null;
}

/**
 * How Lifeline reaches a server's agent over the layers. The agent token is write-only: set it with
 * `setAgentToken`; no method ever returns it.
 */
export interface ServerLink {
  /** Null: no socket bridge (the bridge layer is refused). */
  agent: AgentEndpoint | null;
  /** Whether the vault holds the agent's token (the token itself never crosses this contract). */
  agentTokenSaved: boolean;
  /** The argv that starts `run-command` on the server (tmux and exec layers); null: `lifeline agent run-command`. */
  agentCommand: string[] | null;
  /** The agent's trigger folder on the server (its trigger.dir); null: no trigger layer. */
  triggerDir: string | null;
  /** The tmux server's socket name (`tmux -L`) of the tmux layer; null: the user's default server. The session is `tmuxSession`. */
  tmuxSocket: string | null;
  /** The order failover tries the layers in. */
  layers: LinkLayer[];
}

/**
 * Changes to a server's link. On create, an omitted field takes its default (none; every layer in the
 * default order). On update, an omitted field — or the whole `link` — keeps its stored value; null clears it.
 */
export interface ServerLinkInput {
  agent?: { host: string; port: number; tlsFingerprint?: string | null } | null;
  agentCommand?: string[] | null;
  triggerDir?: string | null;
  tmuxSocket?: string | null;
  /** 1–4 distinct layers. */
  layers?: LinkLayer[];
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
  /** The group's id (what saved commands and runs name a group by), or null. */
  groupId: string | null;
  link: ServerLink;
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
  /** The agent link; see ServerLinkInput for what omitting a field means. */
  link?: ServerLinkInput;
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
  /**
   * Replaces every field of the server with `input` (omitted optional fields take their defaults), except
   * the link: its omitted fields keep their stored values (see ServerLinkInput).
   */
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
  /** Saves the token of the server's agent bridge (its bridge.token) in the vault; null forgets it. Never returned. */
  setAgentToken(serverId: string, token: string | null): Promise<Result<{ serverId: string; saved: boolean }>>;

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

  // ---- Links: every layer of every server, probed on an interval; commands with failover.
  /** Every layer of every server, by server name then the server's layer order. */
  listLinks(): Promise<Result<LinkStatus[]>>;
  /**
   * Probe results of one server from `since` (ISO 8601) on, oldest first, for a latency chart: at most
   * 360 points per layer (when there are more probes, they are merged into equal time buckets).
   */
  linkSamples(serverId: string, since: string): Promise<Result<LinkSamplePoint[]>>;
  /** Probes every layer of one server (or of every server) now, and answers with the new states. */
  probeLinks(serverId?: string): Promise<Result<LinkStatus[]>>;
  /** Fires with every link's status after probes change them (coalesced, not once per probe). */
  onLinksChanged(listener: (links: LinkStatus[]) => void): Unsubscribe;

  /** Saved commands, by name. */
  listSavedCommands(): Promise<Result<SavedCommand[]>>;
  /** Creates a saved command, or replaces every field of the one with `input.id`. */
  saveCommand(input: SavedCommandInput): Promise<Result<SavedCommand>>;
  deleteSavedCommand(id: string): Promise<Result<{ id: string }>>;
  onSavedCommandsChanged(listener: (commands: SavedCommand[]) => void): Unsubscribe;

  /**
   * Starts a command on each target server (at most `concurrency` at once) and answers at once; progress
   * comes through onCommandRun. A dangerous saved command without `confirmDangerous` is refused with
   * CONFIRMATION_REQUIRED and nothing runs.
   */
  runCommand(input: RunCommandInput): Promise<Result<CommandRunInfo>>;
  /** Runs the run's command again, as a new command, on these servers of it (none of them still running). */
  retryCommandRun(runId: string, serverIds: string[]): Promise<Result<CommandRunInfo>>;
  /** Progress of every run, batched: attempts, output, results. */
  onCommandRun(listener: (event: CommandRunEvent) => void): Unsubscribe;
  /** The newest commands of the ledger first (every run, the command line's too), secrets redacted. */
  recentCommands(limit: number): Promise<Result<CommandRecordInfo[]>>;
}

/** up: the last probe worked. degraded: the last probes failed, not yet enough to be down. down: skipped by failover until a probe works. */
export type LinkState = 'unknown' | 'up' | 'degraded' | 'down';

export interface LinkStatus {
  serverId: string;
  serverName: string;
  layer: LinkLayer;
  state: LinkState;
  /** Failed probes in a row. */
  failures: number;
  lastLatencyMs: number | null;
  /** Why the last probe failed (secrets redacted), null after a success. */
  lastError: string | null;
  /** ISO 8601, null when never probed. */
  lastProbeAt: string | null;
}

/** One probe, or the probes of a time bucket, of one layer. */
export interface LinkSamplePoint {
  layer: LinkLayer;
  /** ISO 8601: the probe's time, or the start of its bucket. */
  at: string;
  /** Mean latency of the probes that worked; null when none did. */
  latencyMs: number | null;
  probes: number;
  failures: number;
}

/** What a saved command targets by default. */
export type SavedCommandTarget = { serverId: string } | { groupId: string };

export interface SavedCommand {
  id: string;
  name: string;
  /** Exactly one of argv and script is set; a script runs as `/bin/sh -c SCRIPT` on the server. */
  argv: string[] | null;
  script: string | null;
  /** With the target's current name; null once the server or group was deleted (choose another). */
  target: (SavedCommandTarget & { name: string }) | null;
  /** Running it needs `confirmDangerous: true`. */
  dangerous: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SavedCommandInput {
  /** Omitted: a new command. */
  id?: string;
  name: string;
  /** Exactly one of argv and script. */
  argv?: string[];
  script?: string;
  target: SavedCommandTarget;
  /** Defaults to false. */
  dangerous?: boolean;
}

export type RunTarget = { serverId: string } | { groupId: string } | { serverIds: string[] };

export type RunCommandInput = {
  target: RunTarget;
  /** 1–100 servers at once; defaults to 10. */
  concurrency?: number;
  /** Required (true) for a saved command marked dangerous. */
  confirmDangerous?: boolean;
  /** Only this layer, whatever the probes say; omitted: failover over the server's layers. */
  layer?: LinkLayer;
  /** The command's time limit on the server; omitted: the agent's default. */
  timeoutSeconds?: number;
} & ({ argv: string[]; savedCommandId?: undefined } | { savedCommandId: string; argv?: undefined });

export interface CommandRunInfo {
  runId: string;
  /** Every server of the run, in the order they start. */
  servers: { serverId: string; serverName: string }[];
}

/** running: not ended. finished, timeout, refused, lost: as the agent said. undelivered: no layer brought a result back (it may have run). */
export type CommandState = 'running' | 'finished' | 'timeout' | 'refused' | 'lost' | 'undelivered';

export interface CommandAttemptInfo {
  seq: number;
  layer: LinkLayer;
  startedAt: string;
  latencyMs: number | null;
  outcome: 'running' | 'ok' | 'failed';
  /** UNREACHABLE, AUTH, TIMEOUT, PROTOCOL or REFUSED when it failed. */
  errorCode: string | null;
  error: string | null;
}

/** A command as the ledger holds it: secrets redacted, output capped. */
export interface CommandRecordInfo {
  id: string;
  /** null once the server was deleted; `serverName` keeps its name. */
  serverId: string | null;
  serverName: string;
  argv: string[] | null;
  named: string | null;
  /** The saved command this ran, by the name it had then; null for a command typed in. */
  savedCommand: string | null;
  requestedBy: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  state: CommandState;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Output was cut at the ledger's limit. */
  truncated: boolean;
  /** The layer that brought the result back. */
  layer: LinkLayer | null;
  message: string | null;
  attempts: CommandAttemptInfo[];
}

/** One step of one server of a run. */
export type CommandRunUpdate =
  /** The server's command got its id (a retry gets a new one). */
  | { kind: 'started'; serverId: string; commandId: string; at: string }
  | {
      kind: 'attempt';
      serverId: string;
      commandId: string;
      layer: LinkLayer;
      /** skipped: down by its probes. */
      phase: 'started' | 'ok' | 'failed' | 'skipped';
      at: string;
      latencyMs: number | null;
      errorCode: string | null;
      error: string | null;
    }
  /** Live output (secrets redacted); `cut` once the live limit per stream is reached (the result has the ledger's copy). */
  | { kind: 'output'; serverId: string; stream: 'stdout' | 'stderr'; text: string; cut?: true }
  | { kind: 'result'; serverId: string; result: CommandRecordInfo }
  /** Nothing was sent or recorded (the server was deleted meanwhile, or Lifeline is stopping); the message says why. */
  | { kind: 'notRun'; serverId: string; message: string };

export interface CommandRunEvent {
  runId: string;
  /** In order; output of one server and stream merged. */
  updates: CommandRunUpdate[];
  /** No server of the run is running any more. */
  done: boolean;
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
  linksChanged: LinkStatus[];
  savedCommandsChanged: SavedCommand[];
  commandRun: CommandRunEvent;
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
