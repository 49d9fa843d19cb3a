import type { SshConnection } from '../ssh/connection';
import { ConnectionPool, type ConnectionLease, type ConnectToServer } from '../terminals/connection-pool';

/**
 * The SSH connections the link layers share: one per server, opened on first use and kept open while
 * the link manager runs (probes come every few seconds), opened again after it drops. Closed by dispose.
 */
export class LinkSshConnections {
  private readonly pool: ConnectionPool;
  private readonly leases = new Map<string, Promise<ConnectionLease>>();

  constructor(connect: ConnectToServer) {
    this.pool = new ConnectionPool(connect);
  }

  async get(serverId: string): Promise<SshConnection> {
    const held = this.leases.get(serverId);
    if (held) {
      const lease = await held.catch(() => undefined);
      if (lease && !lease.connection.isClosed) return lease.connection;
      lease?.release();
      if (this.leases.get(serverId) === held) this.leases.delete(serverId);
      return this.get(serverId);
    }
    const lease = this.pool.acquire(serverId);
    this.leases.set(serverId, lease);
    // A failed attempt is forgotten, so the next probe or command tries again.
    lease.catch(() => {
      if (this.leases.get(serverId) === lease) this.leases.delete(serverId);
    });
    return (await lease).connection;
  }

  async dispose(): Promise<void> {
    this.leases.clear();
    await this.pool.dispose();
  }
}
