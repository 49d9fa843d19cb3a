import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../deploy/testing/processes';
import { BridgeClient, BridgeClientError } from '../protocol/client';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/messages';
import { BridgeCallError } from './methods';
import type { BridgeServer } from './server';
import { RawPeer, startBridge, testHandlers, TEST_TOKEN, type TestBridge } from './testing';

const servers: BridgeServer[] = [];
const peers: RawPeer[] = [];
const clients: BridgeClient[] = [];

afterEach(async () => {
  clients.splice(0).forEach((client) => client.close());
  peers.splice(0).forEach((peer) => peer.destroy());
  await Promise.all(servers.splice(0).map((server) => server.close(0)));
});

async function bridge(...args: Parameters<typeof startBridge>): Promise<TestBridge> {
  const started = await startBridge(...args);
  servers.push(started.server);
  return started;
}

async function peer(port: number, hello = false): Promise<RawPeer> {
  const opened = hello ? await RawPeer.authenticated(port) : await RawPeer.open(port);
  peers.push(opened);
  return opened;
}

async function client(port: number, token = TEST_TOKEN): Promise<BridgeClient> {
  const connected = await BridgeClient.connect({ host: '127.0.0.1', port, token, timeoutMs: 5_000, client: 'test' });
  clients.push(connected);
  return connected;
}

describe('BridgeServer hello', () => {
  it('accepts the right token, agrees on version 1, and then answers calls', async () => {
    const { port } = await bridge();
    const connected = await client(port);
    expect(connected.version).toBe(1);
    expect(connected.agent).toMatch(/^lifeline-agent\//);
    const pong = await connected.call('ping', {});
    expect(pong.agent).toBe(connected.agent);
    expect(Number.isNaN(Date.parse(pong.time))).toBe(false);
  });

  it('refuses a wrong token with UNAUTHORIZED, closes, and logs the refusal', async () => {
    const { port, log } = await bridge();
    const failure = await client(port, 'wrong-token').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BridgeClientError);
    expect(failure).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('bridge token') });
    expect(log.records().some((line) => line.msg === 'bridge hello refused: wrong token')).toBe(true);
  });

  it('refuses versions it does not speak, naming the ones it has', async () => {
    const { port } = await bridge();
    const raw = await peer(port);
    raw.send({ type: 'hello', versions: [7, 9], token: TEST_TOKEN });
    expect(await raw.frame(0)).toMatchObject({ type: 'error', id: null, code: 'UNSUPPORTED_VERSION', message: expect.stringContaining('version(s) 1,') });
    await raw.closed;
  });

  it('closes a connection that calls before saying hello', async () => {
    const { port } = await bridge();
    const raw = await peer(port);
    raw.send({ type: 'call', id: 1, method: 'ping', params: {} });
    expect(await raw.frame(0)).toMatchObject({ type: 'error', id: null, code: 'UNAUTHORIZED' });
    await raw.closed;
    expect(raw.frames).toHaveLength(1);
  });

  it('closes a connection that says nothing within the hello limit', async () => {
    const { port } = await bridge({ limits: { helloTimeoutMs: 100 } });
    const raw = await peer(port);
    expect(await raw.frame(0)).toMatchObject({ type: 'error', id: null, code: 'UNAUTHORIZED', message: expect.stringContaining('No valid hello') });
    await raw.closed;
  });

  it('closes at once on an over-long frame before hello, but only answers one after it', async () => {
    const { port } = await bridge({ limits: { maxFrameBytes: 1024 } });
    const early = await peer(port);
    early.write(`${'x'.repeat(5000)}\n`);
    expect(await early.frame(0)).toMatchObject({ type: 'error', id: null, code: 'BAD_FRAME', message: expect.stringContaining('Closing') });
    await early.closed;

    const late = await peer(port, true);
    late.write(`{"type":"call","id":1,"method":"ping","params":{"pad":"${'x'.repeat(5000)}"}}\n`);
    expect(await late.frame(1)).toMatchObject({ type: 'error', id: null, code: 'BAD_FRAME', message: expect.stringContaining('over the 1024-byte limit') });
    late.send({ type: 'call', id: 2, method: 'ping', params: {} });
    expect(await late.frame(2)).toMatchObject({ type: 'result', id: 2 });
  });

  it('rejects an empty token in its options', async () => {
    await expect(startBridge({ token: '' })).rejects.toThrow(/token is empty/);
  });
});

describe('BridgeServer bad frames', () => {
  it('answers each with a code (and the call id when it has one), keeps serving, and closes at the fifth', async () => {
    const { port } = await bridge();
    const raw = await peer(port, true);
    raw.write('not json\n');
    raw.send({ type: 'call', id: 11, method: 'ping', params: {}, extra: 1 });
    raw.send({ type: 'call', id: 12, method: 'format.disk', params: {} });
    raw.send({ type: 'call', id: 13, method: 'run', params: { commandId: 'cmd-00000001', argv: [] } });
    expect(await raw.frame(1)).toMatchObject({ type: 'error', id: null, code: 'BAD_FRAME', message: expect.stringContaining('not JSON') });
    expect(await raw.frame(2)).toMatchObject({ type: 'error', id: 11, code: 'BAD_FRAME', message: expect.stringContaining('extra') });
    expect(await raw.frame(3)).toMatchObject({ type: 'error', id: 12, code: 'UNKNOWN_METHOD', message: expect.stringContaining('format.disk') });
    expect(await raw.frame(4)).toMatchObject({ type: 'error', id: 13, code: 'BAD_PARAMS', message: expect.stringContaining('params.argv: argv needs at least the program') });

    raw.send({ type: 'call', id: 14, method: 'ping', params: {} });
    expect(await raw.frame(5)).toMatchObject({ type: 'result', id: 14 });

    raw.send({ type: 'hello', versions: [1], token: TEST_TOKEN });
    expect(await raw.frame(6)).toMatchObject({ type: 'error', code: 'BAD_FRAME', message: expect.stringContaining('Closing the connection after 5 bad frames') });
    await raw.closed;
  });

  it('does not treat inherited names such as "constructor" as methods', async () => {
    const { port } = await bridge();
    const raw = await peer(port, true);
    raw.send({ type: 'call', id: 1, method: 'constructor', params: {} });
    raw.send({ type: 'call', id: 2, method: '__proto__', params: {} });
    expect(await raw.frame(1)).toMatchObject({ id: 1, code: 'UNKNOWN_METHOD' });
    expect(await raw.frame(2)).toMatchObject({ id: 2, code: 'UNKNOWN_METHOD' });
  });
});

describe('BridgeServer calls', () => {
  it("streams a real process's output as frames, then its result", async () => {
    const { port } = await bridge();
    const connected = await client(port);
    const seen: string[] = [];
    const result = await connected.call(
      'run',
      { commandId: 'cmd-echo-0001', argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'] },
      { onOutput: (stream, data) => seen.push(`${stream}:${data}`) },
    );
    expect(result).toMatchObject({ commandId: 'cmd-echo-0001', exitCode: 3, state: 'finished', stdout: 'out\n', stderr: 'err\n' });
    expect(seen.sort()).toEqual(['stderr:err\n', 'stdout:out\n']);
  });

  it('answers BUSY past the calls-in-flight limit and serves again once one finishes', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { port } = await bridge(
      { limits: { maxCallsInFlight: 2 } },
      testHandlers({
        tmuxCapture: async () => {
          await gate;
          return 'done';
        },
      }),
    );
    const connected = await client(port);
    const slow = [connected.call('tmux.capture', { session: 'ops' }), connected.call('tmux.capture', { session: 'ops' })];
    await expect(connected.call('ping', {})).rejects.toMatchObject({ code: 'BUSY' });
    release();
    expect(await Promise.all(slow)).toEqual([{ text: 'done' }, { text: 'done' }]);
    await expect(connected.call('ping', {})).resolves.toMatchObject({ agent: connected.agent });
  });

  it("passes a handler's BridgeCallError code on, reports other throws as INTERNAL, and never sends an off-schema result", async () => {
    const { port, log } = await bridge(
      {},
      testHandlers({
        tmuxSend: () => {
          throw new BridgeCallError('REFUSED', 'tmux is off on this agent; turn it on in its config.');
        },
        tmuxCapture: () => {
          throw new Error('no session named ops');
        },
        jobsRetry: () => ({ nope: () => 1 }) as unknown as Record<string, unknown>,
        logsTail: () => [42] as unknown as string[],
      }),
    );
    const connected = await client(port);
    await expect(connected.call('tmux.send', { session: 'ops', keys: 'ls' })).rejects.toMatchObject({ code: 'REFUSED', message: 'tmux is off on this agent; turn it on in its config.' });
    await expect(connected.call('tmux.capture', { session: 'ops' })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('no session named ops') });
    await expect(connected.call('logs.tail', {})).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('invalid logs.tail result') });
    expect(log.records().filter((line) => line.msg === 'bridge call failed').map((line) => line.method)).toEqual(['tmux.capture', 'logs.tail']);
  });

  it('hands each method its parsed params and shapes its answer', async () => {
    const { port } = await bridge();
    const [one, two] = [await client(port), await client(port)];
    expect(await one.call('status', {})).toMatchObject({ hostname: 'here', bridgeClients: 2 });
    expect(await one.call('tmux.capture', { session: 'ops', lines: 5 })).toEqual({ text: 'captured 5 lines of ops' });
    expect(await one.call('tmux.send', { session: 'ops', keys: 'ls' })).toEqual({});
    expect(await one.call('logs.tail', {})).toEqual({ lines: ['line 0', 'line 1', 'line 2'] });
    expect(await one.call('jobs.cancel', { id: 4 })).toEqual({ outcome: 'not-found' });
    expect(await one.call('jobs.retry', { id: 4 })).toEqual({ id: 5 });
    expect(await one.call('jobs.get', { id: 4 })).toBeNull();
    expect(await one.call('command.get', { commandId: 'cmd-never-seen' })).toBeNull();
    two.close();
    await two.closed;
    await waitFor('the server to count the closed client', () => servers[0]?.clients === 1);
  });

  it('refuses a second call with an id still in flight', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { port } = await bridge({}, testHandlers({ logsTail: async () => (await gate, ['x']) }));
    const raw = await peer(port, true);
    raw.send({ type: 'call', id: 5, method: 'logs.tail', params: {} });
    raw.send({ type: 'call', id: 5, method: 'ping', params: {} });
    expect(await raw.frame(1)).toMatchObject({ type: 'error', id: 5, code: 'BAD_FRAME', message: expect.stringContaining('already in flight') });
    release();
    expect(await raw.frame(2)).toMatchObject({ type: 'result', id: 5, result: { lines: ['x'] } });
  });
});

describe('BridgeServer close', () => {
  it('lets calls in flight answer within the grace, then stops; new connections are refused', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const logsTail = async () => {
      entered = true;
      await gate;
      return ['last'];
    };
    const started = await bridge({}, testHandlers({ logsTail }));
    const connected = await client(started.port);
    const pending = connected.call('logs.tail', {});
    await waitFor('the call to reach the handler', () => entered);
    const closing = started.server.close(10_000);
    release();
    expect(await pending).toEqual({ lines: ['last'] });
    await closing;
    await connected.closed;
    await expect(client(started.port)).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('cuts a call that outlives the grace', async () => {
    let entered = false;
    const logsTail = () => {
      entered = true;
      return new Promise<string[]>(() => undefined);
    };
    const started = await bridge({}, testHandlers({ logsTail }));
    const connected = await client(started.port);
    const pending = connected.call('logs.tail', {}).catch((error: unknown) => error);
    await waitFor('the call to reach the handler', () => entered);
    await started.server.close(50);
    expect(await pending).toMatchObject({ code: 'CLOSED' });
  });

  it('says in words when its port is taken', async () => {
    const { port } = await bridge();
    await expect(startBridge({ port })).rejects.toMatchObject({ code: 'EADDRINUSE', message: expect.stringContaining('--bridge-port') });
  });

  it('uses the protocol limit on frames by default', async () => {
    const { port } = await bridge();
    const raw = await peer(port, true);
    raw.write(`${'y'.repeat(DEFAULT_MAX_FRAME_BYTES + 1)}\n`);
    expect(await raw.frame(1)).toMatchObject({ code: 'BAD_FRAME', message: expect.stringContaining(`${DEFAULT_MAX_FRAME_BYTES}-byte limit`) });
  });
});
