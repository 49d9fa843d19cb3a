import type { Socket } from 'node:net';
import { describeIssues } from '../protocol/client';
import { LineReader, toLine } from '../protocol/lines';
import { clientMessageSchema, PROTOCOL_VERSIONS, type Call, type ClientHello, type ErrorCode } from '../protocol/messages';
import type { Logger } from '../log/logger';
import type { MethodDispatcher } from './methods';
import type { BridgeLimits } from './options';

/** Bad frames one connection may send; the last one's answer says the connection is being closed. */
export const MAX_BAD_FRAMES = 5;
/** After the closing error frame is written, a peer that does not read it is cut after this long. */
const LINGER_MS = 2_000;

export interface ConnectionDeps {
  limits: BridgeLimits;
  checkToken: (candidate: string) => boolean;
  dispatcher: MethodDispatcher;
  agent: string;
  log: Logger;
  onAuthenticated: () => void;
}

/**
 * One client: the hello, then its calls. Reads stop while the client is not reading its answers (its
 * unsent bytes above the limit), so a slow reader cannot make the agent buffer without bound.
 */
export class BridgeConnection {
  private readonly reader: LineReader;
  private readonly inFlight = new Set<number>();
  private authenticated = false;
  private badFrames = 0;
  /** No more frames are read or answered: the connection is being closed. */
  private ending = false;
  /** Set by drain(): end once the calls in flight have answered. */
  private draining = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private stalled: NodeJS.Timeout | undefined;
  private gone = false;
  private readonly helloTimer: NodeJS.Timeout | undefined;
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.reader = new LineReader(deps.limits.maxFrameBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    this.helloTimer = this.later(deps.limits.helloTimeoutMs, () => {
      this.refuse('UNAUTHORIZED', `No valid hello within ${deps.limits.helloTimeoutMs} ms; send {"type":"hello","versions":[…],"token":"…"} right after connecting.`);
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('drain', () => this.drained());
    socket.on('error', (error) => deps.log.debug('bridge connection error', { error }));
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.gone = true;
        for (const timer of this.timers) clearTimeout(timer);
        this.timers.clear();
        clearTimeout(this.stalled);
        resolve();
      });
    });
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** Reads nothing more; ends the connection once the calls in flight have answered, or cuts it after `graceMs`. */
  drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.socket.pause();
    if (this.inFlight.size === 0) this.end();
    this.later(graceMs, () => this.socket.destroy());
    return this.closed;
  }

  private receive(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      if (this.ending || this.draining) return;
      if (event.kind === 'too-long') {
        const message = `A frame of ${event.bytes} bytes is over the ${this.deps.limits.maxFrameBytes}-byte limit; split the work into smaller calls.`;
        if (this.authenticated) this.strike(null, 'BAD_FRAME', message);
        else this.refuse('BAD_FRAME', `${message} Closing: nothing that long is expected before a hello.`);
        continue;
      }
      this.frame(event.text);
    }
  }

  private frame(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.strike(null, 'BAD_FRAME', 'A frame is not JSON; send one JSON object per line.');
      return;
    }
    const parsed = clientMessageSchema.safeParse(value);
    if (!parsed.success) {
      this.strike(readableId(value), 'BAD_FRAME', `A frame does not match the protocol: ${describeIssues(parsed.error.issues, 'frame')}.`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'hello') this.hello(message);
    else if (!this.authenticated) this.refuse('UNAUTHORIZED', 'A call came before the hello; send a hello with the bridge token first.');
    else this.call(message);
  }

  private hello(hello: ClientHello): void {
    if (this.authenticated) {
      this.strike(null, 'BAD_FRAME', 'This connection already said hello; send calls.');
      return;
    }
    if (!this.deps.checkToken(hello.token)) {
      this.deps.log.warn('bridge hello refused: wrong token', { remote: this.socket.remoteAddress, client: hello.client });
      this.refuse('UNAUTHORIZED', "The token does not match the agent's bridge token (bridge.token in its data dir); check it and connect again.");
      return;
    }
    const shared = PROTOCOL_VERSIONS.filter((version) => hello.versions.includes(version));
    if (shared.length === 0) {
      this.refuse(
        'UNSUPPORTED_VERSION',
        `This agent speaks protocol version(s) ${PROTOCOL_VERSIONS.join(', ')}, none of ${hello.versions.join(', ')}; update the older of the desktop and the agent.`,
      );
      return;
    }
    this.authenticated = true;
    clearTimeout(this.helloTimer);
    this.deps.onAuthenticated();
    this.send({ type: 'hello', version: Math.max(...shared), agent: this.deps.agent });
    this.deps.log.debug('bridge client connected', { remote: this.socket.remoteAddress, client: hello.client });
  }

  private call(call: Call): void {
    const { id, method } = call;
    if (this.inFlight.has(id)) {
      this.strike(id, 'BAD_FRAME', `Call id ${id} is already in flight on this connection; give each call a new id.`);
      return;
    }
    if (!this.deps.dispatcher.knows(method)) {
      this.strike(id, 'UNKNOWN_METHOD', `There is no method "${method}"; update the agent if the desktop is newer.`);
      return;
    }
    const checked = this.deps.dispatcher.checkParams(method, call.params);
    if (!checked.ok) {
      this.strike(id, 'BAD_PARAMS', checked.message);
      return;
    }
    if (this.inFlight.size >= this.deps.limits.maxCallsInFlight) {
      this.send({ type: 'error', id, code: 'BUSY', message: `${this.deps.limits.maxCallsInFlight} calls are already running on this connection; wait for one to finish or open another connection.` });
      return;
    }
    this.inFlight.add(id);
    const context = { output: (stream: 'stdout' | 'stderr', data: string) => this.send({ type: 'output', id, stream, data }) };
    void this.deps.dispatcher.call(method, checked.params, context).then((outcome) => {
      this.inFlight.delete(id);
      if (outcome.ok) this.send({ type: 'result', id, result: outcome.result });
      else {
        if (outcome.logged !== undefined) this.deps.log.error('bridge call failed', { method, error: outcome.logged });
        this.send({ type: 'error', id, code: outcome.code, message: outcome.message });
      }
      if (this.draining && this.inFlight.size === 0) this.end();
    });
  }

  /** Answers a bad frame; the MAX_BAD_FRAMES-th closes the connection. */
  private strike(id: number | null, code: ErrorCode, message: string): void {
    this.badFrames += 1;
    if (this.badFrames < MAX_BAD_FRAMES) {
      this.send({ type: 'error', id, code, message });
      return;
    }
    this.deps.log.warn('bridge connection closed after repeated bad frames', { remote: this.socket.remoteAddress, badFrames: this.badFrames });
    this.send({ type: 'error', id, code, message: `${message} Closing the connection after ${MAX_BAD_FRAMES} bad frames.` });
    this.end();
  }

  /** Refuses the connection: one error frame without a call id, then the end. */
  private refuse(code: ErrorCode, message: string): void {
    this.send({ type: 'error', id: null, code, message });
    this.end();
  }

  private end(): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.pause();
    this.socket.end();
    this.later(LINGER_MS, () => this.socket.destroy());
  }

  private send(message: object): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    socket.write(toLine(message));
    const { writeBufferBytes, maxWriteBufferBytes, stalledWriteMs } = this.deps.limits;
    if (socket.writableLength > maxWriteBufferBytes) {
      this.deps.log.warn('bridge client disconnected: it stopped reading', { remote: socket.remoteAddress, unsentBytes: socket.writableLength });
      socket.destroy();
      return;
    }
    if (socket.writableLength > writeBufferBytes && this.stalled === undefined) {
      socket.pause();
      this.stalled = setTimeout(() => {
        this.deps.log.warn('bridge client disconnected: it read nothing for too long', { remote: socket.remoteAddress, unsentBytes: socket.writableLength });
        socket.destroy();
      }, stalledWriteMs);
    }
  }

  private drained(): void {
    if (this.stalled === undefined) return;
    clearTimeout(this.stalled);
    this.stalled = undefined;
    if (!this.ending && !this.draining) this.socket.resume();
  }

  private later(ms: number, action: () => void): NodeJS.Timeout | undefined {
    if (this.gone) return undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
    return timer;
  }
}

/** The id of a frame that failed its schema, when it has a usable one, so the error can name the call. */
function readableId(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null;
  const id = value.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}
