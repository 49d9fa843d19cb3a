import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import type { RotatingLog } from '../../agent/log/rotating-log';
import type { ExecExit, ShellChannel } from '../ssh/channels';
import { SshError } from '../ssh/errors';
import type { ConnectionLease, ConnectionPool } from './connection-pool';
import { ChunkBatcher } from './batch';
import { FlowControl, type FlowConsumer, type FlowLimits, type FlowStats } from './flow';
import { needsPerson, retryDelay, type RetryPolicy } from './retry';
import { attachOrCreateArgv } from './tmux';
import type { TerminalAttachment, TerminalHandlers, TerminalInfo, TerminalState } from './types';

const TERM = 'xterm-256color';

export interface TerminalSetup {
  readonly id: string;
  readonly serverId: string;
  readonly title: string;
  readonly tmuxSession: string | null;
  readonly cols: number;
  readonly rows: number;
  readonly pool: ConnectionPool;
  readonly flowLimits: FlowLimits;
  readonly retry: RetryPolicy;
  /** `tmux -L` socket name on the server; the default tmux server when undefined. */
  readonly tmuxSocketName: string | undefined;
  /** Where the transcript goes, when the server keeps session logs. The terminal ends it on close. */
  readonly log: RotatingLog | undefined;
  /** Called after every change of what `info()` returns. */
  readonly changed: () => void;
}

/** The shell (or tmux client) currently running, and how to let go of it. */
interface Live {
  readonly channel: ShellChannel;
  readonly stop: () => void;
}

interface Attached {
  readonly handlers: TerminalHandlers;
  readonly consumer: FlowConsumer;
  readonly batcher: ChunkBatcher;
}

/**
 * One terminal: a PTY on a server, optionally attached to a tmux session, kept across lost connections
 * (same id, same replay buffer, same attachment) by reconnecting with backoff.
 */
export class Terminal {
  private state: TerminalState = 'connecting';
  private message: string | null = null;
  private retryAt: Date | null = null;
  private cols: number;
  private rows: number;
  private live: Live | undefined;
  private everConnected = false;
  /** The generation of the connection attempt under way, if one is. */
  private attemptUnderWay: number | undefined;
  /** Failed attempts since the last success. */
  private attempt = 0;
  /** Bumped whenever an attempt or a live shell is abandoned, so their late callbacks are ignored. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private attached: Attached | undefined;
  private readonly flow: FlowControl;
  private log: RotatingLog | undefined;
  private releaseLogHold: (() => void) | undefined;
  private logProblem: string | null = null;

  constructor(private readonly setup: TerminalSetup) {
    this.cols = setup.cols;
    this.rows = setup.rows;
    this.flow = new FlowControl(setup.flowLimits);
    this.log = setup.log;
    this.log?.on('error', (error: Error) => this.logFailed(error));
  }

  get id(): string {
    return this.setup.id;
  }

  get serverId(): string {
    return this.setup.serverId;
  }

  get flowStats(): FlowStats {
    return this.flow.stats;
  }

  info(): TerminalInfo {
    const { id, serverId, title, tmuxSession } = this.setup;
    return { id, serverId, title, state: this.state, message: this.message, retryAt: this.retryAt?.toISOString() ?? null, tmuxSession, cols: this.cols, rows: this.rows };
  }

  /** Connects now, unless an attempt is under way or the shell is running. */
  connectNow(): void {
    if (this.live || this.attemptUnderWay !== undefined) return;
    void this.connect();
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.live?.channel.setWindow(rows, cols);
    this.setup.changed();
  }

  /**
   * Becomes the terminal's one attachment: a previous one is detached with a reason, then this one
   * receives the recent output (before this returns) and everything after it, under flow control.
   */
  attach(handlers: TerminalHandlers): TerminalAttachment {
    this.detachCurrent('Another window took over this terminal.');
    const batcher = new ChunkBatcher((chunk) => {
      try {
        handlers.onData(chunk);
      } catch (error) {
        console.error(`lifeline: terminal ${this.id}: the output handler failed:`, error);
      }
    });
    const consumer = this.flow.attach((chunk) => batcher.push(chunk));
    // The replay goes out before attach returns, as promised; live output is joined per turn.
    batcher.flush();
    const attached: Attached = { handlers, consumer, batcher };
    this.attached = attached;
    return {
      // Input typed while the connection is down has nowhere to go: a shell that comes back later
      // must not run keystrokes meant for a screen the user no longer sees.
      write: (data) => {
        if (this.attached === attached) this.live?.channel.stream.write(data);
      },
      ack: (bytes) => consumer.ack(bytes),
      detach: () => {
        if (this.attached !== attached) return;
        this.attached = undefined;
        batcher.discard();
        consumer.detach();
      },
    };
  }

  /** Ends the shell (a tmux session lives on), detaches, and finishes the session log. */
  async close(): Promise<void> {
    this.generation++;
    this.clearRetry();
    this.teardown();
    this.detachCurrent('The terminal was closed.');
    this.flow.dispose();
    this.state = 'closed';
    const log = this.log;
    this.log = undefined;
    this.releaseLogHold?.();
    if (log) {
      log.end();
      await finished(log).catch(() => undefined); // already reported through logFailed
    }
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.attemptUnderWay = generation;
    this.clearRetry();
    // While retrying, the reason stays in view; after a failure or an exit, the old news is stale.
    this.update(this.everConnected ? 'reconnecting' : 'connecting', this.state === 'reconnecting' ? this.message : null, null);
    let lease: ConnectionLease | undefined;
    try {
      lease = await this.setup.pool.acquire(this.serverId);
      if (generation !== this.generation) {
        lease.release();
        return;
      }
      const size = { cols: this.cols, rows: this.rows };
      const { tmuxSession, tmuxSocketName } = this.setup;
      // With tmux, the tmux client is the PTY's program: a reconnect runs it again and so re-attaches.
      const channel = await lease.connection.shell({ ...size, term: TERM }, tmuxSession ? attachOrCreateArgv(tmuxSocketName, tmuxSession) : undefined);
      if (generation !== this.generation) {
        closeQuietly(channel);
        lease.release();
        return;
      }
      this.goLive(generation, lease, channel);
      // A resize that arrived while the PTY was being opened.
      if (size.cols !== this.cols || size.rows !== this.rows) channel.setWindow(this.rows, this.cols);
    } catch (error) {
      lease?.release();
      if (generation === this.generation) this.afterFailure(error);
    } finally {
      if (this.attemptUnderWay === generation) this.attemptUnderWay = undefined;
    }
  }

  private goLive(generation: number, lease: ConnectionLease, channel: ShellChannel): void {
    const stopFlow = this.flow.connect(channel.stream);
    const onData = (chunk: Buffer): void => this.writeLog(chunk);
    channel.stream.on('data', onData);
    const offClose = lease.connection.onClose((reason) => {
      const error = reason.kind === 'lost' ? reason.error : new SshError('DISCONNECTED', `The connection to ${lease.connection.endpoint} was closed.`);
      this.dropped(generation, error);
    });
    this.live = {
      channel,
      stop: () => {
        stopFlow();
        channel.stream.off('data', onData);
        offClose();
        closeQuietly(channel);
        lease.release();
      },
    };
    channel.exit.then(
      (exit) => this.exited(generation, exit, lease.connection.endpoint),
      (error: unknown) => this.dropped(generation, error),
    );
    this.attempt = 0;
    this.everConnected = true;
    this.update('connected', this.logProblem, null);
  }

  private exited(generation: number, exit: ExecExit, endpoint: string): void {
    if (generation !== this.generation) return;
    if (exit.code === null && exit.signal === null) {
      // No exit status: the channel went down with the connection, not because the program ended.
      this.dropped(generation, new SshError('DISCONNECTED', `The terminal's channel to ${endpoint} closed without an exit status.`));
      return;
    }
    this.generation++;
    this.teardown();
    const how = exit.signal ? `was ended by ${exit.signal}` : `exited with status ${exit.code}`;
    const what = this.setup.tmuxSession ? `The tmux client (session "${this.setup.tmuxSession}")` : 'The shell';
    this.update('closed', `${what} ${how}. Choose "Reconnect now" to start it again, or close the tab.`, null);
  }

  private dropped(generation: number, error: unknown): void {
    if (generation !== this.generation) return;
    this.generation++;
    this.teardown();
    this.afterFailure(error);
  }

  /** Retries later, or stops when retrying cannot help until someone acts. */
  private afterFailure(error: unknown): void {
    const text = error instanceof Error ? error.message : String(error);
    if (needsPerson(error)) {
      this.attempt = 0;
      this.update('failed', `${text} Automatic reconnecting has stopped: fix this, then choose "Reconnect now".`, null);
      return;
    }
    this.attempt++;
    const delay = retryDelay(this.attempt, this.setup.retry);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.update('reconnecting', `${text} Lifeline retries automatically; choose "Reconnect now" to try at once.`, new Date(Date.now() + delay));
  }

  private teardown(): void {
    const live = this.live;
    this.live = undefined;
    live?.stop();
  }

  private clearRetry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private detachCurrent(reason: string): void {
    const attached = this.attached;
    if (!attached) return;
    this.attached = undefined;
    // Output that arrived before the reason is shown before it.
    attached.batcher.flush();
    attached.consumer.detach();
    try {
      attached.handlers.onDetach(reason);
    } catch (error) {
      console.error(`lifeline: terminal ${this.id}: the detach handler failed:`, error);
    }
  }

  /** Logs without blocking: a log that falls behind pauses the channel, like a slow renderer does. */
  private writeLog(chunk: Buffer): void {
    const log = this.log;
    if (!log || log.write(chunk) || this.releaseLogHold) return;
    const release = this.flow.hold('session-log');
    this.releaseLogHold = () => {
      this.releaseLogHold = undefined;
      log.off('drain', onDrain);
      release();
    };
    const onDrain = (): void => this.releaseLogHold?.();
    log.once('drain', onDrain);
  }

  private logFailed(error: Error): void {
    const log = this.log;
    if (!log) return;
    this.log = undefined;
    this.releaseLogHold?.();
    log.destroy();
    this.logProblem = `The session log stopped: ${error.message}. Check the free space and permissions of ${dirname(log.path)}; the terminal goes on without a log.`;
    console.error(`lifeline: terminal ${this.id}: ${this.logProblem}`);
    if (this.state === 'connected') this.update('connected', this.logProblem, null);
  }

  private update(state: TerminalState, message: string | null, retryAt: Date | null): void {
    this.state = state;
    this.message = message;
    this.retryAt = retryAt;
    this.setup.changed();
  }
}

function closeQuietly(channel: ShellChannel): void {
  try {
    channel.close();
  } catch {
    // ssh2 throws when the connection under the channel has already gone; the channel is gone with it.
  }
}
