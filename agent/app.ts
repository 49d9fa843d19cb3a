import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AgentConfig } from './config';
import { readBody, TOO_LARGE } from './http/body';
import type { EnqueueDelivery } from './http/enqueue';
import { healthRoutes } from './http/health';
import { errorResponse } from './http/json';
import { operatorRoutes, type OperatorDeps } from './http/operator';
import { collectingSink, socketSink, type StreamSink } from './http/response-stream';
import type { AgentRequest, AgentResponse, Route, StreamResponse } from './http/route';
import { Router } from './http/router';
import { metricsRoutes } from './http/metrics';
import { webhookRoutes } from './http/webhooks';
import { Logger, LogOutput } from './log/logger';
import type { AgentMetrics } from './metrics/agent-metrics';
import type { Database } from './store/sqlite';
import { version } from './version';

// The body limit of routes that set none (everything but webhook deliveries, which have config.bodyLimitBytes).
const MAX_BODY_BYTES = 1024 * 1024;
// How far a client may lag behind a streamed answer (a live deploy log) before it is cut off.
const MAX_STREAM_LAG_BYTES = 8 * 1024 * 1024;

/** The operator API's parts that only the runtime has; the token, sites and security log come from the agent's own deps. */
export type OperatorParts = Omit<OperatorDeps, 'token' | 'sites' | 'securityLog' | 'now' | 'trustedProxies'>;

export interface AgentDeps {
  /** The settings; the routes of later sections (webhooks, queue, deploys) read theirs from it. */
  config: AgentConfig;
  db: Pick<Database, 'prepare' | 'exec'>;
  /** Epoch milliseconds; defaults to now. */
  startedAt?: number;
  /** Where request and error lines go. Defaults to nowhere (tests). */
  log?: Logger;
  /** Free bytes for a folder; tests replace it to fake a full disk. Defaults to statfs. */
  freeBytes?: (dir: string) => number;
  /** Counted per webhook request and timed; served at GET /metrics. Without it there is no /metrics. */
  metrics?: AgentMetrics;
  /** Where accepted webhook deliveries go (the job queue's enqueueDelivery); without it there are no /hooks routes. */
  enqueue?: EnqueueDelivery;
  /** The queue and deploys behind the operator API (/jobs, /sites, /deliveries); without them there is no such API. */
  operator?: OperatorParts;
  /** Where refused webhook and operator requests are recorded, one JSON line each. Defaults to `log`. */
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
  /** Runs a request through the same routing as `handle`, without a socket; a streamed answer is collected until it ends. */
  inject(request: InjectRequest): Promise<InjectedResponse>;
  /**
   * Ends every streamed answer (each producer gets to say why first) and answers later stream requests
   * 503, so that shutting down need not wait for clients following a log.
   */
  closeStreams(): void;
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
  const { config, enqueue, operator } = deps;
  const now = deps.now ?? Date.now;
  const securityLog = deps.securityLog ?? ((line: string) => log.warn('request refused', { refusal: JSON.parse(line) as unknown }));
  const routes: Route[] = [
    ...healthRoutes({ db: deps.db, version, startedAt: deps.startedAt ?? Date.now(), dataDir: config.dataDir, minFreeBytes: config.minFreeDiskBytes, freeBytes: deps.freeBytes }),
    ...(enqueue
      ? webhookRoutes({
          hooks: config.hooks,
          sites: config.sites,
          enqueue,
          securityLog,
          now,
          trustedProxies: config.trustedProxies,
          bodyLimit: config.bodyLimitBytes,
        })
      : []),
    ...(operator
      ? operatorRoutes({ ...operator, token: config.apiToken, sites: config.sites, securityLog, now, trustedProxies: config.trustedProxies })
      : []),
  ];
  if (deps.metrics) routes.push(...metricsRoutes(deps.metrics.registry));
  const hookIds = new Set(config.hooks.map((hook) => hook.id));
  const router = new Router(routes);
  const respond = (incoming: Incoming) => route(router, incoming, log, deps.metrics && { metrics: deps.metrics, hookIds });

  const streams = new Set<StreamSink>();
  let stopping = false;
  /** Runs a streamed answer into `sink`, which the agent holds until it closes. */
  const play = (answer: StreamResponse, sink: StreamSink): void => {
    const started = performance.now();
    const requestId = answer.headers['x-request-id'];
    streams.add(sink);
    sink.onClose((why) => {
      streams.delete(sink);
      log.info('stream closed', { requestId, why, seconds: Math.round(performance.now() - started) / 1000 });
    });
    try {
      answer.stream(sink);
    } catch (error) {
      log.error('stream failed', { requestId, error });
      sink.end();
    }
  };
  /** Once the agent stops, a stream would hold the server open: refused instead. */
  const refuseWhileStopping = (answer: AgentResponse | StreamResponse): AgentResponse | StreamResponse => {
    if (!stopping || !isStream(answer)) return answer;
    const requestId = answer.headers['x-request-id'] ?? '';
    return withLength(errorResponse(503, 'stopping', 'The agent is stopping; connect again once it is back.', requestId, { 'x-request-id': requestId }));
  };

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
      void respond(incoming).then((answered) => {
        const answer = refuseWhileStopping(answered);
        if (!isStream(answer)) return void res.writeHead(answer.status, answer.headers).end(answer.body);
        // Sent at once: a client following a log must know it is connected before the first event.
        res.writeHead(answer.status, answer.headers).flushHeaders();
        play(answer, socketSink(res, MAX_STREAM_LAG_BYTES));
      });
    },
    async inject(request) {
      const body = typeof request.body === 'string' ? Buffer.from(request.body) : (request.body ?? Buffer.alloc(0));
      // As an HTTP client would, a body comes with its length unless the caller set the framing itself.
      const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
      if (body.length && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
        headers['content-length'] = String(body.length);
      }
      const answer = refuseWhileStopping(
        await respond({
          method: request.method.toUpperCase(),
          url: request.url,
          headers,
          remoteAddress: request.remoteAddress ?? '127.0.0.1',
          readBody: async (limit) => (body.length > limit ? TOO_LARGE : body),
        }),
      );
      if (!isStream(answer)) return { ...answer, json: () => JSON.parse(answer.body) as unknown };
      const collecting = collectingSink();
      play(answer, collecting.sink);
      const text = await collecting.body;
      return { status: answer.status, headers: answer.headers, body: text, json: () => JSON.parse(text) as unknown };
    },
    closeStreams() {
      stopping = true;
      for (const sink of [...streams]) sink.close('agent-stopping');
    },
  };
}

function isStream(answer: AgentResponse | StreamResponse): answer is StreamResponse {
  return 'stream' in answer;
}

function withLength(response: AgentResponse): AgentResponse {
  return { ...response, headers: { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) } };
}

/** Routes one request and always produces an answer: every failure becomes a JSON error, never a throw. */
async function route(router: Router, incoming: Incoming, log: Logger, counting?: HookCounting): Promise<AgentResponse | StreamResponse> {
  const started = performance.now();
  const id = randomUUID();
  const { method } = incoming;
  // Only origin-form targets ("/path?query") are routed; anything else falls through to 404.
  const [path = '', search = ''] = incoming.url.split('?', 2);
  const outcome = await answer(router, { id, method, path, query: queryOf(search) }, incoming);
  const { response } = outcome;
  const seconds = (performance.now() - started) / 1000;
  const fields = { requestId: id, method, path, status: response.status, ms: Math.round(seconds * 1000), problem: outcome.problem };
  log.log(response.status >= 500 ? 'error' : 'info', 'request', fields);
  if (isStream(response)) return { ...response, headers: { ...response.headers, 'x-request-id': id } };
  if (counting && method === 'POST' && path.startsWith('/hooks/')) countHook(counting, path, response, seconds);
  return withLength({ ...response, headers: { ...response.headers, 'x-request-id': id } });
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

type Outcome = { response: AgentResponse | StreamResponse; problem?: string };

async function answer(
  router: Router,
  { id, method, path, query }: Pick<AgentRequest, 'id' | 'method' | 'path' | 'query'>,
  incoming: Incoming,
): Promise<Outcome> {
  const match = router.match(method, path);
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
