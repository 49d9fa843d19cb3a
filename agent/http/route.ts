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
  handle(request: AgentRequest): AgentResponse | Promise<AgentResponse>;
}
