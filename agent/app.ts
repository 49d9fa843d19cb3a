import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AgentConfig } from './config';
import { readBody, TOO_LARGE } from './http/body';
import type { EnqueueDelivery } from './http/enqueue';
import { healthRoutes } from './http/health';
import { errorResponse } from './http/json';
import type { AgentRequest, AgentResponse, Route } from './http/route';
import { matchRoute } from './http/router';
import { metricsRoutes } from './http/metrics';
import { webhookRoutes } from './http/webhooks';
import { Logger, LogOutput } from './log/logger';
import type { AgentMetrics } from './metrics/agent-metrics';
import type { Database } from './store/sqlite';
import { version } from './version';

// The body limit of routes that set none (everything but webhook deliveries, which have config.bodyLimitBytes).
const MAX_BODY_BYTES = 1024 * 1024;

export interface AgentDeps {
  /** The settings; the routes of later sections (webhooks, queue, deploys) read theirs from it. */
  config: AgentConfig;
  db: Pick<Database, 'prepare'>;
  /** Epoch milliseconds; defaults to now. */
  startedAt?: number;
  /** Where request and error lines go. Defaults to nowhere (tests). */
  log?: Logger;
  /** Counted per webhook request and timed; served at GET /metrics. Without it there is no /metrics. */
  metrics?: AgentMetrics;
  /** Where accepted webhook deliveries go (the job queue's enqueueDelivery); without it there are no /hooks routes. */
  enqueue?: EnqueueDelivery;
  /** Where refused webhook requests are recorded, one JSON line each. Defaults to `log`. */
  securityLog?: (line: string) => void;
  /** Epoch milliseconds, for rate limits and log times; defaults to Date.now. */
  now?: () => number;
}

export interface InjectRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** The peer address the request appears to come from; defaults to 127.0.0.1. */
  remoteAddress?: string;
}

export interface InjectedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json(): unknown;
}

export interface Agent {
  /** The agent's log (see AgentDeps.log); the listener reports server errors there. */
  readonly log: Logger;
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
  remoteAddress: string;
  readBody(limit: number): Promise<Buffer | typeof TOO_LARGE>;
}

/** Builds the agent: its routes table and the two ways in. Listening on a port lives in listen.ts. */
export function buildAgent(deps: AgentDeps): Agent {
  const log = deps.log ?? new Logger(new LogOutput({ sinks: [] }));
  const { config, enqueue } = deps;
  const routes: Route[] = [
    ...healthRoutes({ db: deps.db, version, startedAt: deps.startedAt ?? Date.now() }),
    ...(enqueue
      ? webhookRoutes({
          hooks: config.hooks,
          sites: config.sites,
          enqueue,
          securityLog: deps.securityLog ?? ((line) => log.warn('webhook refused', { refusal: JSON.parse(line) as unknown })),
          now: deps.now ?? Date.now,
          trustedProxies: config.trustedProxies,
          bodyLimit: config.bodyLimitBytes,
        })
      : []),
  ];
  if (deps.metrics) routes.push(...metricsRoutes(deps.metrics.registry));
  const hookIds = new Set(config.hooks.map((hook) => hook.id));
  const respond = (incoming: Incoming) => route(routes, incoming, log, deps.metrics && { metrics: deps.metrics, hookIds });

  return {
    log,
    handle(req, res) {
      const incoming: Incoming = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: flattenHeaders(req.headers),
        // Undefined once the socket is gone; the answer then reaches nobody anyway.
        remoteAddress: req.socket.remoteAddress ?? '',
        readBody: (limit) => readBody(req, limit),
      };
      void respond(incoming).then((answer) => res.writeHead(answer.status, answer.headers).end(answer.body));
    },
    async inject(request) {
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
      // As an HTTP client would, a body comes with its length unless the caller set the framing itself.
      const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
      if (body.length && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
        headers['content-length'] = String(body.length);
      }
      const answer = await respond({
        method: request.method.toUpperCase(),
        url: request.url,
        headers,
        remoteAddress: request.remoteAddress ?? '127.0.0.1',
        readBody: async (limit) => (body.length > limit ? TOO_LARGE : body),
      });
      return { ...answer, json: () => JSON.parse(answer.body) as unknown };
    },
  };
}

/** Routes one request and always produces an answer: every failure becomes a JSON error, never a throw. */
async function route(routes: readonly Route[], incoming: Incoming, log: Logger, counting?: HookCounting): Promise<AgentResponse> {
  const started = performance.now();
  const id = randomUUID();
  const { method } = incoming;
  // Only origin-form targets ("/path?query") are routed; anything else falls through to 404.
  const [path = '', search = ''] = incoming.url.split('?', 2);
  const outcome = await answer(routes, { id, method, path, query: queryOf(search) }, incoming);
  const { response } = outcome;
  const seconds = (performance.now() - started) / 1000;
  const fields = { requestId: id, method, path, status: response.status, ms: Math.round(seconds * 1000), problem: outcome.problem };
  log.log(response.status >= 500 ? 'error' : 'info', 'request', fields);
  if (counting && method === 'POST' && path.startsWith('/hooks/')) countHook(counting, path, response, seconds);
  return {
    ...response,
    headers: { ...response.headers, 'x-request-id': id, 'content-length': String(Buffer.byteLength(response.body)) },
  };
}

interface HookCounting {
  metrics: AgentMetrics;
  /** Only configured ids become label values: a scan of random hook ids must not grow the series. */
  hookIds: ReadonlySet<string>;
}

function countHook({ metrics, hookIds }: HookCounting, path: string, response: AgentResponse, seconds: number): void {
  const named = decodeURIComponentSafe(path.slice('/hooks/'.length));
  const hook = hookIds.has(named) ? named : 'unknown';
  metrics.webhookRequests.inc({ hook, result: hookResult(response) });
  metrics.ackSeconds.observe({ hook }, seconds);
}

/** accepted / duplicate / ignored from the answer's body, else the HTTP status's meaning. */
function hookResult(response: AgentResponse): string {
  if (response.status === 200 || response.status === 202) {
    try {
      const { status } = JSON.parse(response.body) as { status?: unknown };
      if (typeof status === 'string') return status;
    } catch {
      // Not JSON: fall through to the status code.
    }
  }
  return HOOK_RESULTS[response.status] ?? String(response.status);
}

const HOOK_RESULTS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'unknown-hook',
  409: 'busy',
  413: 'too-large',
  429: 'rate-limited',
  500: 'error',
};

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function queryOf(search: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] ??= value;
  return query;
}

type Outcome = { response: AgentResponse; problem?: string };

async function answer(
  routes: readonly Route[],
  { id, method, path, query }: Pick<AgentRequest, 'id' | 'method' | 'path' | 'query'>,
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

  const head = { id, method, path, query, params: match.params, headers: incoming.headers, remoteAddress: incoming.remoteAddress };
  const failed = (error: unknown): Outcome => {
    const message = `The agent failed to answer ${method} ${path}. Its log has the details under request id ${id}.`;
    return { response: errorResponse(500, 'internal', message, id), problem: describe(error) };
  };
  try {
    const refusal = match.route.admit?.(head);
    // node would read and discard an unread body to keep the connection; a refused sender gets it closed.
    if (refusal && announcesBody(incoming.headers)) return { response: { ...refusal, headers: { ...refusal.headers, connection: 'close' } } };
    if (refusal) return { response: refusal };
  } catch (error) {
    return failed(error);
  }

  const limit = match.route.bodyLimit ?? MAX_BODY_BYTES;
  let body: Buffer | typeof TOO_LARGE;
  try {
    body = await incoming.readBody(limit);
  } catch (error) {
    // The client is gone, so nobody reads this answer; it exists for the log line.
    const problem = describe(error);
    return { response: errorResponse(400, 'body-incomplete', `The request body did not arrive: ${problem}.`, id), problem };
  }
  if (body === TOO_LARGE) {
    const message = `The request body is larger than ${limit} bytes; send a smaller one.`;
    // Closing is the only way to stop a client that keeps sending the rest of an oversized body.
    return { response: errorResponse(413, 'body-too-large', message, id, { connection: 'close' }) };
  }

  try {
    return { response: await match.route.handle({ ...head, body }) };
  } catch (error) {
    return failed(error);
  }
}

function announcesBody(headers: Record<string, string>): boolean {
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] ?? '0') !== '0';
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
