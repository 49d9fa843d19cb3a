import { execFile } from 'node:child_process';

/** Which tmux server to talk to: the user's default one, or a named socket (`tmux -L NAME`). */
export interface TmuxServer {
  socketName?: string;
}

/** A tmux command failed; the message says what happened and what to do. */
export class TmuxError extends Error {
  override readonly name = 'TmuxError';
}

// tmux makes the name a file in its socket folder (/tmp/tmux-UID/NAME): no separators, no "." or "..".
const SOCKET_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,64}$/;

const DEFAULT_TIMEOUT_MS = 5000;

/** `tmux [-L NAME] ARGS…` as an argv array. */
export function tmuxArgv(server: TmuxServer, args: readonly string[]): string[] {
  if (server.socketName === undefined) return ['tmux', ...args];
  if (!SOCKET_NAME.test(server.socketName)) {
    throw new TmuxError(`"${server.socketName}" is not a tmux socket name: use 1 to 64 letters, digits, "_", "." or "-" (it names a file in tmux's socket folder).`);
  }
  return ['tmux', '-L', server.socketName, ...args];
}

/** Runs one tmux command (argv, never a shell) and resolves with its stdout. */
export async function runTmux(server: TmuxServer, args: readonly string[], options: { timeoutMs?: number; maxBuffer?: number } = {}): Promise<string> {
  const argv = tmuxArgv(server, args);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: timeoutMs, maxBuffer: options.maxBuffer ?? 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) resolve(stdout);
      else reject(describeFailure(server, args, error, stderr, timeoutMs));
    });
  });
}

type ExecFailure = Error & { code?: string | number | null; killed?: boolean };

function describeFailure(server: TmuxServer, args: readonly string[], error: ExecFailure, stderr: string, timeoutMs: number): TmuxError {
  if (error.code === 'ENOENT') return new TmuxError('tmux is not installed or not on PATH: install it (apt-get install tmux) to use the tmux layer.');
  if (error.killed) return new TmuxError(`tmux ${args[0]} did not finish within ${timeoutMs} ms on ${serverName(server)}; check that the server is not stuck (tmux list-sessions).`);
  return tmuxRefusal(server, args[0], stderr.trim() || error.message);
}

/** What tmux said when it refused `command`, as an error that also says what to do. */
export function tmuxRefusal(server: TmuxServer, command: string, said: string): TmuxError {
  const where = serverName(server);
  if (/^(no server running|error connecting to|no sessions|server exited unexpectedly)/m.test(said)) {
    return new TmuxError(`No tmux server is running on ${where} (${said}); start the session first, e.g. tmux new-session -d -s NAME.`);
  }
  const missing = /^can't find (?:session|window|pane): ?(.*)$/m.exec(said);
  if (missing) {
    // tmux names the kind of target it looked up last ("pane" for send-keys -t SESSION): name them all.
    return new TmuxError(`${where} has no session, window or pane "${missing[1]}"; check the name (tmux list-sessions) or start it with tmux new-session -d -s NAME.`);
  }
  return new TmuxError(`tmux ${command} failed on ${where}: ${said}`);
}

function serverName(server: TmuxServer): string {
  return server.socketName === undefined ? 'the default tmux server' : `the tmux server on socket "${server.socketName}"`;
}
