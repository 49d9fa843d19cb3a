// Test support: a bridge on 127.0.0.1:0 with handlers that do real work, and a raw peer that speaks
// whatever bytes a test wants and collects what the agent answers.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { collectingLogger, type LogCollector } from '../log/testing';
import { LineReader, toLine } from '../protocol/lines';
import { agentMessageSchema, type AgentMessage, type CommandResult, type RunParams } from '../protocol/messages';
import type { BridgeHandlers, BridgeOptions } from './options';
import { BridgeServer } from './server';

export const TEST_TOKEN = 'test-bridge-token-0123456789';

/** Runs argv for real (no shell, no dedupe: the executor's job) and reports like the executor does. */
export function spawnRun(params: RunParams, onOutput: (stream: 'stdout' | 'stderr', text: string) => void): Promise<CommandResult> {
  const startedAt = new Date();
  const argv = params.argv ?? [];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: params.cwd, env: { ...process.env, ...params.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].setEncoding('utf8');
      child[stream].on('data', (text: string) => {
        output[stream] += text;
        onOutput(stream, text);
      });
    }
    child.once('error', reject);
    child.once('close', (exitCode, signal) => {
      const finishedAt = new Date();
      resolve({
        commandId: params.commandId,
        exitCode,
        signal,
        state: 'finished',
        ...output,
        truncated: false,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: finishedAt.getTime() - startedAt.getTime(),
        replayed: false,
      });
    });
  });
}

/** Handlers answering every method plainly; tests replace the ones they look at. */
export function testHandlers(overrides: Partial<BridgeHandlers> = {}): BridgeHandlers {
  return {
    run: spawnRun,
    commandGet: () => null,
    status: () => ({ agent: 'test', uptimeSeconds: 1, hostname: 'here', loadAverage: [0, 0, 0], jobs: {} }),
    tmuxSend: () => undefined,
    tmuxCapture: (params) => `captured ${params.lines} lines of ${params.session}`,
    jobsList: () => [],
    jobsGet: () => null,
    jobsCancel: () => 'not-found',
    jobsRetry: (id) => ({ id: id + 1 }),
    logsTail: (lines) => Array.from({ length: Math.min(lines, 3) }, (_, index) => `line ${index}`),
    ...overrides,
  };
}

export interface TestBridge {
  server: BridgeServer;
  port: number;
  fingerprint?: string;
  log: LogCollector;
}

/** A listening bridge; the caller closes it (`server.close`). */
export async function startBridge(options: Partial<BridgeOptions> = {}, handlers: BridgeHandlers = testHandlers()): Promise<TestBridge> {
  const { logger, collector } = collectingLogger({ level: 'debug' });
  const server = new BridgeServer({ host: '127.0.0.1', port: 0, token: TEST_TOKEN, ...options }, handlers, logger);
  const listening = await server.listen();
  return { server, log: collector, ...listening };
}

/** A plain TCP peer: writes raw bytes or lines, reads the agent's frames (each checked against the protocol). */
export class RawPeer {
  readonly frames: AgentMessage[] = [];
  readonly closed: Promise<void>;
  private readonly reader = new LineReader(64 * 1024 * 1024);
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const event of this.reader.push(chunk)) {
        if (event.kind !== 'line') throw new Error('the agent sent an over-long line');
        this.frames.push(agentMessageSchema.parse(JSON.parse(event.text)));
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        resolve();
        this.wake();
      }),
    );
  }

  static async open(port: number): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  /** Opens a peer and completes a valid hello. */
  static async authenticated(port: number): Promise<RawPeer> {
    const peer = await RawPeer.open(port);
    peer.send({ type: 'hello', versions: [1], token: TEST_TOKEN });
    await peer.frame(0);
    return peer;
  }

  send(message: unknown): void {
    this.socket.write(toLine(message));
  }

  write(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** The index-th frame received, waiting for it; rejects if the connection closes first. */
  async frame(index: number): Promise<AgentMessage> {
    while (this.frames.length <= index) {
      if (this.socket.destroyed) throw new Error(`the connection closed after ${this.frames.length} frame(s): ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.frames[index] as AgentMessage;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
