// The tmux layer's round trip, the same for Lifeline and its peer: a line typed into a session with
// send-keys, then capture-pane until what the line printed is on screen. Only the way each tmux command
// reaches the server differs (an exec on ssh2's connection, or a `ssh -S` through a ControlMaster).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { literalArgument } from '../../agent/tmux/send-capture';
import { tmuxArgv, type TmuxServer } from '../../agent/tmux/tmux-command';
import { execCollect } from '../../main/links/adapters/ssh-exec';
import type { SshConnection } from '../../main/ssh/connect';
import { shellCommand } from '../../main/ssh/shell-quote';
import { sshArgs, type OpenSshTarget } from './openssh';

/** Runs `tmux ARGS…` on the server and resolves with its stdout; rejects unless it exits 0. */
export type TmuxOnServer = (args: readonly string[]) => Promise<string>;

const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Captures before giving up: a round trip that needs this many is broken, not slow. */
const MAX_CAPTURES = 500;

/** Types a line that prints a fresh marker, and captures until the marker shows; resolves with the captures it took. */
export async function typeAndCapture(tmux: TmuxOnServer, session: string): Promise<number> {
  const nonce = randomBytes(6).toString('hex');
  // Split in the typed text, so the echo of the line itself never matches.
  const line = ` printf 'LL-BENCH-%s\\n' ${nonce}`;
  await tmux(['send-keys', '-t', session, '-l', '--', literalArgument(line), ';', 'send-keys', '-t', session, 'Enter']);
  for (let captures = 1; captures <= MAX_CAPTURES; captures++) {
    if ((await tmux(['capture-pane', '-p', '-J', '-t', session, '-S', '-20'])).includes(`LL-BENCH-${nonce}`)) return captures;
  }
  throw new Error(`The marker typed into tmux session ${session} did not show after ${MAX_CAPTURES} captures.`);
}

/** tmux over Lifeline's ssh2 connection, as the tmux layer runs it (execCollect, tmuxArgv). */
export function tmuxOverSsh2(connection: SshConnection, server: TmuxServer): TmuxOnServer {
  const signal = new AbortController().signal;
  return async (args) => {
    const outcome = await execCollect('tmux', connection, tmuxArgv(server, args), signal, MAX_OUTPUT_BYTES);
    if (outcome.code !== 0) throw new Error(`tmux ${args.join(' ')} exited with ${outcome.code ?? outcome.signal}: ${outcome.stderr}`);
    return outcome.stdout;
  };
}

/** tmux through OpenSSH's ControlMaster at `controlPath`: one `ssh -S` process per tmux command. */
export function tmuxOverControlMaster(target: OpenSshTarget, controlPath: string, server: TmuxServer): TmuxOnServer {
  return (args) => sshOutput(sshArgs(target, ['-o', `ControlPath=${controlPath}`], [shellCommand(tmuxArgv(server, args))]));
}

/** Runs `ssh args` and resolves with its stdout; rejects, with its stderr, unless it exits 0. */
export function sshOutput(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`ssh ${args.join(' ')} exited with ${signal ?? code}: ${err.trim()}`));
    });
  });
}
