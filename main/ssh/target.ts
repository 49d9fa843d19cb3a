// What connectSsh needs: where to connect, how to log in, and who decides about host keys and prompts.

/** How to log in. A private key arrives decrypted from the vault and is used for this login only. */
export type SshAuth =
  | { readonly kind: 'key'; readonly privateKey: Buffer }
  | { readonly kind: 'agent'; readonly socket: string }
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'keyboard-interactive' };

/** One SSH server to log in to: the destination, or a hop on the way to it. */
export interface SshHop {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly auth: SshAuth;
  /** Seconds between keepalives (ServerAliveInterval; the unit of the servers table; fractions allowed); 0 turns them off. Default 10. */
  readonly keepaliveInterval?: number;
  /** Unanswered keepalives after which the connection counts as lost (ServerAliveCountMax). Default 3. */
  readonly keepaliveCountMax?: number;
  /** Forwards this ssh-agent to the server, like `ssh -A`; off when absent. */
  readonly agentForward?: { readonly socket: string };
}

export interface SshTarget extends SshHop {
  /** The ProxyJump chain, first hop first. Each hop verifies its own host key and logs in with its own auth. */
  readonly jump?: readonly SshHop[];
}

/** The host key a server presented, before any authentication. */
export interface HostKeyInfo {
  readonly host: string;
  readonly port: number;
  /** As the key declares it: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, … */
  readonly keyType: string;
  /** The SSH wire-format blob. */
  readonly key: Buffer;
  /** `SHA256:…`, as OpenSSH shows it. */
  readonly fingerprint: string;
}

/** A keyboard-interactive round: show the prompts in order, answer them in the same order. */
export interface KeyboardInteractiveRequest {
  readonly name: string;
  readonly instructions: string;
  readonly prompts: readonly { readonly prompt: string; readonly echo: boolean }[];
}

export interface ConnectOptions {
  /**
   * Decides about a host key, for the destination and each hop, before any authentication. An Error
   * refuses the key; connectSsh then rejects with HOST_KEY wrapping it.
   */
  verifyHostKey(info: HostKeyInfo): Promise<true | Error>;
  /** Answers keyboard-interactive prompts; null means the user cancelled. Without it such logins are cancelled. */
  prompt?(request: KeyboardInteractiveRequest): Promise<string[] | null>;
  /**
   * Time allowed per server (TCP connect, handshake, login), in ms; default 20 000. Time spent waiting on
   * verifyHostKey or prompt does not count: a person reading a fingerprint is not a slow network.
   */
  readyTimeoutMs?: number;
  /** Aborts connecting (CANCELLED). It has no effect once connectSsh has resolved: use close() then. */
  signal?: AbortSignal;
}
