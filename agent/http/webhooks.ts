import type { HookConfig, SiteConfig } from '../config';
import { isLoopbackHost } from '../hosts';
import { CidrList } from './cidr';
import { clientAddress } from './client-address';
import type { DeployRequest, EnqueueDelivery } from './enqueue';
import { createEventFilter, type EventFilter } from './filters';
import { errorResponse, jsonResponse } from './json';
import { deliveryHeader, deliveryIdOf, normalizeEvent, parsePayload, type WebhookEvent } from './payloads';
import { RateLimiter } from './rate-limit';
import type { AgentRequest, AgentResponse, RequestHead, Route } from './route';
import { refusalLine, type Refusal } from './security-log';
import { signatureHeader, verifySignature } from './signatures';

export interface WebhookDeps {
  hooks: readonly HookConfig[];
  sites: readonly SiteConfig[];
  /** The job queue's enqueueDelivery. */
  enqueue: EnqueueDelivery;
  /** Receives one JSON line per refused request (see security-log.ts). */
  securityLog: (line: string) => void;
  /** Epoch milliseconds. */
  now: () => number;
  /** CIDRs of the reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  /** The largest delivery body, in bytes. */
  bodyLimit: number;
}

/** A hook with everything a request needs prepared once. */
interface Endpoint {
  hook: HookConfig;
  site: SiteConfig;
  allow?: CidrList;
  limiter: RateLimiter;
  filter: EventFilter;
}

const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const EVENT_HEADERS: Record<HookConfig['source'], string> = {
  github: 'X-GitHub-Event',
  gitlab: 'X-Gitlab-Event',
  bitbucket: 'X-Event-Key',
  generic: 'the "event" field',
};

/**
 * POST /hooks/<id>: a delivery from GitHub, GitLab, Bitbucket or a generic sender becomes a deploy job.
 * Cheap refusals come first, from the request head alone (unknown hook 404, address not allowed 403,
 * rate limit 429); then the signature over the raw body (401), and only then is the body parsed (400).
 * The answer tells the sender what became of the delivery: accepted (202), a duplicate of an earlier
 * one (200), ignored by the hook's filters (202), or refused because the site is busy (409).
 */
export function webhookRoutes(deps: WebhookDeps): Route[] {
  const proxies = new CidrList(deps.trustedProxies);
  const endpoints = new Map(deps.hooks.map((hook) => [hook.id, prepare(hook, deps.sites)]));

  /** An error answer whose code is the refusal's reason, recorded in the security log. */
  const refuse = (
    request: RequestHead,
    who: Pick<Refusal, 'hook' | 'ip'>,
    status: number,
    reason: string,
    message: string,
    headers?: Record<string, string>,
  ) => {
    deps.securityLog(refusalLine(deps.now(), { requestId: request.id, ...who, reason, status }));
    return errorResponse(status, reason, message, request.id, headers);
  };
  const clientOf = (request: RequestHead) => clientAddress(request.remoteAddress, request.headers['x-forwarded-for'], proxies);

  const admit = (request: RequestHead): AgentResponse | undefined => {
    const hookId = request.params.id ?? '';
    const ip = clientOf(request);
    const endpoint = endpoints.get(hookId);
    if (!endpoint) {
      const shown = hookId.length > 64 ? `${hookId.slice(0, 64)}…` : hookId;
      const message = `No hook has the id "${shown}". Check the URL: it is /hooks/ followed by a hook id from the agent's config.`;
      return refuse(request, { hook: shown, ip }, 404, 'unknown-hook', message);
    }
    const { hook, allow, limiter } = endpoint;
    if (allow && !allow.has(ip)) {
      const message = `Hook ${hook.id} takes deliveries only from the addresses in its allow list, and ${ip} is not one; add the sender's network to the hook's allow setting.`;
      return refuse(request, { hook: hook.id, ip }, 403, 'address-not-allowed', message);
    }
    if (isLoopbackHost(ip) && !hook.rateLimit.loopback) return undefined;
    const decision = limiter.take(ip, deps.now());
    if (decision.ok) return undefined;
    const wait = decision.retryAfterSeconds;
    const message = `Too many deliveries to hook ${hook.id} from ${ip} (the limit is ${hook.rateLimit.perMinute} a minute); try again in ${wait} s.`;
    return refuse(request, { hook: hook.id, ip }, 429, 'rate-limited', message, { 'retry-after': String(wait) });
  };

  const handle = async (request: AgentRequest): Promise<AgentResponse> => {
    const endpoint = endpoints.get(request.params.id ?? '');
    if (!endpoint) throw new Error('admit() lets no request for an unknown hook through');
    const { hook } = endpoint;
    const check = verifySignature(hook.source, hook.secret, request.headers, request.body);
    if (!check.ok) {
      const header = signatureHeader(hook.source);
      const problem = {
        'missing-signature': `has no ${header} header`,
        'malformed-signature': `has a ${header} header that is not "sha256=" followed by 64 lower-case hex digits`,
        'bad-signature': `has a ${header} header that does not match the body`,
      }[check.reason];
      const message = `The delivery ${problem}. Set the webhook's secret at the sender to the one the agent's config names for hook ${hook.id}.`;
      return refuse(request, { hook: hook.id, ip: clientOf(request) }, 401, check.reason, message);
    }
    const parsed = parsePayload(request.headers, request.body);
    if (!parsed.ok) {
      const message = `The delivery could not be read: ${parsed.problem}. Send a JSON object as the body.`;
      return errorResponse(400, 'malformed-payload', message, request.id);
    }
    const event = normalizeEvent(hook.source, request.headers, parsed.payload);
    if (!event.event) {
      const message = `The delivery names no event; a ${hook.source} delivery names it in ${EVENT_HEADERS[hook.source]}.`;
      return errorResponse(400, 'missing-event', message, request.id);
    }
    if (event.event === 'ping') return jsonResponse(200, { status: 'pong', hook: hook.id });
    const deliveryId = deliveryIdOf(hook.source, request.headers);
    if (deliveryId === undefined) {
      const message = `The delivery has no usable ${deliveryHeader(hook.source)} header (1 to 128 visible ASCII characters, unique per delivery and kept on redelivery); send one.`;
      return errorResponse(400, 'missing-delivery-id', message, request.id);
    }
    return deliver(endpoint, event, deliveryId, request.id);
  };

  const deliver = async ({ hook, site, filter }: Endpoint, event: WebhookEvent, deliveryId: string, requestId: string): Promise<AgentResponse> => {
    const ignored = (reason: string) => jsonResponse(202, { status: 'ignored', deliveryId, reason });
    const filtered = filter(event);
    if (filtered) return ignored(filtered);
    if (event.deleted) return ignored(`the push deleted ${event.ref ?? event.branch ?? 'its ref'}; there is nothing to deploy`);
    const { branch } = event;
    // Branch names come from the sender: "constructor" must not find Object.prototype's.
    const environment = branch !== undefined && Object.hasOwn(site.branches, branch) ? site.branches[branch] : undefined;
    if (branch === undefined || environment === undefined) {
      const named = branch === undefined ? `the delivery is not about a branch${event.ref ? ` (${event.ref})` : ''}` : `not "${branch}"`;
      return ignored(`site ${site.id} deploys the branches ${Object.keys(site.branches).join(', ')}; ${named}`);
    }
    const commit = event.commit?.toLowerCase();
    if (commit === undefined || !COMMIT.test(commit)) {
      const message = `The delivery names no commit to deploy (40 or 64 hex digits)${hook.source === 'generic' ? '; send it in the "commit" field' : ''}.`;
      return errorResponse(400, 'missing-commit', message, requestId);
    }
    const request: DeployRequest = {
      siteId: site.id,
      environment,
      repository: event.repository ?? site.repository,
      branch,
      commit,
      event: event.event,
      ...(event.sender === undefined ? {} : { sender: event.sender }),
      hookId: hook.id,
      deliveryId,
    };
    const outcome = await deps.enqueue({ hookId: hook.id, deliveryId, policy: site.queue, priority: hook.priority, request });
    switch (outcome.status) {
      case 'accepted':
        return jsonResponse(202, { status: 'accepted', deliveryId, jobId: outcome.jobId, position: outcome.position });
      case 'duplicate':
        return jsonResponse(200, { status: 'duplicate', deliveryId, jobId: outcome.jobId });
      case 'busy': {
        const message = `Site ${site.id} is deploying (job ${outcome.runningJobId}) and its queue policy is reject-if-busy; send the delivery again once it is done.`;
        return jsonResponse(409, { status: 'busy', deliveryId, runningJobId: outcome.runningJobId, message });
      }
    }
  };

  return [{ method: 'POST', path: '/hooks/:id', bodyLimit: deps.bodyLimit, admit, handle }];
}

function prepare(hook: HookConfig, sites: readonly SiteConfig[]): Endpoint {
  const site = sites.find((candidate) => candidate.id === hook.site);
  // loadAgentConfig refuses such a config; reaching this is a programming error.
  if (!site) throw new Error(`Hook ${hook.id} names site ${hook.site}, which is not configured.`);
  return {
    hook,
    site,
    ...(hook.allow ? { allow: new CidrList(hook.allow) } : {}),
    limiter: new RateLimiter({ perMinute: hook.rateLimit.perMinute }),
    filter: createEventFilter(hook),
  };
}
