import { randomUUID } from 'node:crypto';
import type { Server, Unsubscribe } from '../../preload/api';
import { Emitter } from '../api/emitter';
import { ConnectionPool, type ConnectToServer } from './connection-pool';
import { checkTerminalSize, TerminalError } from './errors';
import { DEFAULT_FLOW_LIMITS, type FlowLimits, type FlowStats } from './flow';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';
import { DEFAULT_LOG_ROTATION, openSessionLog, sessionLogPath, type LogRotation } from './session-log';
import { Terminal } from './terminal';
import { listTmuxSessions } from './tmux';
import type { OpenTerminalInput, TerminalAttachment, TerminalHandlers, TerminalInfo, TmuxSessionInfo } from './types';

/** What the manager reads of a server record. */
export type TerminalServer = Pick<Server, 'id' | 'name' | 'tmuxSession' | 'sessionLog'>;

export interface TerminalManagerOptions {
  /** Opens a logged-in connection to a server; asked once per server and reused until it closes. */
  readonly connect: ConnectToServer;
  readonly findServer: (serverId: string) => TerminalServer | undefined;
  /** Session logs go to `<dataDir>/logs/`. */
  readonly dataDir: string;
  /** A private tmux server (`tmux -L NAME`) on the remote side; the user's default tmux server when absent. */
  readonly tmuxSocketName?: string;
  readonly flowLimits?: FlowLimits;
  readonly retry?: RetryPolicy;
  readonly logRotation?: LogRotation;
}

/**
 * The terminals of this installation: SSH shells (or tmux clients) on PTYs, one shared connection per
 * server, reconnecting on their own, each with at most one flow-controlled attachment.
 */
export class TerminalManager {
  private readonly terminals = new Map<string, Terminal>();
  private readonly pool: ConnectionPool;
  private readonly changed = new Emitter<TerminalInfo[]>();
  private disposed = false;
  /** Fires the full list after any terminal changes. */
  readonly onChanged: (listener: (terminals: TerminalInfo[]) => void) => Unsubscribe = this.changed.event;

  constructor(private readonly options: TerminalManagerOptions) {
    this.pool = new ConnectionPool(options.connect);
  }

  /** Opens a terminal; it connects in the background (state 'connecting', then onChanged). */
  open(input: OpenTerminalInput): TerminalInfo {
    if (this.disposed) throw new TerminalError('DISCONNECTED', 'Terminals are shutting down; open the terminal again after restarting Lifeline.');
    checkTerminalSize(input.cols, input.rows);
    const server = this.server(input.serverId);
    const id = randomUUID();
    const tmuxSession = input.tmuxSession === undefined ? server.tmuxSession : input.tmuxSession;
    const log = server.sessionLog ? openSessionLog(sessionLogPath(this.options.dataDir, server.id, id, new Date()), this.options.logRotation ?? DEFAULT_LOG_ROTATION) : undefined;
    const terminal = new Terminal({
      id,
      serverId: server.id,
      title: tmuxSession ? `${server.name} (tmux ${tmuxSession})` : server.name,
      tmuxSession,
      cols: input.cols,
      rows: input.rows,
      pool: this.pool,
      flowLimits: this.options.flowLimits ?? DEFAULT_FLOW_LIMITS,
      retry: this.options.retry ?? DEFAULT_RETRY,
      tmuxSocketName: this.options.tmuxSocketName,
      log,
      changed: () => {
        if (this.terminals.has(id)) this.fireChanged();
      },
    });
    this.terminals.set(id, terminal);
    terminal.connectNow();
    return terminal.info();
  }

  list(): TerminalInfo[] {
    return [...this.terminals.values()].map((terminal) => terminal.info());
  }

  /** Tells the PTY its new size. */
  resize(id: string, cols: number, rows: number): TerminalInfo {
    checkTerminalSize(cols, rows);
    const terminal = this.terminal(id);
    terminal.resize(cols, rows);
    return terminal.info();
  }

  /** Connects now: instead of waiting for the next retry, after a failure, or after the shell exited. */
  reconnect(id: string): TerminalInfo {
    const terminal = this.terminal(id);
    terminal.connectNow();
    return terminal.info();
  }

  async close(id: string): Promise<{ id: string }> {
    const terminal = this.terminal(id);
    this.terminals.delete(id);
    await terminal.close();
    this.fireChanged();
    return { id };
  }

  /** See Terminal.attach: one attachment per terminal; a new one takes over from the previous one. */
  attach(id: string, handlers: TerminalHandlers): TerminalAttachment {
    return this.terminal(id).attach(handlers);
  }

  /** The server's tmux sessions; an empty list when it runs no tmux server. */
  async listTmuxSessions(serverId: string): Promise<TmuxSessionInfo[]> {
    this.server(serverId);
    const lease = await this.pool.acquire(serverId);
    try {
      return await listTmuxSessions(lease.connection, this.options.tmuxSocketName);
    } finally {
      lease.release();
    }
  }

  /** Read-only flow counters of one terminal, for tests and diagnostics. */
  flowStats(id: string): FlowStats {
    return this.terminal(id).flowStats;
  }

  /** Closes every terminal and connection. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const terminals = [...this.terminals.values()];
    this.terminals.clear();
    await Promise.all(terminals.map((terminal) => terminal.close()));
    await this.pool.dispose();
    this.changed.dispose();
  }

  private server(serverId: string): TerminalServer {
    const server = this.options.findServer(serverId);
    if (!server) throw new TerminalError('NOT_FOUND', `There is no server with id "${serverId}"; it may have been deleted. Refresh the server list and try again.`);
    return server;
  }

  private terminal(id: string): Terminal {
    const terminal = this.terminals.get(id);
    if (!terminal) throw new TerminalError('NOT_FOUND', `There is no terminal with id "${id}"; it was closed. Open a new terminal.`);
    return terminal;
  }

  private fireChanged(): void {
    this.changed.fire(this.list());
  }
}
