import { createHash } from 'node:crypto';
import { BridgeClient, BridgeClientError, type BridgeFailure } from '../../../agent/protocol/client';
import type { CommandResult, RunParams } from '../../../agent/protocol/messages';
import type { LayerAdapter, LinkTarget, OutputListener } from './layer';
import { abortedError, asLinkError, LinkError, raceAbort, throwIfAborted, type LinkErrorCode } from './link-error';

// The bridge layer: the agent's socket bridge, one connection per server kept open between commands
// (a ping or a run is then one round trip), opened again after it closes.

export interface BridgeAdapterOptions {
  /** For the TCP (and TLS) connection and the hello together. */
  connectTimeoutMs: number;
  /** Who connects, for the agent's log (e.g. "lifeline-desktop@host"). */
  client?: string;
}

const CODES: Record<BridgeFailure, LinkErrorCode> = {
  CONNECT_FAILED: 'UNREACHABLE',
  CLOSED: 'UNREACHABLE',
  BUSY: 'UNREACHABLE',
  TIMEOUT: 'TIMEOUT',
  ABORTED: 'TIMEOUT',
  UNAUTHORIZED: 'AUTH',
  PIN_MISMATCH: 'AUTH',
  REFUSED: 'REFUSED',
  PROTOCOL: 'PROTOCOL',
  BAD_FRAME: 'PROTOCOL',
  BAD_PARAMS: 'PROTOCOL',
  UNKNOWN_METHOD: 'PROTOCOL',
  UNSUPPORTED_VERSION: 'PROTOCOL',
  INTERNAL: 'PROTOCOL',
};

interface CachedClient {
  /** Host, port, token and pin: a server whose agent settings changed gets a new connection. */
  readonly settings: string;
  readonly client: Promise<BridgeClient>;
}

export class BridgeAdapter implements LayerAdapter {
  readonly layer = 'bridge';
  readonly streamsOutput = true;
  private readonly clients = new Map<string, CachedClient>();
  private disposed = false;

  constructor(private readonly options: BridgeAdapterOptions) {}

  async probe(target: LinkTarget, signal: AbortSignal): Promise<void> {
    await this.call(target, signal, (client) => client.call('ping', {}, { signal }));
  }

  run(target: LinkTarget, params: RunParams, signal: AbortSignal, onOutput?: OutputListener): Promise<CommandResult> {
    return this.call(target, signal, (client) => client.call('run', params, { signal, ...(onOutput ? { onOutput } : {}) }));
  }

  dispose(): void {
    this.disposed = true;
    for (const cached of this.clients.values()) void cached.client.then((client) => client.close(), () => undefined);
    this.clients.clear();
  }

  private async call<T>(target: LinkTarget, signal: AbortSignal, work: (client: BridgeClient) => Promise<T>): Promise<T> {
    throwIfAborted(this.layer, signal);
    try {
      return await work(await raceAbort(this.layer, signal, this.clientFor(target)));
    } catch (error) {
      throw signal.aborted ? abortedError(this.layer, signal) : this.linkError(error);
    }
  }

  private async clientFor(target: LinkTarget): Promise<BridgeClient> {
    if (this.disposed) throw new LinkError(this.layer, 'UNREACHABLE', 'The bridge layer has been shut down; restart Lifeline.');
    const agent = target.agent;
    if (!agent) {
      throw new LinkError(this.layer, 'REFUSED', `Server ${target.serverId} has no agent bridge configured: attach its agent (lifeline servers add … --agent tcp://HOST:PORT), or leave bridge out of its layers.`);
    }
    // The token is in the key only as a hash, so the map never holds it twice.
    const settings = [agent.host, agent.port, createHash('sha256').update(agent.token).digest('hex'), agent.tlsFingerprint ?? ''].join('\n');
    const cached = this.clients.get(target.serverId);
    if (cached?.settings === settings) return cached.client;
    if (cached) void cached.client.then((client) => client.close(), () => undefined);

    // Shared by every caller until it closes, so bounded by its own time limit, not by one caller's signal.
    const client = BridgeClient.connect({
      host: agent.host,
      port: agent.port,
      token: agent.token,
      ...(agent.tlsFingerprint ? { tls: { fingerprint: agent.tlsFingerprint } } : {}),
      timeoutMs: this.options.connectTimeoutMs,
      ...(this.options.client ? { client: this.options.client } : {}),
    });
    const entry: CachedClient = { settings, client };
    this.clients.set(target.serverId, entry);
    const forget = () => {
      if (this.clients.get(target.serverId) === entry) this.clients.delete(target.serverId);
    };
    client.then((connected) => {
      if (this.disposed) connected.close();
      void connected.closed.then(forget);
    }, forget);
    return client;
  }

  private linkError(error: unknown): LinkError {
    if (error instanceof BridgeClientError) return new LinkError(this.layer, CODES[error.code], error.message, { cause: error });
    return asLinkError(this.layer, error);
  }
}
