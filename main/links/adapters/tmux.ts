import { randomBytes } from 'node:crypto';
import { methods, type CommandResult, type RunParams } from '../../../agent/protocol/messages';
import { literalArgument } from '../../../agent/tmux/send-capture';
import { tmuxArgv, tmuxRefusal, type TmuxServer } from '../../../agent/tmux/tmux-command';
import type { SshConnection } from '../../ssh/connect';
import { shellCommand } from '../../ssh/shell-quote';
import type { LayerAdapter, LinkTarget } from './layer';
import { LinkError } from './link-error';
import { pollUntil } from './poll';
import { noResultError, readResult, runCommandArgv } from './run-command-line';
import { connectionOf, execCollect } from './ssh-exec';

// The tmux layer: run-command typed into a named tmux session on the server (send-keys over the shared
// SSH connection), its answer read back from the pane (capture-pane). It reaches a server through a
// session someone keeps open, with that session's environment.
//
// The typed line prints the answer behind markers built from a fresh nonce, split in the typed text
// (`printf 'LIFELINE-END-%s' NONCE`), so the echo of the line itself never matches. The answer is
// base64, so nothing in a command's output can drive the terminal or be mangled by it.

const RESULT_MARK = 'LIFELINE-RESULT-';
const END_MARK = 'LIFELINE-END-';
/** Rows looked at while waiting: the end marker is the last thing printed, on the visible screen. */
const RECENT_ROWS = 100;
const MAX_CAPTURE_BYTES = 64 * 1024 * 1024;
const MAX_TMUX_OUTPUT_BYTES = 64 * 1024;
/** What a pane must be running for keys to be typed into it: a shell at its prompt, not a program. */
const SHELLS = /^-?(sh|bash|dash|zsh|ksh|mksh|ash)$/;

export class TmuxAdapter implements LayerAdapter {
  readonly layer = 'tmux';
  readonly streamsOutput = false;

  /** The session exists and its pane is at a shell, ready for a typed command. */
  async probe(target: LinkTarget, signal: AbortSignal): Promise<void> {
    const session = await this.open(target, signal);
    await this.checkPane(session, signal);
  }

  async run(target: LinkTarget, params: RunParams, signal: AbortSignal): Promise<CommandResult> {
    const session = await this.open(target, signal);
    await this.checkPane(session, signal);
    const nonce = randomBytes(9).toString('hex');
    const line = typedLine(shellCommand(runCommandArgv(target.remoteCommand, params)), nonce);
    const { name } = session;
    await this.tmux(session, ['send-keys', '-t', name, '-l', '--', literalArgument(line), ';', 'send-keys', '-t', name, 'Enter'], signal);

    const recent = ['capture-pane', '-p', '-J', '-t', name, '-S', `-${RECENT_ROWS}`];
    await pollUntil(this.layer, signal, async () => ((await this.tmux(session, recent, signal)).includes(`${END_MARK}${nonce}`) ? true : undefined));
    // The answer line can be longer than the rows looked at so far: read the whole history once.
    const history = await this.tmux(session, ['capture-pane', '-p', '-J', '-t', name, '-S', '-'], signal, MAX_CAPTURE_BYTES);
    const answer = findAnswer(history, nonce);
    const where = `tmux session ${name} on ${session.connection.endpoint}`;
    if (!answer) {
      throw new LinkError(this.layer, 'PROTOCOL', `The answer of command ${params.commandId} scrolled out of the history of ${where}; raise the session's history-limit, or run large commands over another layer (the command ran: a retry replays it).`);
    }
    if (!answer.payload) throw noResultError(this.layer, target.remoteCommand, where, answer.status, 'see the session for what it printed');
    return readResult(this.layer, Buffer.from(answer.payload, 'base64').toString('utf8'), params.commandId, `The answer in ${where}`);
  }

  dispose(): void {
    // Nothing of its own: every tmux command is one exec channel, closed when it ends.
  }

  private async open(target: LinkTarget, signal: AbortSignal): Promise<TmuxSession> {
    if (!target.tmuxSession) {
      throw new LinkError(this.layer, 'REFUSED', `Server ${target.serverId} has no tmux session set: name one (lifeline servers add … --tmux-session NAME), or leave tmux out of its layers.`);
    }
    const checked = methods['tmux.send'].params.shape.session.safeParse(target.tmuxSession);
    if (!checked.success) throw new LinkError(this.layer, 'REFUSED', `Server ${target.serverId}'s tmux session "${target.tmuxSession}": ${checked.error.issues[0]?.message}.`);
    const server: TmuxServer = target.tmuxSocketName === undefined ? {} : { socketName: target.tmuxSocketName };
    try {
      tmuxArgv(server, []); // checks the socket name once, so later calls cannot throw
    } catch (error) {
      throw new LinkError(this.layer, 'REFUSED', `Server ${target.serverId}: ${(error as Error).message}`);
    }
    return { connection: await connectionOf(this.layer, target, signal), server, name: target.tmuxSession };
  }

  private async checkPane(session: TmuxSession, signal: AbortSignal): Promise<void> {
    // display-message alone prints nothing and succeeds for a missing session; has-session fails first.
    const ask = ['has-session', '-t', session.name, ';', 'display-message', '-p', '-t', session.name, '#{pane_current_command} #{pane_in_mode}'];
    const state = (await this.tmux(session, ask, signal)).trim();
    const [command = '', inMode = '0'] = state.split(' ');
    const where = `tmux session ${session.name} on ${session.connection.endpoint}`;
    if (inMode !== '0') {
      throw new LinkError(this.layer, 'REFUSED', `The pane of ${where} is in copy mode, where typed keys do not reach the shell; leave it (q) and try again.`);
    }
    if (!SHELLS.test(command)) {
      throw new LinkError(this.layer, 'REFUSED', `The pane of ${where} is running ${command || 'something unknown'}, not a shell at its prompt; commands are typed only into a shell. Wait for it to end, or give the server a session of its own.`);
    }
  }

  /** `tmux [-L socket] ARGS…` on the server; a refusal says what to do (e.g. start the session). */
  private async tmux(session: TmuxSession, args: readonly string[], signal: AbortSignal, maxBytes = MAX_TMUX_OUTPUT_BYTES): Promise<string> {
    const outcome = await execCollect(this.layer, session.connection, tmuxArgv(session.server, args), signal, maxBytes);
    if (outcome.code === 0) return outcome.stdout;
    if (outcome.code === 127) {
      throw new LinkError(this.layer, 'REFUSED', `tmux is not installed on ${session.connection.endpoint} (or not on the login's PATH); install it there, or leave tmux out of the server's layers.`);
    }
    const said = outcome.stderr.trim() || `exit ${outcome.code ?? outcome.signal ?? 'unknown'}`;
    throw new LinkError(this.layer, 'UNREACHABLE', `On ${session.connection.endpoint}: ${tmuxRefusal(session.server, String(args[0]), said).message}`);
  }
}

interface TmuxSession {
  readonly connection: SshConnection;
  readonly server: TmuxServer;
  readonly name: string;
}

/**
 * What is typed: in a subshell (nothing left set in the session), with a leading space (kept out of the
 * shell's history where HISTCONTROL ignores such lines), run-command's answer captured, then printed as
 * `LIFELINE-RESULT-<nonce> <exit status> <base64 of the answer>` and an end line.
 */
export function typedLine(command: string, nonce: string): string {
  const encoded = `"$(printf %s "$r" | base64 | tr -d '\\n')"`;
  return ` (r=$(${command}); s=$?; printf '${RESULT_MARK}%s %s %s\\n${END_MARK}%s\\n' ${nonce} "$s" ${encoded} ${nonce})`;
}

/** The last answer line for `nonce` in a capture: run-command's exit status and its base64 answer (empty when it printed none). */
export function findAnswer(capture: string, nonce: string): { status: number; payload: string } | undefined {
  const mark = `${RESULT_MARK}${nonce} `;
  for (const line of capture.split('\n').reverse()) {
    const at = line.indexOf(mark);
    if (at === -1) continue;
    const match = /^(\d+) ?([A-Za-z0-9+/=]*)/.exec(line.slice(at + mark.length));
    if (match) return { status: Number(match[1]), payload: match[2] ?? '' };
  }
  return undefined;
}
