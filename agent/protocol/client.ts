import { createHash } from 'node:crypto';
import { connect as connectTcp, isIP, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import type { z } from 'zod';
import { LineReader, toLine } from './lines';
import {
  agentMessageSchema,
  PROTOCOL_VERSIONS,
  methods,
  type AgentMessage,
  type ErrorCode,
  type MethodName,
  type MethodParams,
  type MethodResult,
} from './messages';

// The socket bridge's client: the desktop's `bridge` layer (main/links) and the tests use it. One TCP or
// TLS connection, a hello, then any number of calls in flight, each answered by its own frames.

/** What went wrong: a code from the agent's error frame, or one of the client's own. */
export type BridgeFailure = ErrorCode | 'CONNECT_FAILED' | 'TIMEOUT' | 'ABORTED' | 'CLOSED' | 'PIN_MISMATCH' | 'PROTOCOL';

export class BridgeClientError extends Error {
  override readonly name = 'BridgeClientError';

  constructor(
    readonly code: BridgeFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface BridgeConnectOptions {
  host: string;
  port: number;
  /**
   * An open stream to the agent's port (e.g. an SSH tunnel) to speak over instead of dialing: `host` and
   * `port` then only name the agent as the stream's far end reaches it, and `via` says how, in messages.
   * The client owns the stream from here: closing the client destroys it.
   */
  stream?: { duplex: Duplex; via: string };
  token: string;
  /** Connect with TLS and accept only the certificate with this fingerprint ("SHA256:<base64>"); no CA is consulted. */
  tls?: { fingerprint: string };
  /** For the connection and the hello together. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Who connects, for the agent's log. */
  client?: string;
  /**
   * The longest agent frame taken. A run's result carries its recorded output (capped per stream by the
   * agent, and JSON escaping can grow it), so this is larger than the agent's limit on what it reads.
   */
  maxFrameBytes?: number;
}

export interface CallOptions {
  /** A run's live output, in order, before its result. */
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  /** Absent: no limit of the client's own (a run ends at the agent's time limit). */
  timeoutMs?: number;
  /** Gives up waiting; what the agent already started keeps running (a run's result stays recorded under its id). */
  signal?: AbortSignal;
}

export const DEFAULT_CLIENT_MAX_FRAME_BYTES = 32 * 1024 * 1024;

/** `SHA256:` and the unpadded base64 of the SHA-256 of the DER certificate — the form a pin is written in. */
export function certificateFingerprint(der: Buffer): string {
  return `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
}

/** A schema's problems in one sentence naming each field, e.g. `params.argv: argv needs at least the program`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], whole: string): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return `${path ? `${whole}.${path}` : whole} has unknown field(s) ${issue.keys.join(', ')}`;
      return `${path ? `${whole}.${path}` : whole}: ${issue.message}`;
    })
    .join('; ');
}

interface Pending {
  method: MethodName;
  resolve: (result: unknown) => void;
  reject: (error: BridgeClientError) => void;
  onOutput: CallOptions['onOutput'];
}

export class BridgeClient {
  /** Resolves when the connection is gone, whoever ended it; never rejects. */
  readonly closed: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private readonly reader: LineReader;
  private nextId = 1;
  private hello: { resolve: (message: AgentMessage) => void; reject: (error: BridgeClientError) => void } | undefined;
  /** Why the connection ended (or is about to), given to every call it leaves unanswered. */
  private failure: BridgeClientError | undefined;
  private agentInfo = { version: 0, agent: '' };

  private constructor(
    private readonly socket: Duplex,
    private readonly where: string,
    maxFrameBytes: number,
  ) {
    this.reader = new LineReader(maxFrameBytes);
    // A tunnel's stream has no Nagle of its own; the connection carrying it sets its own.
    if (socket instanceof Socket) socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    // The agent never half-closes: its end is the connection's end. A TCP socket closes by itself then,
    // but an SSH channel allows half-open streams and would wait for our end while calls hang.
    socket.once('end', () => socket.destroy());
    // An error is always followed by 'close', where calls are settled; keep the first reason.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.failure ??= connectionError(error, where);
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        const reason = this.failure ?? new BridgeClientError('CLOSED', `The agent at ${where} closed the connection; connect again.`);
        this.hello?.reject(reason);
        this.hello = undefined;
        for (const call of this.pending.values()) call.reject(reason);
        this.pending.clear();
        resolve();
      });
    });
  }

  /** Connects, checks the pinned certificate (before the token is sent), and says hello. */
  static async connect(options: BridgeConnectOptions): Promise<BridgeClient> {
    const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
    const where = options.stream ? `${address} (through ${options.stream.via})` : address;
    if (options.signal?.aborted) {
      options.stream?.duplex.destroy();
      throw new BridgeClientError('ABORTED', `Connecting to the agent at ${where} was cancelled.`);
    }
    const dial = options.stream ? { socket: options.stream.duplex } : { host: options.host, port: options.port };
    const socket = options.tls
      ? connectTls({
          ...dial,
          // The pin below is the check: the agent's certificate is self-signed or from a CA we do not consult.
          rejectUnauthorized: false,
          minVersion: 'TLSv1.2',
          ...(isIP(options.host) ? {} : { servername: options.host }),
        })
      : (options.stream?.duplex ?? connectTcp({ host: options.host, port: options.port }));
    const client = new BridgeClient(socket, where, options.maxFrameBytes ?? DEFAULT_CLIENT_MAX_FRAME_BYTES);
    const tunnel = options.stream?.duplex;
    // TLS wraps the tunnel in a socket of its own; the tunnel must end with it.
    if (tunnel && tunnel !== socket) void client.closed.then(() => tunnel.destroy());

    const timer = setTimeout(() => {
      // Still dialing: the address is unreachable (a firewall dropping packets), not an agent that is slow.
      if (socket instanceof Socket && socket.connecting) {
        client.fail(new BridgeClientError('CONNECT_FAILED', `No connection to the agent at ${where} within ${options.timeoutMs} ms; check the host, the port and the firewalls between.`));
      } else {
        client.fail(new BridgeClientError('TIMEOUT', `The agent at ${where} did not answer within ${options.timeoutMs} ms; check that it runs and that the port is reachable.`));
      }
    }, options.timeoutMs);
    const onAbort = () => client.fail(new BridgeClientError('ABORTED', `Connecting to the agent at ${where} was cancelled.`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const answer = new Promise<AgentMessage>((resolve, reject) => {
        client.hello = { resolve, reject };
      });
      await new Promise<void>((resolve, reject) => {
        const ready = () => {
          try {
            if (options.tls) checkPin(socket as TLSSocket, options.tls.fingerprint, where);
            resolve();
          } catch (error) {
            client.fail(error as BridgeClientError);
          }
        };
        answer.catch(reject);
        if (options.tls) socket.once('secureConnect', ready);
        else if (options.stream) ready(); // already open
        else socket.once('connect', ready);
      });
      client.send({ type: 'hello', versions: [...PROTOCOL_VERSIONS], token: options.token, ...(options.client ? { client: options.client } : {}) });
      const reply = await answer;
      if (reply.type !== 'hello') throw new BridgeClientError('PROTOCOL', `The agent at ${where} answered the hello with a ${reply.type} frame; is this a Lifeline agent's bridge port?`);
      if (!(PROTOCOL_VERSIONS as readonly number[]).includes(reply.version)) {
        throw new BridgeClientError('PROTOCOL', `The agent at ${where} chose protocol version ${reply.version}, which this client did not offer; update the agent.`);
      }
      client.agentInfo = { version: reply.version, agent: reply.agent };
      return client;
    } catch (error) {
      client.fail(error as BridgeClientError);
      throw error;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The protocol version agreed in the hello. */
  get version(): number {
    return this.agentInfo.version;
  }

  /** The agent's name and version, from its hello. */
  get agent(): string {
    return this.agentInfo.agent;
  }

  /** Calls a method; params are checked here with the same schema the agent uses, and so is the result. */
  call<M extends MethodName>(method: M, params: MethodParams<M>, options: CallOptions = {}): Promise<MethodResult<M>> {
    const checked = methods[method].params.safeParse(params);
    if (!checked.success) return Promise.reject(new BridgeClientError('BAD_PARAMS', `Invalid ${method} call: ${describeIssues(checked.error.issues, 'params')}.`));
    if (this.ended) {
      return Promise.reject(this.failure ?? new BridgeClientError('CLOSED', `The connection to the agent at ${this.where} is closed; connect again.`));
    }
    if (options.signal?.aborted) return Promise.reject(new BridgeClientError('ABORTED', `The ${method} call was cancelled.`));

    const id = this.nextId++;
    return new Promise<MethodResult<M>>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => settle(() => reject(new BridgeClientError('ABORTED', `The ${method} call was cancelled.`)));
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
        finish();
      };
      this.pending.set(id, {
        method,
        resolve: (result) => settle(() => resolve(result as MethodResult<M>)),
        reject: (error) => settle(() => reject(error)),
        onOutput: options.onOutput,
      });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => settle(() => reject(new BridgeClientError('TIMEOUT', `The agent at ${this.where} did not answer ${method} within ${options.timeoutMs} ms.`))),
          options.timeoutMs,
        );
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.send({ type: 'call', id, method, params: checked.data });
    });
  }

  /** Ends the connection; calls still waiting fail with CLOSED. */
  close(): void {
    this.fail(new BridgeClientError('CLOSED', `The connection to the agent at ${this.where} was closed by this side.`));
  }

  /** A tunnel's stream (an SSH channel) may not mark itself destroyed when destroyed; the failure says it. */
  private get ended(): boolean {
    return this.failure !== undefined || this.socket.destroyed;
  }

  private send(message: unknown): void {
    if (!this.ended) this.socket.write(toLine(message));
  }

  private fail(error: BridgeClientError): void {
    this.failure ??= error;
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      if (this.ended) return;
      if (event.kind === 'too-long') {
        this.fail(new BridgeClientError('PROTOCOL', `The agent at ${this.where} sent a frame of ${event.bytes} bytes, over this client's limit; raise maxFrameBytes if its commands' output cap is that high.`));
        return;
      }
      let message: AgentMessage;
      try {
        const parsed = agentMessageSchema.safeParse(JSON.parse(event.text));
        if (!parsed.success) throw new Error(describeIssues(parsed.error.issues, 'frame'));
        message = parsed.data;
      } catch (error) {
        this.fail(new BridgeClientError('PROTOCOL', `The agent at ${this.where} sent a frame this client cannot read (${(error as Error).message}); is the port a Lifeline agent's bridge?`));
        return;
      }
      this.handle(message);
    }
  }

  private handle(message: AgentMessage): void {
    if (this.hello) {
      const hello = this.hello;
      this.hello = undefined;
      if (message.type === 'error') hello.reject(new BridgeClientError(message.code, message.message));
      else hello.resolve(message);
      return;
    }
    if (message.type === 'hello') {
      this.fail(new BridgeClientError('PROTOCOL', `The agent at ${this.where} sent a second hello; connect again.`));
      return;
    }
    if (message.type === 'error' && message.id === null) {
      // Not about one call: this client sent something the agent could not read, or the agent is refusing
      // the connection; either way it is not one to keep using.
      this.fail(new BridgeClientError(message.code, message.message));
      return;
    }
    // Frames for a call that timed out or was cancelled here still arrive; they are dropped.
    const call = message.id === null ? undefined : this.pending.get(message.id);
    if (!call) return;
    if (message.type === 'output') {
      call.onOutput?.(message.stream, message.data);
    } else if (message.type === 'error') {
      call.reject(new BridgeClientError(message.code, message.message));
    } else {
      const result = methods[call.method].result.safeParse(message.result);
      if (result.success) call.resolve(result.data);
      else call.reject(new BridgeClientError('PROTOCOL', `The agent's ${call.method} result does not match the protocol (${describeIssues(result.error.issues, 'result')}); update the agent or this client.`));
    }
  }
}

function checkPin(socket: TLSSocket, pinned: string, where: string): void {
  const certificate = socket.getPeerCertificate();
  const presented = certificate?.raw ? certificateFingerprint(certificate.raw) : 'none';
  if (presented !== pinned) {
    throw new BridgeClientError(
      'PIN_MISMATCH',
      `The agent at ${where} presented certificate ${presented}, but ${pinned} is pinned for it. If the agent's certificate was replaced on purpose, pin the new fingerprint; otherwise something else is answering on that port.`,
    );
  }
}

function connectionError(error: NodeJS.ErrnoException, where: string): BridgeClientError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new BridgeClientError('CONNECT_FAILED', `Nothing listens at ${where}: check that the agent runs with its bridge on that port.`, { cause: error });
    case 'ECONNRESET':
    case 'EPIPE':
      return new BridgeClientError('CLOSED', `The agent at ${where} dropped the connection; connect again.`, { cause: error });
    default:
      return new BridgeClientError('CONNECT_FAILED', `Cannot reach the agent at ${where} (${error.code ?? error.message}); check the host, the port and the network between.`, { cause: error });
  }
}
