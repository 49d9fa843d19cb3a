import type { z } from 'zod';
import { DEFAULT_MAX_FRAME_BYTES, type CommandResult, type MethodResult, type methods, type RunParams } from '../protocol/messages';

// What the socket bridge needs from the rest of the agent. The lead maps the agent's config onto
// BridgeOptions and passes the real executor, tmux, queue and log as BridgeHandlers.

export const DEFAULT_BRIDGE_HOST = '127.0.0.1';
export const DEFAULT_BRIDGE_PORT = 8899;

export interface BridgeLimits {
  /** The longest line read from a client; longer ones are refused without being buffered. */
  maxFrameBytes: number;
  /** Calls one connection may have running at once; more are answered BUSY. */
  maxCallsInFlight: number;
  /** Open connections at once, authenticated or not; the kernel's backlog holds the rest. */
  maxConnections: number;
  /** A connection that has not said a valid hello by then is closed (also the TLS handshake limit). */
  helloTimeoutMs: number;
  /** Above this many unsent bytes the connection's reading stops until the client catches up. */
  writeBufferBytes: number;
  /** A client that reads nothing for this long while its buffer is full is disconnected. */
  stalledWriteMs: number;
  /** A client with this many unsent bytes is disconnected at once (a flooding run into a reader that stopped). */
  maxWriteBufferBytes: number;
}

export const DEFAULT_BRIDGE_LIMITS: BridgeLimits = {
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxCallsInFlight: 16,
  maxConnections: 256,
  helloTimeoutMs: 10_000,
  writeBufferBytes: 1024 * 1024,
  stalledWriteMs: 30_000,
  maxWriteBufferBytes: 64 * 1024 * 1024,
};

export interface BridgeOptions {
  host: string;
  port: number;
  /** The shared secret every client's hello must carry; never empty. */
  token: string;
  /** PEM text; absent = plain TCP (loopback, or behind an SSH forward). */
  tls?: { cert: string; key: string };
  limits?: Partial<BridgeLimits>;
}

/** A method's params after its schema ran (defaults filled in). */
export type CallParams<M extends keyof typeof methods> = z.output<(typeof methods)[M]['params']>;

type Awaitable<T> = T | Promise<T>;

/**
 * What the methods do. A handler may throw BridgeCallError to answer with a code and a message of its
 * choosing; anything else it throws is answered INTERNAL with the error's message.
 */
export interface BridgeHandlers {
  /** The executor: runs once per command id, streaming output; a repeat id gets the recorded result. */
  run(params: RunParams, onOutput: (stream: 'stdout' | 'stderr', text: string) => void): Promise<CommandResult>;
  commandGet(commandId: string): Awaitable<CommandResult | null>;
  /** The bridge fills in `bridgeClients` itself. */
  status(): Awaitable<Omit<MethodResult<'status'>, 'bridgeClients'>>;
  tmuxSend(params: CallParams<'tmux.send'>): Awaitable<void>;
  tmuxCapture(params: CallParams<'tmux.capture'>): Awaitable<string>;
  jobsList(params: CallParams<'jobs.list'>): Awaitable<Record<string, unknown>[]>;
  jobsGet(id: number): Awaitable<Record<string, unknown> | null>;
  /** The queue's cancel outcome, e.g. "cancelled" or "cancel-requested". */
  jobsCancel(id: number): Awaitable<string>;
  /** The new job. */
  jobsRetry(id: number): Awaitable<Record<string, unknown>>;
  logsTail(lines: number): Awaitable<string[]>;
}
