// @vitest-environment node
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Server, WireCall, WireReply } from '../../../preload/api';
import type { Bridge, ConnectionState } from './connection';
import { connectWebSocketApi, retryDelay, type WebSocketApiOptions } from './websocket';
import { testServer } from '../testing/server-fixture';

/** A real WebSocket server on 127.0.0.1 speaking the console's wire format; each test scripts its answers. */
class WireServer {
  readonly calls: WireCall[] = [];
  answer: (call: WireCall) => WireReply | undefined = (call) => ({
    type: 'result',
    id: call.id,
    result: { ok: true, value: call.args },
  });
  connections = 0;
  private stopped: Promise<void> | undefined;

  private constructor(
    private readonly http: HttpServer,
    private readonly wss: WebSocketServer,
  ) {
    wss.on('connection', (socket) => {
      this.connections += 1;
      socket.on('message', (data) => {
        const call = JSON.parse(String(data)) as WireCall;
        this.calls.push(call);
        const reply = this.answer(call);
        if (reply) socket.send(JSON.stringify(reply));
      });
    });
  }

  static async start(port = 0): Promise<WireServer> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http, path: '/api' });
    http.listen(port, '127.0.0.1');
    await once(http, 'listening');
    return new WireServer(http, wss);
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/api`;
  }

  send(reply: WireReply | string): void {
    const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
    for (const client of this.wss.clients) client.send(text);
  }

  /** Cuts every client off, as a console restart does; the server keeps listening. */
  dropClients(): void {
    for (const client of this.wss.clients) client.terminate();
  }

  stop(): Promise<void> {
    this.stopped ??= this.close();
    return this.stopped;
  }

  private async close(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.http.close((error) => (error ? reject(error) : resolve())));
  }
}

const servers: WireServer[] = [];
const bridges: Bridge[] = [];

async function startServer(port?: number): Promise<WireServer> {
  const server = await WireServer.start(port);
  servers.push(server);
  return server;
}

function connect(url: string, options: Partial<WebSocketApiOptions> = {}): Bridge {
  const bridge = connectWebSocketApi(url, {
    WebSocket,
    retry: { firstMs: 10, maxMs: 40 },
    ...options,
  });
  bridges.push(bridge);
  return bridge;
}

function statesOf(bridge: Bridge): ConnectionState[] {
  const seen: ConnectionState[] = [];
  bridge.connection.onChange((state) => seen.push(state));
  return seen;
}

async function untilState(bridge: Bridge, state: ConnectionState): Promise<void> {
  await vi.waitFor(() => expect(bridge.connection.current()).toBe(state), { timeout: 5_000, interval: 5 });
}

const server1: Server = testServer('s1', { name: 'web-1', host: '10.0.0.1', user: 'deploy', tags: ['web'] });

afterEach(async () => {
  bridges.splice(0).forEach((bridge) => bridge.close());
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  vi.restoreAllMocks();
});

describe('connectWebSocketApi', () => {
  it('sends calls made before the socket opens and matches each reply to its call by id', async () => {
    const server = await startServer();
    const held: WireCall[] = [];
    server.answer = (call) => {
      held.push(call);
      if (held.length < 2) return undefined;
      // Answer the second call first: replies are matched by id, not by order.
      server.send({ type: 'result', id: held[1].id, result: { ok: true, value: [server1] } });
      return { type: 'result', id: held[0].id, result: { ok: true, value: { id: 's1' } } };
    };
    const bridge = connect(server.url);
    expect(bridge.connection.current()).toBe('connecting');

    const [deleted, listed] = await Promise.all([bridge.api.deleteServer('s1'), bridge.api.listServers()]);

    expect(deleted).toEqual({ ok: true, value: { id: 's1' } });
    expect(listed).toEqual({ ok: true, value: [server1] });
    expect(server.calls.map(({ type, method, args }) => ({ type, method, args }))).toEqual([
      { type: 'call', method: 'deleteServer', args: ['s1'] },
      { type: 'call', method: 'listServers', args: [] },
    ]);
    expect(bridge.connection.current()).toBe('open');
  });

  it('passes typed errors from the console through unchanged', async () => {
    const server = await startServer();
    const error = { ok: false, code: 'VALIDATION', message: 'Please correct the highlighted fields.', fields: { port: 'Port must be a number' } } as const;
    server.answer = (call) => ({ type: 'result', id: call.id, result: error });
    const bridge = connect(server.url);

    const result = await bridge.api.createServer({ name: 'a', host: 'b', user: 'c', port: Number.NaN });

    expect(result).toEqual(error);
    expect(server.calls[0].args).toEqual([{ name: 'a', host: 'b', user: 'c', port: null }]);
  });

  it('resolves DISCONNECTED for calls cut off by a drop and for calls while down, then works again', async () => {
    const server = await startServer();
    server.answer = () => undefined;
    const bridge = connect(server.url, { retry: { firstMs: 200, maxMs: 200 } });
    await untilState(bridge, 'open');

    const cutOff = bridge.api.listServers();
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));
    server.dropClients();

    const result = await cutOff;
    expect(result).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(!result.ok && result.message).toMatch(/may or may not have been carried out/);
    expect(bridge.connection.current()).toBe('reconnecting');

    const whileDown = await bridge.api.getAppInfo();
    expect(whileDown).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(!whileDown.ok && whileDown.message).toMatch(/reconnecting/);
    expect(server.calls).toHaveLength(1);

    server.answer = (call) => ({ type: 'result', id: call.id, result: { ok: true, value: [] } });
    await untilState(bridge, 'open');
    expect(await bridge.api.listServers()).toEqual({ ok: true, value: [] });
  });

  it('resolves DISCONNECTED when the console does not answer in time, and ignores the late answer', async () => {
    const server = await startServer();
    const held: WireCall[] = [];
    server.answer = (call) => {
      held.push(call);
      return undefined;
    };
    const bridge = connect(server.url, { callTimeoutMs: 50 });

    const result = await bridge.api.listServers();

    expect(result).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(!result.ok && result.message).toMatch(/did not answer within/);
    server.send({ type: 'result', id: held[0].id, result: { ok: true, value: [] } });
    server.answer = (call) => ({ type: 'result', id: call.id, result: { ok: true, value: [server1] } });
    expect(await bridge.api.listServers()).toEqual({ ok: true, value: [server1] });
  });

  it('delivers events to listeners across reconnects until they unsubscribe', async () => {
    const server = await startServer();
    const bridge = connect(server.url);
    const received: Server[][] = [];
    const unsubscribe = bridge.api.onServersChanged((servers) => received.push(servers));
    await untilState(bridge, 'open');

    server.send({ type: 'event', name: 'serversChanged', value: [server1] });
    await vi.waitFor(() => expect(received).toEqual([[server1]]));

    server.dropClients();
    await vi.waitFor(() => expect(server.connections).toBe(2));
    await untilState(bridge, 'open');
    server.send({ type: 'event', name: 'serversChanged', value: [] });
    await vi.waitFor(() => expect(received).toEqual([[server1], []]));

    unsubscribe();
    server.send({ type: 'event', name: 'serversChanged', value: [server1] });
    // A round trip after the event proves the event arrived before we look.
    expect(await bridge.api.listServers()).toMatchObject({ ok: true });
    expect(received).toEqual([[server1], []]);
  });

  it('reports reconnecting, then stopped, and opens again when the console comes back on its port', async () => {
    const first = await startServer();
    const port = first.port;
    const bridge = connect(first.url, { stoppedAfterFailures: 2 });
    const states = statesOf(bridge);
    await untilState(bridge, 'open');

    await first.stop();
    await untilState(bridge, 'stopped');
    const whileStopped = await bridge.api.listServers();
    expect(!whileStopped.ok && whileStopped.message).toMatch(/Start it again and open the new link/);

    const second = await startServer(port);
    await untilState(bridge, 'open');
    expect(states).toEqual(['open', 'reconnecting', 'stopped', 'open']);
    expect(await bridge.api.getAppInfo()).toMatchObject({ ok: true });
    expect(second.connections).toBe(1);
  });

  it('fails the first calls clearly when the console cannot be reached at all', async () => {
    const server = await startServer();
    const url = server.url;
    await server.stop();
    const bridge = connect(url);

    const result = await bridge.api.listServers();

    expect(result).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(!result.ok && result.message).toMatch(/Could not connect/);
  });

  it('close() ends pending calls, stops reconnecting and drops every listener', async () => {
    const server = await startServer();
    server.answer = () => undefined;
    const bridge = connect(server.url);
    const states = statesOf(bridge);
    await untilState(bridge, 'open');
    const pending = bridge.api.listServers();
    await vi.waitFor(() => expect(server.calls).toHaveLength(1));

    bridge.close();

    const result = await pending;
    expect(result).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    expect(!result.ok && result.message).toMatch(/Reload the page/);
    expect(await bridge.api.getAppInfo()).toMatchObject({ ok: false, code: 'DISCONNECTED' });
    await vi.waitFor(() => expect(server.connections).toBe(1));
    // Several retry periods later there is still no second connection and no state change.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(server.connections).toBe(1);
    expect(states).toEqual(['open']);
  });

  it('reports unreadable or refused messages and keeps working', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const server = await startServer();
    const bridge = connect(server.url);
    await untilState(bridge, 'open');

    server.send('not json');
    server.send({ type: 'error', code: 'BAD_REQUEST', message: 'Unknown method "x".' });

    expect(await bridge.api.getAppInfo()).toMatchObject({ ok: true });
    expect(errors.mock.calls.map((args) => String(args[0]))).toEqual([
      expect.stringMatching(/unreadable message/),
      expect.stringMatching(/refused a message \(BAD_REQUEST\): Unknown method/),
    ]);
  });
});

describe('retryDelay', () => {
  it('doubles from the first delay and stops at the cap', () => {
    const delays = { firstMs: 500, maxMs: 10_000 };
    expect([0, 1, 2, 3, 4, 5, 10, 60].map((failures) => retryDelay(failures, delays))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000,
    ]);
  });
});
