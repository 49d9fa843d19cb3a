import type { SiteConfig } from '../config';
import type { DeployRecord, StepRecord } from '../deploy/deploy-store';
import type { Release } from '../deploy/release-store';
import type { Delivery } from '../queue/deliveries';
import type { Job } from '../queue/job';

// The JSON shapes of the operator API (and of the CLI's --json): times as ISO 8601 strings in UTC, so a
// person reading curl output and a script parsing it both get them right.

export function isoTime(ms: number): string;
export function isoTime(ms: number | null): string | null;
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function jobView(job: Job) {
  return {
    id: job.id,
    siteId: job.siteId,
    state: job.state,
    priority: job.priority,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    lastError: job.lastError,
    cancelRequested: job.cancelRequested,
    retryOf: job.retryOf,
    request: job.request,
    createdAt: isoTime(job.createdAt),
    runAt: isoTime(job.runAt),
    startedAt: isoTime(job.startedAt),
    finishedAt: isoTime(job.finishedAt),
    leaseOwner: job.leaseOwner,
    leaseExpiresAt: isoTime(job.leaseExpiresAt),
  };
}

export type JobView = ReturnType<typeof jobView>;

/** One deploy attempt and its steps. A step's config stays out: its env may hold credentials. */
export function deployView(deploy: DeployRecord) {
  return {
    attempt: deploy.attempt,
    phase: deploy.phase,
    error: deploy.error,
    releaseId: deploy.releaseId,
    previousReleaseId: deploy.previousReleaseId,
    rollbackReleaseId: deploy.rollbackReleaseId,
    startedAt: isoTime(deploy.startedAt),
    finishedAt: isoTime(deploy.finishedAt),
    steps: deploy.steps.map(stepView),
  };
}

function stepView(step: StepRecord) {
  return {
    stage: step.stage,
    position: step.position,
    kind: step.kind,
    name: step.name,
    state: step.state,
    runs: step.runs,
    exitCode: step.exitCode,
    error: step.error,
    startedAt: isoTime(step.startedAt),
    finishedAt: isoTime(step.finishedAt),
    /** Where the step's output is in the job's log file, in bytes. */
    log: { offset: step.logOffset, end: step.logEnd },
  };
}

export function siteView(site: SiteConfig, state: { paused: boolean; current: Release | undefined; running: Job | undefined }) {
  const { current, running } = state;
  return {
    id: site.id,
    repository: site.repository,
    /** Branch → environment. */
    environments: site.branches,
    queue: site.queue,
    paused: state.paused,
    currentRelease: current ? { id: current.id, commit: current.commit, jobId: current.jobId, dir: current.dir, createdAt: isoTime(current.createdAt) } : null,
    running: running
      ? {
          jobId: running.id,
          commit: running.request.commit,
          startedAt: isoTime(running.startedAt),
          leaseOwner: running.leaseOwner,
          leaseExpiresAt: isoTime(running.leaseExpiresAt),
        }
      : null,
  };
}

export function deliveryView(delivery: Delivery) {
  return { hookId: delivery.hookId, deliveryId: delivery.deliveryId, jobId: delivery.jobId, receivedAt: isoTime(delivery.receivedAt) };
}
