import { once } from 'node:events';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { AgentListenError } from '../listen';
import type { Logger } from '../log/logger';
import { certificateFingerprint } from '../protocol/client';
import { version } from '../version';
import { BridgeConnection } from './connection';
import { MethodDispatcher } from './methods';
import { DEFAULT_BRIDGE_LIMITS, type BridgeHandlers, type BridgeLimits, type BridgeOptions } from './options';
import { tokenCheck } from './token';

export interface ListeningBridge {
  port: number;
  /** The TLS certificate's fingerprint ("SHA256:<base64>") for the desktop to pin; absent without TLS. */
  fingerprint?: string;
}

/** The socket bridge: JSON-lines calls over TCP or TLS from the desktop, answered by the handlers. */
export class BridgeServer {
  private readonly limits: BridgeLimits;
  private readonly connections = new Set<BridgeConnection>();
  private readonly server: Server;
  private readonly fingerprint: string | undefined;
  private authenticated = 0;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: BridgeOptions,
    handlers: BridgeHandlers,
    private readonly log: Logger,
  ) {
    this.limits = { ...DEFAULT_BRIDGE_LIMITS, ...options.limits };
    const agent = `lifeline-agent/${version}`;
    const deps = {
      limits: this.limits,
      checkToken: tokenCheck(options.token),
      dispatcher: new MethodDispatcher(handlers, { agent, clients: () => this.clients }),
      agent,
      log,
      onAuthenticated: () => {
        this.authenticated += 1;
      },
    };
    const accept = (socket: Socket) => {
      const connection = new BridgeConnection(socket, deps);
      this.connections.add(connection);
      void connection.closed.then(() => {
        this.connections.delete(connection);
        if (connection.isAuthenticated) this.authenticated -= 1;
      });
    };

    if (options.tls) {
      this.fingerprint = certificateFingerprint(new X509Certificate(options.tls.cert).raw);
      const server = createTlsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2', handshakeTimeout: this.limits.helloTimeoutMs }, accept);
      // Failed handshakes (scanners, a client with the wrong pin hanging up) are the peer's business.
      server.on('tlsClientError', (error) => log.debug('bridge TLS handshake failed', { error }));
      this.server = server;
    } else {
      this.server = createTcpServer(accept);
    }
    this.server.maxConnections = this.limits.maxConnections;
  }

  /** Authenticated clients connected now. */
  get clients(): number {
    return this.authenticated;
  }

  async listen(): Promise<ListeningBridge> {
    const { host, port } = this.options;
    try {
      this.server.listen(port, host);
      await once(this.server, 'listening');
    } catch (error) {
      throw listenError(error as NodeJS.ErrnoException, host, port);
    }
    // Errors after start-up (such as running out of file descriptors while accepting) are reported, not fatal.
    this.server.on('error', (error) => this.log.error('bridge server error', { error }));
    const bound = (this.server.address() as AddressInfo).port;
    this.log.info('bridge listening', { host, port: bound, tls: this.fingerprint !== undefined, fingerprint: this.fingerprint });
    return { port: bound, ...(this.fingerprint ? { fingerprint: this.fingerprint } : {}) };
  }

  /**
   * Accepts no more connections, lets calls in flight answer (a run that outlives `graceMs` keeps running in
   * the executor; its result stays recorded under its id), then cuts what is left. Resolves when all are gone.
   */
  close(graceMs: number): Promise<void> {
    this.closing ??= (async () => {
      const stopped = this.server.listening ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();
      await Promise.all([...this.connections].map((connection) => connection.drain(graceMs)));
      await stopped;
    })();
    return this.closing;
  }
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): AgentListenError {
  const what = `The socket bridge cannot listen on ${host} port ${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new AgentListenError(error.code, `${what}: the port is in use. Stop the program using it, or give the bridge another port (--bridge-port).`, { cause: error });
    case 'EACCES':
      return new AgentListenError(error.code, `${what}: ports below 1024 need administrator rights. Give the bridge a port of 1024 or above (--bridge-port).`, { cause: error });
    case 'EADDRNOTAVAIL':
      return new AgentListenError(error.code, `${what}: ${host} is not an address of this machine. Use 127.0.0.1, or one of its own addresses.`, { cause: error });
    default:
      return new AgentListenError(error.code ?? 'UNKNOWN', `${what} (${error.message}); check the bridge host and port in the config.`, { cause: error });
  }
}
