import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BridgeClient, describeIssues } from './client';
import { LineReader, toLine } from './lines';
import { runParamsSchema } from './messages';

// The client against a scripted agent: a real listening socket whose answers each test writes by hand,
// so the client's handling of every kind of reply (and of none) is exercised.

type Script = (socket: Socket, frame: Record<string, unknown>) => void;

const servers: Server[] = [];
const accepted = new Set<Socket>();
const clients: BridgeClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  accepted.forEach((socket) => socket.destroy());
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

/** A server that answers the hello, then hands every later frame to `script`; it records what it read. */
async function scriptedAgent(script: Script, hello: Script = (socket) => socket.write(toLine({ type: 'hello', version: 1, agent: 'scripted' }))) {
  const received: Record<string, unknown>[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    accepted.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      accepted.delete(socket);
    });
    socket.on('error', () => undefined);
    const reader = new LineReader(1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      for (const event of reader.push(chunk)) {
        if (event.kind !== 'line') continue;
        const frame = JSON.parse(event.text) as Record<string, unknown>;
        received.push(frame);
        (frame.type === 'hello' ? hello : script)(socket, frame);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  const closeAll = () => sockets.forEach((socket) => socket.destroy());
  return { port: (server.address() as AddressInfo).port, received, closeAll };
}

async function connect(port: number, timeoutMs = 5_000, signal?: AbortSignal): Promise<BridgeClient> {
  const client = await BridgeClient.connect({ host: '127.0.0.1', port, token: 'secret-token', timeoutMs, signal });
  clients.push(client);
  return client;
}

describe('BridgeClient connect', () => {
  it('sends its versions and token in the hello and takes the agent\'s answer', async () => {
    const agent = await scriptedAgent(() => undefined);
    const client = await connect(agent.port);
    expect(agent.received[0]).toEqual({ type: 'hello', versions: [1], token: 'secret-token' });
    expect([client.version, client.agent]).toEqual([1, 'scripted']);
  });

  it('reports a refused hello with the agent\'s code and words', async () => {
    const agent = await scriptedAgent(
      () => undefined,
      (socket) => socket.end(toLine({ type: 'error', id: null, code: 'UNSUPPORTED_VERSION', message: 'speaks 2 only' })),
    );
    await expect(connect(agent.port)).rejects.toMatchObject({ code: 'UNSUPPORTED_VERSION', message: 'speaks 2 only' });
  });

  it('says nothing listens when the port is closed', async () => {
    const agent = await scriptedAgent(() => undefined);
    const server = servers.pop() as Server;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(connect(agent.port)).rejects.toMatchObject({ code: 'CONNECT_FAILED', message: expect.stringContaining('Nothing listens') });
  });

  it('gives up on an agent that never answers the hello, and can be cancelled', async () => {
    const agent = await scriptedAgent(() => undefined, () => undefined);
    await expect(connect(agent.port, 100)).rejects.toMatchObject({ code: 'TIMEOUT' });
    const abort = new AbortController();
    const pending = connect(agent.port, 60_000, abort.signal);
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('refuses an agent that picks a version it was not offered', async () => {
    const agent = await scriptedAgent(() => undefined, (socket) => socket.write(toLine({ type: 'hello', version: 9, agent: 'future' })));
    await expect(connect(agent.port)).rejects.toMatchObject({ code: 'PROTOCOL', message: expect.stringContaining('version 9') });
  });

  it('refuses a peer that is not a bridge', async () => {
    const agent = await scriptedAgent(() => undefined, (socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await expect(connect(agent.port)).rejects.toMatchObject({ code: 'PROTOCOL', message: expect.stringContaining("bridge") });
  });
});

describe('BridgeClient calls', () => {
  it('delivers output frames in order, then the result; frames of other ids do not leak in', async () => {
    const agent = await scriptedAgent((socket, frame) => {
      socket.write(toLine({ type: 'output', id: 999, stream: 'stdout', data: 'not mine' }));
      socket.write(toLine({ type: 'output', id: frame.id, stream: 'stdout', data: 'a' }));
      socket.write(toLine({ type: 'output', id: frame.id, stream: 'stderr', data: 'b' }));
      const result = { commandId: 'cmd-00000001', exitCode: 0, signal: null, state: 'finished', stdout: 'a', stderr: 'b', truncated: false, startedAt: 'now', finishedAt: 'now', durationMs: 1, replayed: false };
      socket.write(toLine({ type: 'result', id: frame.id, result }));
    });
    const client = await connect(agent.port);
    const seen: string[] = [];
    const result = await client.call('run', { commandId: 'cmd-00000001', argv: ['true'] }, { onOutput: (stream, data) => seen.push(`${stream}:${data}`) });
    expect(seen).toEqual(['stdout:a', 'stderr:b']);
    expect(result).toMatchObject({ exitCode: 0, stdout: 'a' });
    expect(agent.received[1]).toEqual({ type: 'call', id: 1, method: 'run', params: { commandId: 'cmd-00000001', argv: ['true'] } });
  });

  it('checks params before sending: a bad call never reaches the agent', async () => {
    const agent = await scriptedAgent(() => undefined);
    const client = await connect(agent.port);
    await expect(client.call('tmux.send', { session: 'a;b', keys: 'ls' })).rejects.toMatchObject({ code: 'BAD_PARAMS', message: expect.stringContaining('params.session') });
    await client.call('ping', {}, { timeoutMs: 50 }).catch(() => undefined);
    expect(agent.received.map((frame) => frame.method)).toEqual([undefined, 'ping']);
  });

  it('times out a call, ignores its late answer, and keeps working; cancels one on abort', async () => {
    const agent = await scriptedAgent((socket, frame) => {
      const answer = () => socket.write(toLine({ type: 'result', id: frame.id, result: { agent: 'scripted', time: 'now' } }));
      if (frame.id === 1) setTimeout(answer, 150);
      else if (frame.id === 2) answer();
    });
    const client = await connect(agent.port);
    await expect(client.call('ping', {}, { timeoutMs: 20 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(client.call('ping', {})).resolves.toEqual({ agent: 'scripted', time: 'now' });
    const abort = new AbortController();
    const pending = client.call('ping', {}, { signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects a result that does not match the method, and takes error frames as the call\'s failure', async () => {
    const agent = await scriptedAgent((socket, frame) => {
      if (frame.method === 'ping') socket.write(toLine({ type: 'result', id: frame.id, result: { agent: 7 } }));
      else socket.write(toLine({ type: 'error', id: frame.id, code: 'REFUSED', message: 'tmux is off' }));
    });
    const client = await connect(agent.port);
    await expect(client.call('ping', {})).rejects.toMatchObject({ code: 'PROTOCOL', message: expect.stringContaining('result.agent') });
    await expect(client.call('tmux.send', { session: 'ops', keys: 'ls' })).rejects.toMatchObject({ code: 'REFUSED', message: 'tmux is off' });
  });

  it('fails the calls waiting when the agent goes away, and resolves closed', async () => {
    const agent = await scriptedAgent(() => undefined);
    const client = await connect(agent.port);
    const pending = client.call('ping', {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    agent.closeAll();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    await client.closed;
    await expect(client.call('ping', {})).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('closes on a frame it cannot read, or one over its limit, failing what waits', async () => {
    const garbage = await scriptedAgent((socket) => socket.write('{"type":"result"}\n'));
    const first = await connect(garbage.port);
    await expect(first.call('ping', {})).rejects.toMatchObject({ code: 'PROTOCOL' });
    await first.closed;

    const huge = await scriptedAgent((socket) => socket.write(`${'z'.repeat(2048)}\n`));
    const second = await BridgeClient.connect({ host: '127.0.0.1', port: huge.port, token: 't', timeoutMs: 5_000, maxFrameBytes: 1024 });
    clients.push(second);
    await expect(second.call('ping', {})).rejects.toMatchObject({ code: 'PROTOCOL', message: expect.stringContaining('2048 bytes') });
  });

  it('treats an error frame without a call id as the end of the connection', async () => {
    const agent = await scriptedAgent((socket) => socket.write(toLine({ type: 'error', id: null, code: 'BAD_FRAME', message: 'closing after 5 bad frames' })));
    const client = await connect(agent.port);
    await expect(client.call('ping', {})).rejects.toMatchObject({ code: 'BAD_FRAME', message: 'closing after 5 bad frames' });
    await client.closed;
  });
});

describe('describeIssues', () => {
  it('names each field, and the unknown ones', () => {
    const parsed = runParamsSchema.safeParse({ commandId: 'x', argv: [], colour: 'red' });
    if (parsed.success) throw new Error('expected the params to fail');
    const text = describeIssues(parsed.error.issues, 'params');
    expect(text).toContain('params.commandId: a command id is 8 to 128');
    expect(text).toContain('params.argv: argv needs at least the program');
    expect(text).toContain('params has unknown field(s) colour');
  });
});
