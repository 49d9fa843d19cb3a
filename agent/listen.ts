import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './app';

export interface RunningAgent {
  /** Where the agent answers, e.g. http://127.0.0.1:8787 (with the real port when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections, lets requests already received finish, closes idle keep-alive
   * connections, and cuts whatever is still open after `timeoutMs`. Resolves when every connection is gone.
   */
  close(timeoutMs: number): Promise<void>;
}

/** The agent could not start listening; the message is one line saying what to do. */
export class AgentListenError extends Error {
  override readonly name = 'AgentListenError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Serves `agent.handle` on host:port. Port 0 picks a free port (tests). */
export async function listenAgent(agent: Agent, options: { host: string; port: number }): Promise<RunningAgent> {
  let closing = false;
  const responses = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    responses.add(res);
    res.once('close', () => responses.delete(res));
    if (closing) endKeepAlive(res);
    agent.handle(req, res);
  });
  // A connection must not carry another request once shutdown has begun. Saying so in the response
  // makes node close it right after, and tells the client not to send anything more on it.
  const endKeepAlive = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
    else res.once('finish', () => server.closeIdleConnections());
  };

  try {
    server.listen(options.port, options.host);
    await once(server, 'listening');
  } catch (error) {
    throw listenError(error as NodeJS.ErrnoException, options);
  }
  // Errors after start-up (such as running out of file descriptors while accepting) are reported, not fatal.
  server.on('error', (error) => agent.log.error('agent server error', { error }));

  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close(timeoutMs) {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        responses.forEach(endKeepAlive);
        const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
      return closed;
    },
  };
}

function listenError(error: NodeJS.ErrnoException, { host, port }: { host: string; port: number }): AgentListenError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new AgentListenError(
        error.code,
        `Port ${port} on ${host} is already in use: stop the program using it, or start the agent with --port <another>.`,
        { cause: error },
      );
    case 'EACCES':
      return new AgentListenError(
        error.code,
        `Port ${port} on ${host} needs administrator rights (ports below 1024 are privileged): start the agent with --port 1024 or above, or grant it the right with "setcap cap_net_bind_service=+ep $(command -v node)".`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
      return new AgentListenError(
        error.code,
        `${host} is not an address of this machine, so the agent cannot listen on it: start the agent with --host 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of its own addresses.`,
        { cause: error },
      );
    default:
      return new AgentListenError(
        error.code ?? 'UNKNOWN',
        `The agent cannot listen on ${host} port ${port} (${error.message}): check --host and --port, or the http section of the config file.`,
        { cause: error },
      );
  }
}
