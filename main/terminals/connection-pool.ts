import type { SshConnection } from '../ssh/connection';

/** Opens a logged-in connection to a server (resolving its auth, jump chain and host-key policy). */
export type ConnectToServer = (serverId: string, signal: AbortSignal) => Promise<SshConnection>;

export interface ConnectionLease {
  readonly connection: SshConnection;
  /** Gives the connection back; the last lease to go closes it. Calling it again does nothing. */
  release(): void;
}

interface Entry {
  readonly ready: Promise<SshConnection>;
  users: number;
}

/**
 * One SSH connection per server, shared by everything that leases it. Concurrent requests share one
 * connection attempt (and so one host-key question or password prompt); a connection that closes is
 * forgotten, and the next lease opens a new one.
 */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly closing = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(private readonly connect: ConnectToServer) {}

  async acquire(serverId: string): Promise<ConnectionLease> {
    if (this.abort.signal.aborted) throw new Error('Terminals are shutting down; no new connections are opened.');
    const existing = this.entries.get(serverId);
    const entry = existing ?? this.open(serverId);
    entry.users++;
    let connection: SshConnection;
    try {
      connection = await entry.ready;
    } catch (error) {
      entry.users--;
      throw error;
    }
    if (existing && connection.isClosed) {
      // Lost a moment ago; its close listener has not run yet.
      entry.users--;
      this.forget(serverId, entry);
      return this.acquire(serverId);
    }
    let released = false;
    return {
      connection,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.users > 0) return;
        this.forget(serverId, entry);
        this.closeLater(connection);
      },
    };
  }

  /** Cancels connection attempts and closes every connection. */
  async dispose(): Promise<void> {
    this.abort.abort();
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => entry.ready.then((connection) => this.closeLater(connection), () => undefined)));
    await Promise.all(this.closing);
  }

  private open(serverId: string): Entry {
    const entry: Entry = {
      users: 0,
      ready: this.connect(serverId, this.abort.signal).then(
        (connection) => {
          connection.onClose(() => this.forget(serverId, entry));
          // Disposed while connecting: nobody will release it.
          if (this.abort.signal.aborted) this.closeLater(connection);
          return connection;
        },
        (error: unknown) => {
          this.forget(serverId, entry);
          throw error;
        },
      ),
    };
    this.entries.set(serverId, entry);
    return entry;
  }

  private forget(serverId: string, entry: Entry): void {
    if (this.entries.get(serverId) === entry) this.entries.delete(serverId);
  }

  private closeLater(connection: SshConnection): void {
    const closed = connection.close().finally(() => this.closing.delete(closed));
    this.closing.add(closed);
  }
}
