/** A request as route handlers see it: already read, with no socket attached (so `inject` can build one). */
export interface AgentRequest {
  /** Random; sent back as X-Request-Id and printed in every log line about this request. */
  id: string;
  method: string;
  /** The URL path without the query string. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The raw bytes: webhook signatures are computed over them, so they are never parsed before a route asks. */
  body: Buffer;
}

export interface AgentResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One entry of the agent's routes table. */
export interface Route {
  method: HttpMethod;
  path: string;
  handle(request: AgentRequest): AgentResponse | Promise<AgentResponse>;
}
