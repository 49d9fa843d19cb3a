import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AgentConfig } from './config';
import { readBody, TOO_LARGE } from './http/body';
import { healthRoutes } from './http/health';
import { errorResponse } from './http/json';
import type { AgentRequest, AgentResponse, Route } from './http/route';
import { matchRoute } from './http/router';
import type { Database } from './store/sqlite';
import { version } from './version';

// Webhook payloads are small; a larger body is refused before it is buffered.
const MAX_BODY_BYTES = 1024 * 1024;

export interface AgentDeps {
  /** The settings; the routes of later sections (webhooks, queue, deploys) read theirs from it. */
  config: AgentConfig;
  db: Pick<Database, 'prepare'>;
  /** Epoch milliseconds; defaults to now. */
  startedAt?: number;
  /** Where request and error lines go, one line per call. Defaults to nowhere (tests). */
  log?: (line: string) => void;
}

export interface InjectRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface InjectedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

export interface Agent {
  /** The agent's log (see AgentDeps.log); the listener reports server errors there. */
  readonly log: (line: string) => void;
  /** A node:http request listener. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Runs a request through the same routing as `handle`, without a socket. */
  inject(request: InjectRequest): Promise<InjectedResponse>;
}

/** What the routing needs from a request, whichever way it arrived. */
interface Incoming {
  method: string;
  url: string;
  headers: Record<string, string>;
  readBody(limit: number): Promise<Buffer | typeof TOO_LARGE>;
}

/** Builds the agent: its routes table and the two ways in. Listening on a port lives in listen.ts. */
export function buildAgent(deps: AgentDeps): Agent {
  const log = deps.log ?? (() => {});
  const routes: readonly Route[] = [...healthRoutes({ db: deps.db, version, startedAt: deps.startedAt ?? Date.now() })];
  const respond = (incoming: Incoming) => route(routes, incoming, log);

  return {
    log,
    handle(req, res) {
      const incoming: Incoming = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: flattenHeaders(req.headers),
        readBody: (limit) => readBody(req, limit),
      };
      void respond(incoming).then((answer) => res.writeHead(answer.status, answer.headers).end(answer.body));
    },
    async inject(request) {
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
      const answer = await respond({
        method: request.method.toUpperCase(),
        url: request.url,
        headers: Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])),
        readBody: async (limit) => (body.length > limit ? TOO_LARGE : body),
      });
      return { ...answer, json: () => JSON.parse(answer.body) as unknown };
    },
  };
}

/** Routes one request and always produces an answer: every failure becomes a JSON error, never a throw. */
async function route(routes: readonly Route[], incoming: Incoming, log: (line: string) => void): Promise<AgentResponse> {
  const started = performance.now();
  const id = randomUUID();
  const { method } = incoming;
  // Only origin-form targets ("/path?query") are routed; anything else falls through to 404.
  const path = incoming.url.split('?', 1)[0] ?? '';
  const outcome = await answer(routes, { id, method, path }, incoming);
  const { response } = outcome;
  const elapsed = Math.round(performance.now() - started);
  log(`${id} ${method} ${path} ${response.status} ${elapsed}ms${outcome.problem ? `: ${outcome.problem}` : ''}`);
  return {
    ...response,
    headers: { ...response.headers, 'x-request-id': id, 'content-length': String(Buffer.byteLength(response.body)) },
  };
}

type Outcome = { response: AgentResponse; problem?: string };

async function answer(
  routes: readonly Route[],
  { id, method, path }: Pick<AgentRequest, 'id' | 'method' | 'path'>,
  incoming: Incoming,
): Promise<Outcome> {
  const match = matchRoute(routes, method, path);
  if (!match) {
    const message = `Nothing here: ${method} ${path}. Check the URL; GET /health shows whether the agent is up.`;
    return { response: errorResponse(404, 'not-found', message, id) };
  }
  if ('allowed' in match) {
    const allow = match.allowed.join(', ');
    return { response: errorResponse(405, 'method-not-allowed', `${path} does not accept ${method}; use ${allow}.`, id, { allow }) };
  }

  let body: Buffer | typeof TOO_LARGE;
  try {
    body = await incoming.readBody(MAX_BODY_BYTES);
  } catch (error) {
    // The client is gone, so nobody reads this answer; it exists for the log line.
    const problem = describe(error);
    return { response: errorResponse(400, 'body-incomplete', `The request body did not arrive: ${problem}.`, id), problem };
  }
  if (body === TOO_LARGE) {
    const message = `The request body is larger than ${MAX_BODY_BYTES} bytes; send a smaller one.`;
    // Closing is the only way to stop a client that keeps sending the rest of an oversized body.
    return { response: errorResponse(413, 'body-too-large', message, id, { connection: 'close' }) };
  }

  try {
    return { response: await match.route.handle({ id, method, path, headers: incoming.headers, body }) };
  } catch (error) {
    const message = `The agent failed to answer ${method} ${path}. Its log has the details under request id ${id}.`;
    return { response: errorResponse(500, 'internal', message, id), problem: describe(error) };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
