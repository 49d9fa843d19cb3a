import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A health endpoint on 127.0.0.1 whose answer the test sets; it counts the checks it receives. */
export class HealthServer {
  /** The status of the next answers. */
  status = 200;
  /** Decides each answer's status when set, e.g. from a file in the live release. */
  answer?: () => number;
  hits = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<HealthServer> {
    let health: HealthServer | undefined;
    const server = createServer((_request, response) => {
      if (!health) return;
      health.hits += 1;
      const status = health.answer?.() ?? health.status;
      const redirect = status >= 300 && status < 400 ? { location: '/login' } : {};
      response.writeHead(status, { 'content-type': 'text/plain', ...redirect }).end(`status ${status}\n`);
    });
    health = new HealthServer(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return health;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/health`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }
}
