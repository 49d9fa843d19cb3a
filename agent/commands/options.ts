/** A command the agent's config defines by name: a client asks for it with `named` instead of argv. */
export interface NamedCommand {
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Replaces the agent's default limit for this command; a client may only ask for less. */
  timeoutSeconds?: number;
}

/** What the executor needs from the agent's config (the lead maps `commands` in config.ts onto it). */
export interface CommandsOptions {
  /**
   * Argv patterns allowed: each element a literal, "*" for any one element, or "**" (last only) for any
   * rest. Absent: every argv is allowed. Named commands are always allowed: the config itself chose them.
   */
  allow?: { argv: string[] }[];
  named?: Record<string, NamedCommand>;
  /** The default limit on a command's run time, in seconds (300). */
  timeoutSeconds: number;
  /** Output stored in the ledger per stream, in bytes (1 MiB); live output is not capped. */
  outputCapBytes: number;
  /** Time between SIGTERM and SIGKILL when a command's process group is stopped, in ms (5000). */
  killGraceMs?: number;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
