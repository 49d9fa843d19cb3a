import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ControlLineSplitter, parseControlLine } from './control-lines';
import { TmuxError, tmuxArgv, tmuxRefusal, type TmuxServer } from './tmux-command';

export interface TmuxControlOptions extends TmuxServer {
  /** The pane to stream: a session (its active pane) or session:window.pane. */
  target: string;
  /** tmux pauses the pane once this client is this many seconds behind its output. */
  pauseAfterSeconds: number;
  /** How long attaching may take before open gives up (5000). */
  openTimeoutMs?: number;
}

export interface TmuxControlEvents {
  /** Bytes the pane wrote, as they arrive (output from before open resolved is not included). */
  output(data: Buffer): void;
  /** tmux paused the pane because this client fell behind: nothing more comes until continue(). */
  paused(): void;
  /** The control client is gone (fired once, after open resolved), with why in words. */
  exit(reason: string): void;
}

// Same characters as the bridge's tmux targets; they also need no quoting in a control-mode command line.
const TARGET = /^[A-Za-z0-9_.:-]{1,64}$/;
const KILL_AFTER_MS = 2000;
const STDERR_KEPT = 4096;

interface Block {
  guard: string;
  fromClient: boolean;
  lines: string[];
}

interface Waiter {
  resolve(lines: string[]): void;
  reject(error: TmuxError): void;
}

/**
 * One pane's output streamed through tmux control mode (`tmux -C attach`), with `pause-after` set so a
 * pane that floods cannot run away: when the consumer stops reading (pauseReading), tmux sees this
 * client fall behind and pauses the pane for it instead of buffering without end, and the pane stays
 * paused until the consumer asks for more (continue). What the pane wrote meanwhile is not replayed:
 * capture the pane (tmuxCapture) to redraw. (When every client of the pane is a control client that
 * is behind, tmux stops reading the pane instead and its program waits: bounded either way.)
 */
export class TmuxControl {
  /** Attaches, finds the target's pane and sets pause-after; rejects with a TmuxError saying what to do. */
  static async open(options: TmuxControlOptions, events: TmuxControlEvents): Promise<TmuxControl> {
    if (!TARGET.test(options.target)) {
      throw new TmuxError(`"${options.target}" is not a tmux target: use a session name or session:window.pane (letters, digits, "_", ".", ":" or "-").`);
    }
    const control = new TmuxControl(options, events);
    const timeoutMs = options.openTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TmuxError(`tmux control mode did not attach to "${options.target}" within ${timeoutMs} ms; check that the tmux server answers (tmux list-sessions).`)), timeoutMs);
    });
    try {
      await Promise.race([control.start(), timedOut]);
    } catch (error) {
      await control.close();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return control;
  }

  private readonly child: ChildProcessWithoutNullStreams;
  private readonly splitter = new ControlLineSplitter();
  private block: Block | null = null;
  /** The attach's own answer, then this client's commands, answered in the order they were sent. */
  private attachWaiter: Waiter | null = null;
  private readonly waiters: Waiter[] = [];
  private pane: string | null = null;
  private opened = false;
  private pausedByTmux = false;
  private closing = false;
  private exitSaid: string | null = null;
  private stderr = '';
  private ended = false;
  private readonly endedPromise: Promise<void>;
  private killTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly options: TmuxControlOptions,
    private readonly events: TmuxControlEvents,
  ) {
    // Attach to the session only: attaching to a window or pane target would make it the current one.
    const session = options.target.split(/[:.]/)[0];
    const argv = tmuxArgv(options, ['-C', 'attach-session', '-t', session]);
    this.child = spawn(argv[0], argv.slice(1), { stdio: 'pipe' });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (chunk: string) => this.splitter.push(chunk).forEach((line) => this.onLine(line)));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEPT);
    });
    // A write after tmux has gone fails with EPIPE; the 'close' handler reports the end.
    this.child.stdin.on('error', () => undefined);
    let endedResolve: () => void = () => undefined;
    this.endedPromise = new Promise((resolve) => (endedResolve = resolve));
    this.child.on('error', (error: NodeJS.ErrnoException) => {
      const said = error.code === 'ENOENT' ? 'tmux is not installed or not on PATH: install it (apt-get install tmux) to use the tmux layer.' : `tmux control mode could not start: ${error.message}`;
      this.end(said, endedResolve);
    });
    this.child.on('close', (code, signal) => {
      const said = this.closing ? 'closed' : (this.exitSaid ?? (this.stderr.trim() || `tmux control mode ended (${signal ?? `exit code ${code}`})`));
      this.end(said, endedResolve);
    });
  }

  /** The pane being streamed, e.g. "%3". */
  get paneId(): string {
    if (this.pane === null) throw new Error('TmuxControl.paneId read before open resolved');
    return this.pane;
  }

  /** Stop reading tmux's output: the consumer is full. tmux pauses the pane once it is pauseAfterSeconds behind. */
  pauseReading(): void {
    this.child.stdout.pause();
  }

  resumeReading(): void {
    this.child.stdout.resume();
  }

  /** The consumer wants output again: resume reading and, when tmux paused the pane, ask it to continue. */
  async continue(): Promise<void> {
    this.resumeReading();
    if (!this.pausedByTmux) return;
    await this.command(`refresh-client -A '${this.paneId}:continue'`);
    this.pausedByTmux = false;
  }

  /** Detaches (end of input) and waits for tmux to exit; kills it if it does not. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.ended && !this.closing) {
      this.closing = true;
      this.child.stdin.end();
      // tmux writes its %exit before leaving: it must not be stuck behind a paused reader.
      this.child.stdout.resume();
      this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
    }
    await this.endedPromise;
  }

  private async start(): Promise<void> {
    await new Promise<string[]>((resolve, reject) => (this.attachWaiter = { resolve, reject }));
    // display-message falls back to the current pane when the target has none; list-panes refuses instead.
    await this.command(`list-panes -t '${this.options.target}' -F '#{pane_id}'`);
    const [paneId = ''] = await this.command(`display-message -p -t '${this.options.target}' '#{pane_id}'`);
    if (!/^%\d+$/.test(paneId)) {
      throw new TmuxError(`"${this.options.target}" names no pane on ${this.options.socketName ?? 'the default'} tmux server; check the window and pane numbers (tmux list-panes -a).`);
    }
    this.pane = paneId;
    await this.command(`refresh-client -f pause-after=${this.options.pauseAfterSeconds},ignore-size`);
    this.opened = true;
  }

  private command(line: string): Promise<string[]> {
    if (this.ended) return Promise.reject(new TmuxError(`tmux control mode has ended: ${this.exitSaid ?? 'closed'}`));
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  private onLine(line: string): void {
    const parsed = line.startsWith('%') ? parseControlLine(line) : ({ kind: 'other' } as const);
    if (this.block) {
      if ((parsed.kind === 'end' || parsed.kind === 'error') && parsed.guard === this.block.guard) this.finishBlock(this.block, parsed.kind === 'error');
      else this.block.lines.push(line);
      return;
    }
    switch (parsed.kind) {
      case 'begin':
        this.block = { guard: parsed.guard, fromClient: parsed.fromClient, lines: [] };
        break;
      case 'output':
        if (parsed.paneId === this.pane && !this.closing) this.events.output(parsed.data);
        break;
      case 'pause':
        if (parsed.paneId === this.pane) {
          this.pausedByTmux = true;
          this.events.paused();
        }
        break;
      case 'continue':
        if (parsed.paneId === this.pane) this.pausedByTmux = false;
        break;
      case 'exit':
        this.exitSaid = parsed.reason ?? `the tmux session of "${this.options.target}" ended or its server stopped`;
        break;
    }
  }

  private finishBlock(block: Block, failed: boolean): void {
    this.block = null;
    // Answers are bytes in latin1 like everything else; their text is UTF-8.
    const lines = block.lines.map((line) => Buffer.from(line, 'latin1').toString('utf8'));
    const waiter = block.fromClient ? this.waiters.shift() : this.attachWaiter;
    if (!block.fromClient) this.attachWaiter = null;
    if (!waiter) return;
    if (failed) waiter.reject(tmuxRefusal(this.options, block.fromClient ? 'control command' : 'attach-session', lines.join('\n')));
    else waiter.resolve(lines);
  }

  private end(said: string, resolveEnded: () => void): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.killTimer);
    const error = new TmuxError(said);
    this.attachWaiter?.reject(error);
    this.attachWaiter = null;
    this.waiters.splice(0).forEach((waiter) => waiter.reject(error));
    if (this.opened) this.events.exit(said);
    resolveEnded();
  }
}
