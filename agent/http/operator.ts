import type { SiteConfig } from '../config';
import type { DeployRunner } from '../deploy/runner';
import type { EnqueueOutcome } from '../queue/job';
import type { JobQueue } from '../queue/job-queue';
import { QueueError } from '../queue/queue-error';
import type { DeployRequest } from '../queue/types';
import { errorResponse, jsonResponse } from './json';
import { operatorAuth, type OperatorAuthDeps } from './operator-auth';
import { parseDeliveriesQuery, parseDeployBody, parseJobId, parseJobsQuery, type Parsed } from './operator-input';
import { deliveryView, deployView, jobView, siteView } from './operator-views';
import type { AgentRequest, AgentResponse, Route, StreamResponse } from './route';
import { sseResponse } from './sse';
import { JobLogFeed, type JobLogSource } from './sse-job-log';

export interface OperatorDeps extends OperatorAuthDeps {
  sites: readonly SiteConfig[];
  queue: JobQueue;
  runner: Pick<DeployRunner, 'deploys' | 'currentRelease' | 'logFile' | 'followLog'>;
  /** Whether this process runs the job's deploy now (its log can then be followed live). */
  runsHere(jobId: number): boolean;
  /** A job was enqueued here: claim it now rather than at the worker's next poll. */
  wake(): void;
  /** How often the worker checks a running job for a cancel request (its heartbeat), for the answers. */
  cancelCheckSeconds: number;
  /** Log streams: a comment every heartbeatMs (default 15 s); a waiting job is looked at every pollMs (default 1 s). */
  logStream?: { heartbeatMs?: number; pollMs?: number };
}

/**
 * The operator API, every route behind the API token: jobs (list, one with its deploys, its log as
 * Server-Sent Events, cancel, retry), sites (list, deploy by hand, pause, resume) and webhook deliveries.
 */
export function operatorRoutes(deps: OperatorDeps): Route[] {
  const { queue, runner, sites } = deps;
  const admit = operatorAuth(deps);
  const siteById = new Map(sites.map((site) => [site.id, site]));
  const heartbeatMs = deps.logStream?.heartbeatMs ?? 15_000;
  const pollMs = deps.logStream?.pollMs ?? 1_000;
  const logSource: JobLogSource = {
    job: (jobId) => queue.get(jobId),
    deploys: (jobId) => runner.deploys(jobId),
    logFile: (jobId) => runner.logFile(jobId),
    followLog: (jobId, onChunk, onEnd) => runner.followLog(jobId, onChunk, onEnd),
    runsHere: deps.runsHere,
  };

  const noJob = (request: AgentRequest, id: number) =>
    errorResponse(404, 'job-not-found', `There is no job ${id}. GET /jobs lists the jobs with their ids.`, request.id);
  const noSite = (request: AgentRequest, id: string) => {
    const known = sites.length ? `the sites are: ${sites.map((site) => site.id).join(', ')}` : 'no site is configured';
    return errorResponse(404, 'site-not-found', `There is no site "${id}" in the agent's config (${known}).`, request.id);
  };

  /** Runs `handle` with the job id from the path, or answers 400 for one that is not an id. */
  const withJobId =
    (handle: (request: AgentRequest, id: number) => AgentResponse | StreamResponse) =>
    (request: AgentRequest): AgentResponse | StreamResponse => {
      const id = parseJobId(request.params.id ?? '');
      return id.ok ? handle(request, id.value) : badRequest(request, id.message);
    };

  const withSite =
    (handle: (request: AgentRequest, site: SiteConfig) => AgentResponse) =>
    (request: AgentRequest): AgentResponse => {
      const id = request.params.id ?? '';
      const site = siteById.get(id);
      return site ? handle(request, site) : noSite(request, id);
    };

  const routes: Omit<Route, 'admit'>[] = [
    {
      method: 'GET',
      path: '/jobs',
      handle: (request) =>
        answer(request, parseJobsQuery(request.query), (query) => {
          const limit = query.limit ?? 100;
          const jobs = queue.list({ state: query.state, siteId: query.site, limit, beforeId: query.before });
          // A full page may have more behind it: ?before=<nextBefore> lists them.
          const nextBefore = jobs.length === limit ? (jobs.at(-1)?.id ?? null) : null;
          return jsonResponse(200, { jobs: jobs.map(jobView), nextBefore });
        }),
    },
    {
      method: 'GET',
      path: '/jobs/:id',
      handle: withJobId((request, id) => {
        const job = queue.get(id);
        if (!job) return noJob(request, id);
        return jsonResponse(200, { job: jobView(job), deploys: runner.deploys(id).map(deployView) });
      }),
    },
    {
      method: 'GET',
      path: '/jobs/:id/log',
      handle: withJobId((request, id) => {
        if (!queue.get(id)) return noJob(request, id);
        return sseResponse((channel) => new JobLogFeed(channel, id, logSource, pollMs).start(), { heartbeatMs });
      }),
    },
    {
      method: 'POST',
      path: '/jobs/:id/cancel',
      handle: withJobId((request, id) => {
        switch (queue.cancel(id)) {
          case 'cancelled':
            return jsonResponse(200, { status: 'cancelled', jobId: id, message: `Job ${id} was waiting and is cancelled.` });
          case 'cancel-requested': {
            const message = `Job ${id} is running: the agent running it stops the deploy within ${deps.cancelCheckSeconds} s (at its next heartbeat), killing the running step's whole process group. GET /jobs/${id} shows when it has ended.`;
            return jsonResponse(202, { status: 'cancel-requested', jobId: id, message });
          }
          case 'not-cancellable': {
            const state = queue.get(id)?.state ?? 'finished';
            const message = `Job ${id} is ${state}, so there is nothing to cancel. POST /jobs/${id}/retry runs it again.`;
            return errorResponse(409, 'not-cancellable', message, request.id);
          }
          case 'not-found':
            return noJob(request, id);
        }
      }),
    },
    {
      method: 'POST',
      path: '/jobs/:id/retry',
      handle: withJobId((request, id) => {
        let outcome: EnqueueOutcome;
        try {
          outcome = queue.retry(id);
        } catch (error) {
          if (!(error instanceof QueueError)) throw error;
          return errorResponse(error.code === 'NOT_FOUND' ? 404 : 409, error.code === 'NOT_FOUND' ? 'job-not-found' : 'not-retryable', error.message, request.id);
        }
        return enqueued(request, outcome, `a retry of job ${id}`);
      }),
    },
    {
      method: 'GET',
      path: '/sites',
      handle: () => {
        const paused = new Set(queue.pausedSites());
        const views = sites.map((site) =>
          siteView(site, {
            paused: paused.has(site.id),
            current: runner.currentRelease(site.id),
            running: queue.list({ state: 'running', siteId: site.id, limit: 1 })[0],
          }),
        );
        return jsonResponse(200, { sites: views });
      },
    },
    {
      method: 'POST',
      path: '/sites/:id/deploy',
      handle: withSite((request, site) =>
        answer(request, parseDeployBody(request.body), ({ commit, branch }) => {
          const chosen = chooseBranch(site, branch);
          if (!chosen.ok) return badRequest(request, chosen.message);
          const deploy: DeployRequest = {
            siteId: site.id,
            environment: chosen.value.environment,
            repository: site.repository,
            branch: chosen.value.branch,
            commit,
            event: 'manual',
          };
          return enqueued(request, queue.enqueueManual({ policy: site.queue, request: deploy }), `a deploy of ${commit} to site ${site.id}`);
        }),
      ),
    },
    {
      method: 'POST',
      path: '/sites/:id/pause',
      handle: withSite((_request, site) => {
        queue.pauseSite(site.id);
        const message = `Site ${site.id} is paused: its waiting deploys stay queued (a running one carries on). POST /sites/${site.id}/resume lets them run.`;
        return jsonResponse(200, { siteId: site.id, paused: true, message });
      }),
    },
    {
      method: 'POST',
      path: '/sites/:id/resume',
      handle: withSite((_request, site) => {
        queue.resumeSite(site.id);
        deps.wake();
        return jsonResponse(200, { siteId: site.id, paused: false, message: `Site ${site.id} takes deploys again.` });
      }),
    },
    {
      method: 'GET',
      path: '/deliveries',
      handle: (request) =>
        answer(request, parseDeliveriesQuery(request.query), (query) =>
          jsonResponse(200, { deliveries: queue.deliveries({ hookId: query.hook, limit: query.limit }).map(deliveryView) }),
        ),
    },
  ];

  /** The answer to a new job: 202 with its place in line, or 409 when the site's policy refuses it. */
  function enqueued(request: AgentRequest, outcome: EnqueueOutcome, what: string): AgentResponse {
    if (outcome.status === 'busy') {
      const message = `The site is busy with job ${outcome.runningJobId} and its queue policy is reject-if-busy, so ${what} was refused; try again once job ${outcome.runningJobId} is done.`;
      return errorResponse(409, 'site-busy', message, request.id);
    }
    if (outcome.status === 'duplicate') throw new Error(`the queue called ${what} a duplicate of job ${outcome.jobId}`);
    deps.wake();
    const { jobId, position, replaced } = outcome;
    const siteId = queue.get(jobId)?.siteId;
    const paused = siteId !== undefined && queue.pausedSites().includes(siteId);
    return jsonResponse(202, {
      status: 'accepted',
      jobId,
      position,
      ...(replaced ? { replaced } : {}),
      ...(paused ? { message: `The site is paused: job ${jobId} waits until it is resumed.` } : {}),
    });
  }

  return routes.map((route) => ({ ...route, admit }));
}

/** Runs `handle` with what was parsed from the request, or answers 400 saying what is wrong. */
function answer<T>(request: AgentRequest, parsed: Parsed<T>, handle: (value: T) => AgentResponse): AgentResponse {
  return parsed.ok ? handle(parsed.value) : badRequest(request, parsed.message);
}

function badRequest(request: AgentRequest, message: string): AgentResponse {
  return errorResponse(400, 'bad-request', message, request.id);
}

/** The branch a manual deploy names, or the site's only one; each maps to its environment. */
function chooseBranch(site: SiteConfig, branch: string | undefined): Parsed<{ branch: string; environment: string }> {
  const branches = Object.keys(site.branches);
  const named = branch ?? (branches.length === 1 ? branches[0] : undefined);
  // Object.hasOwn: a branch called "constructor" must not find Object.prototype's.
  if (named !== undefined && Object.hasOwn(site.branches, named)) {
    return { ok: true, value: { branch: named, environment: site.branches[named] as string } };
  }
  const list = branches.join(', ');
  return {
    ok: false,
    message:
      branch === undefined
        ? `Site ${site.id} deploys several branches (${list}); say which one in the body's "branch" field.`
        : `Site ${site.id} does not deploy the branch "${branch}"; it deploys ${list}.`,
  };
}
