/** A request as route handlers see it: already read, with no socket attached (so `inject` can build one). */
export interface AgentRequest {
  /** Random; sent back as X-Request-Id and printed in every log line about this request. */
  id: string;
  method: string;
  /** The URL path without the query string. */
  path: string;
  /** The query string's parameters (the first value of each name). */
  query: Record<string, string>;
  /** The values of the route's `:name` path segments, percent-decoded. */
  params: Record<string, string>;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /**
   * The peer of the connection, as the socket reports it (a reverse proxy, when one forwards); routes
   * that care about the client work it out with agent/http/client-address.ts.
   */
  remoteAddress: string;
  /** The raw bytes: webhook signatures are computed over them, so they are never parsed before a route asks. */
  body: Buffer;
}

/** What is known of a request before its body is read. */
export type RequestHead = Omit<AgentRequest, 'body'>;

export interface AgentResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Why a streamed answer ended: its producer ended it, the client went away, or the agent is stopping. */
export type StreamEnd = 'ended' | 'client-gone' | 'agent-stopping';

/** Where a streamed answer's text goes, piece by piece, as it is produced. */
export interface ResponseSink {
  /** Sends text now; false when the client lags and text is piling up (wait for `drained`). Ignored once closed. */
  write(text: string): boolean;
  /** Finishes the answer. */
  end(): void;
  readonly closed: boolean;
  /** Resolves when the client has taken what was written, or the stream is over. */
  drained(): Promise<void>;
  /**
   * Runs once, when the stream is over. For 'agent-stopping' it runs before the answer ends, so the
   * producer can write a last word; the producer must let go of what feeds it (unsubscribe, timers).
   */
  onClose(listener: (why: StreamEnd) => void): void;
}

/** An answer sent as it is produced (Server-Sent Events): no content-length, no whole body. */
export interface StreamResponse {
  status: number;
  headers: Record<string, string>;
  stream(sink: ResponseSink): void;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One entry of the agent's routes table. */
export interface Route {
  method: HttpMethod;
  /** Segments starting with ":" match any one non-empty segment: "/hooks/:id". */
  path: string;
  /** The largest body this route reads, in bytes; 1 MiB when not set. */
  bodyLimit?: number;
  /**
   * Refuses a request from its head alone, before the body is read (undefined lets it through), so that a
   * refused sender cannot make the agent buffer a large body first.
   */
  admit?(request: RequestHead): AgentResponse | undefined;
  handle(request: AgentRequest): AgentResponse | StreamResponse | Promise<AgentResponse | StreamResponse>;
}
