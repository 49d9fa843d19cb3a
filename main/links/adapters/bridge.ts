import { createHash } from 'node:crypto';
import { BridgeClient, BridgeClientError, type BridgeConnectOptions, type BridgeFailure } from '../../../agent/protocol/client';
import type { CommandResult, RunParams } from '../../../agent/protocol/messages';
import { endpointOf } from '../../ssh/errors';
import { connectThroughSsh, sshFor, type RouteOutcome } from './bridge-forward';
import { allowedRoutes, inPreferredOrder, type BridgeRoute } from './bridge-routes';
import type { LayerAdapter, LinkTarget, OutputListener } from './layer';
import { abortedError, asLinkError, LinkError, raceAbort, throwIfAborted, type LinkErrorCode } from './link-error';

// The bridge layer: the agent's socket bridge, one connection per server kept open between commands
// (a ping or a run is then one round trip), opened again after it closes. It goes direct, or through a
// tunnel of the server's SSH connection (bridge-routes.ts says when), and remembers per server which
// route worked, so a reconnect does not wait on the dead one first.

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

type AgentEndpoint = NonNullable<LinkTarget['agent']>;

interface ServerRoutes {
  /** The settings they were worked out for (see CachedClient). */
  readonly settings: string;
  readonly allowed: readonly BridgeRoute[];
  /** Tried first: the route that worked last, or the one left after the other could not connect. */
  preferred?: BridgeRoute;
  /** The route the open connection went by. */
  current?: BridgeRoute;
}

interface CachedClient {
  /** Host, port, token and pin: a server whose agent settings changed gets a new connection. */
  readonly settings: string;
  readonly client: Promise<BridgeClient>;
}

export class BridgeAdapter implements LayerAdapter {
  readonly layer = 'bridge';
  readonly streamsOutput = true;
  private readonly clients = new Map<string, CachedClient>();
  private readonly routes = new Map<string, ServerRoutes>();
  private disposed = false;

  constructor(private readonly options: BridgeAdapterOptions) {}

  async probe(target: LinkTarget, signal: AbortSignal): Promise<void> {
    await this.call(target, signal, (client) => client.call('ping', {}, { signal }));
  }

  run(target: LinkTarget, params: RunParams, signal: AbortSignal, onOutput?: OutputListener): Promise<CommandResult> {
    return this.call(target, signal, (client) => client.call('run', params, { signal, ...(onOutput ? { onOutput } : {}) }));
  }

  /** The route the last bridge connection to this server went by; undefined before one worked. */
  routeOf(serverId: string): BridgeRoute | undefined {
    return this.routes.get(serverId)?.current;
  }

  dispose(): void {
    this.disposed = true;
    for (const cached of this.clients.values()) void cached.client.then((client) => client.close(), () => undefined);
    this.clients.clear();
    this.routes.clear();
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

    // Shared by every caller until it closes, so bounded by its own time limits, not by one caller's signal.
    const client = this.connect(target, agent, settings);
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

  /** Tries the server's routes in order; moves on only when a route could not reach the agent at all. */
  private async connect(target: LinkTarget, agent: AgentEndpoint, settings: string): Promise<BridgeClient> {
    const routes = await this.routesFor(target, agent, settings);
    const failures: LinkError[] = [];
    const order = inPreferredOrder(routes.allowed, routes.preferred);
    for (const [index, route] of order.entries()) {
      const outcome = await this.open(route, target, agent);
      if ('client' in outcome) {
        routes.preferred = route;
        routes.current = route;
        return outcome.client;
      }
      failures.push(outcome.unreachable);
      routes.current = undefined;
      // The next connection starts where this one went after its first failure.
      if (index === 0) routes.preferred = order[1] ?? route;
    }
    const last = failures[failures.length - 1];
    throw new LinkError(this.layer, last.code, failures.map((failure) => failure.message).join(' — '), { cause: last });
  }

  private async routesFor(target: LinkTarget, agent: AgentEndpoint, settings: string): Promise<ServerRoutes> {
    const known = this.routes.get(target.serverId);
    if (known?.settings === settings) return known;
    const destination = async () => {
      if (target.sshDestination) return target.sshDestination;
      const connection = await sshFor(target, this.options.connectTimeoutMs);
      if (connection instanceof LinkError) {
        throw new LinkError(this.layer, connection.code, `The agent address ${endpointOf(agent)} is a loopback address, which means the server's own unless the server is this machine, and its SSH connection could not be had to tell: ${connection.message}`, { cause: connection });
      }
      return connection.destination;
    };
    const routes: ServerRoutes = { settings, allowed: await allowedRoutes(agent.host, target.ssh && destination) };
    this.routes.set(target.serverId, routes);
    return routes;
  }

  private async open(route: BridgeRoute, target: LinkTarget, agent: AgentEndpoint): Promise<RouteOutcome> {
    const options: Omit<BridgeConnectOptions, 'stream' | 'signal'> = {
      host: agent.host,
      port: agent.port,
      token: agent.token,
      ...(agent.tlsFingerprint ? { tls: { fingerprint: agent.tlsFingerprint } } : {}),
      timeoutMs: this.options.connectTimeoutMs,
      ...(this.options.client ? { client: this.options.client } : {}),
    };
    if (route === 'forward') {
      const connection = await sshFor(target, this.options.connectTimeoutMs);
      if (connection instanceof LinkError) return { unreachable: routeFailure('through SSH', connection) };
      const outcome = await connectThroughSsh(connection, options);
      return 'client' in outcome ? outcome : { unreachable: routeFailure(`through SSH to ${connection.endpoint}`, outcome.unreachable) };
    }
    try {
      return { client: await BridgeClient.connect(options) };
    } catch (error) {
      // Only a connection that never came about leaves room for the tunnel; the agent's no is final.
      if (error instanceof BridgeClientError && error.code === 'CONNECT_FAILED') return { unreachable: routeFailure('direct', this.linkError(error)) };
      throw error;
    }
  }

  private linkError(error: unknown): LinkError {
    if (error instanceof BridgeClientError) return new LinkError(this.layer, CODES[error.code], error.message, { cause: error });
    return asLinkError(this.layer, error);
  }
}

/** A route's failure, its message saying which route it was. */
function routeFailure(route: string, error: LinkError): LinkError {
  return new LinkError(error.layer, error.code, `Bridge ${route}: ${error.message}`, { cause: error });
}
