// @vitest-environment node
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { TerminalAttachment } from '../../../preload/api';
import { attachTerminalSocket, terminalSocketUrl } from './terminal-socket';

/** A real WebSocket server on 127.0.0.1 that records each terminal socket's path and text frames. */
class StreamServer {
  readonly paths: string[] = [];
  readonly received: string[] = [];
  readonly sockets: ServerSocket[] = [];

  private constructor(
    private readonly http: HttpServer,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (socket, request) => {
      this.paths.push(request.url ?? '');
      this.sockets.push(socket);
      socket.on('message', (data, isBinary) => {
        if (!isBinary) this.received.push(String(data));
      });
    });
  }

  static async start(): Promise<StreamServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    return new StreamServer(http, wss);
  }

  get apiUrl(): string {
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.http.close((error) => (error ? reject(error) : resolve())));
  }
}

const servers: StreamServer[] = [];
const attachments: TerminalAttachment[] = [];

async function setUp() {
  const server = await StreamServer.start();
  servers.push(server);
  const chunks: Uint8Array[] = [];
  const detaches: string[] = [];
  const lineLost: boolean[] = [];
  const attachment = attachTerminalSocket(
    terminalSocketUrl(server.apiUrl, 'term 1'),
    {
      onData: (data) => chunks.push(data),
      onDetach: (reason, lost) => {
        detaches.push(reason);
        lineLost.push(lost === true);
      },
    },
    WebSocket,
  );
  attachments.push(attachment);
  return { server, attachment, chunks, detaches, lineLost };
}

afterEach(async () => {
  attachments.splice(0).forEach((attachment) => attachment.detach());
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('terminalSocketUrl', () => {
  it('puts the escaped terminal id under /terminals on the API socket origin', () => {
    expect(terminalSocketUrl('wss://console.test:8443/api', 'a/b c')).toBe('wss://console.test:8443/terminals/a%2Fb%20c');
  });
});

describe('attachTerminalSocket', () => {
  it('sends input and acks given before the socket opened, in order, once it opens', async () => {
    const { server, attachment } = await setUp();

    attachment.write('ls\r');
    attachment.ack(42);

    await vi.waitFor(() => expect(server.received).toHaveLength(2));
    expect(server.paths).toEqual(['/terminals/term%201']);
    expect(server.received.map((text) => JSON.parse(text))).toEqual([
      { type: 'input', data: 'ls\r' },
      { type: 'ack', bytes: 42 },
    ]);
  });

  it('delivers binary frames as bytes in order and ignores text frames that are not a detach', async () => {
    const { server, chunks, detaches } = await setUp();
    await vi.waitFor(() => expect(server.sockets).toHaveLength(1));

    server.sockets[0].send(Buffer.from('hello '));
    server.sockets[0].send('{"type":"something-new"}');
    server.sockets[0].send(Buffer.from([0xe2, 0x82, 0xac]));

    await vi.waitFor(() => expect(chunks).toHaveLength(2));
    expect(chunks.every((chunk) => chunk instanceof Uint8Array)).toBe(true);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello €');
    expect(detaches).toEqual([]);
  });

  it('reports a detached frame once, with its reason, and stops sending', async () => {
    const { server, attachment, detaches, lineLost } = await setUp();
    await vi.waitFor(() => expect(server.sockets).toHaveLength(1));
    const closed = once(server.sockets[0], 'close');

    server.sockets[0].send(JSON.stringify({ type: 'detached', reason: 'Another window took this terminal over.' }));

    await vi.waitFor(() => expect(detaches).toEqual(['Another window took this terminal over.']));
    await closed;
    attachment.write('ignored');
    expect(server.received).toEqual([]);
    expect(detaches).toHaveLength(1);
    expect(lineLost).toEqual([false]);
  });

  it('reports a dropped socket as a lost line, with a reason that says how to continue', async () => {
    const { server, detaches, lineLost } = await setUp();
    await vi.waitFor(() => expect(server.sockets).toHaveLength(1));

    server.sockets[0].terminate();

    await vi.waitFor(() => expect(detaches).toHaveLength(1));
    expect(detaches[0]).toMatch(/closed.*reattach/);
    expect(lineLost).toEqual([true]);
  });

  it('detach() closes the socket without reporting a detach', async () => {
    const { server, attachment, detaches } = await setUp();
    await vi.waitFor(() => expect(server.sockets).toHaveLength(1));
    const closed = once(server.sockets[0], 'close');

    attachment.detach();

    await closed;
    expect(detaches).toEqual([]);
  });
});
