import type { SshConnection } from '../ssh/connection';
import type { TmuxSessionInfo } from './types';

// One line per session. ":" separates the fields: tmux never leaves one in a session name (it is the
// target separator), while a tab would be printed as "_" (tmux escapes control characters).
const LIST_FORMAT = '#{session_name}:#{session_windows}:#{session_attached}';
// What tmux 3.x says when no server runs on the socket: it never started, or exited with its last session.
const NO_SERVER = /no server running|error connecting to|no sessions/i;
const COMMAND_NOT_FOUND = 127;

/** The tmux argv on the remote side; `socketName` selects a private server (`tmux -L`). */
export function tmuxArgv(socketName: string | undefined, args: readonly string[]): string[] {
  return ['tmux', ...(socketName ? ['-L', socketName] : []), ...args];
}

/** Attaches to session `name`, creating it first if it does not exist. */
export function attachOrCreateArgv(socketName: string | undefined, name: string): string[] {
  return tmuxArgv(socketName, ['new-session', '-A', '-s', name]);
}

export function parseTmuxSessions(listing: string): TmuxSessionInfo[] {
  return listing
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [attached, windows, ...name] = line.split(':').reverse();
      return { name: name.reverse().join(':'), windows: Number(windows), attached: Number(attached) > 0 };
    });
}

/** The server's tmux sessions; no tmux server (or no sessions) is an empty list. */
export async function listTmuxSessions(connection: SshConnection, socketName: string | undefined): Promise<TmuxSessionInfo[]> {
  const channel = await connection.exec(tmuxArgv(socketName, ['list-sessions', '-F', LIST_FORMAT]));
  channel.stdin.end();
  const [stdout, stderr, exit] = await Promise.all([readAll(channel.stdout), readAll(channel.stderr), channel.exit]);
  if (exit.code === 0) return parseTmuxSessions(stdout);
  if (NO_SERVER.test(stderr)) return [];
  if (exit.code === COMMAND_NOT_FOUND) throw new Error(`tmux is not installed on ${connection.endpoint}. Install it there (e.g. "apt install tmux") to use tmux sessions.`);
  throw new Error(`tmux on ${connection.endpoint} could not list its sessions (${exit.signal ?? `exit status ${exit.code}`}): ${stderr.trim() || 'no message'}. Check the tmux installation on that server.`);
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
