import type { Result, TrustedHostKeyInfo } from '../../preload/api';
import type { TrustedHostKeysRepository } from '../store/trusted-host-keys';
import { ok } from './errors';
import { serverNotFound, type ServersStore } from './servers';

export interface HostKeysApiDeps {
  servers: Pick<ServersStore, 'get'>;
  trustedHostKeys: Pick<TrustedHostKeysRepository, 'find' | 'forget'>;
}

/** The host keys Lifeline remembers for a server's host and port, seen from the server's settings. */
export class HostKeysApi {
  constructor(private readonly deps: HostKeysApiDeps) {}

  async listTrustedHostKeys(serverId: string): Promise<Result<TrustedHostKeyInfo[]>> {
    const server = this.deps.servers.get(serverId);
    if (!server) return serverNotFound(serverId);
    return ok(
      this.deps.trustedHostKeys
        .find(server.host, server.port)
        .map(({ host, port, keyType, fingerprint, addedAt }) => ({ host, port, keyType, fingerprint, addedAt })),
    );
  }

  /** Forgetting is how a changed key gets accepted on purpose: the next connection asks about the new one. */
  async forgetTrustedHostKey(serverId: string, keyType: string): Promise<Result<{ forgotten: number }>> {
    const server = this.deps.servers.get(serverId);
    if (!server) return serverNotFound(serverId);
    return ok({ forgotten: this.deps.trustedHostKeys.forget(server.host, server.port, keyType) });
  }
}
