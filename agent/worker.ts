import { randomUUID } from 'node:crypto';
import type { DeployOutcome, DeployRunner } from './deploy/runner';
import { DeployInterruption } from './deploy/runner';
import type { SiteConfig } from './deploy/types';
import type { Logger } from './log/logger';
import type { AgentMetrics } from './metrics/agent-metrics';
import type { Job } from './queue/job';
import type { JobQueue } from './queue/job-queue';

export interface WorkerOptions {
  queue: JobQueue;
  runner: DeployRunner;
  sites: ReadonlyMap<string, SiteConfig>;
  /** Deploys running at once across all sites (one per site at most, always). */
  concurrency: number;
  /** The queue's lease length: heartbeats go out at a third of it, so two can be missed. */
  leaseSeconds: number;
  log: Logger;
  metrics?: AgentMetrics;
  /** How often to look for due jobs nobody woke us for (retries whose backoff ended, expired leases). */
  pollMs?: number;
  now?: () => number;
}

interface Running {
  readonly job: Job;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const DEFAULT_POLL_MS = 1_000;

/**
 * Claims jobs from the queue and runs their deploys, each under a lease it keeps alive. Another agent
 * process on the same database is a peer, not a conflict: the queue leases each job to one owner, and
 * a lease whose owner died is recovered by whichever worker polls next.
 */
export class DeployWorker {
  /** This worker's identity in the queue's leases; unique per process start. */
  readonly owner = `agent-${process.pid}-${randomUUID()}`;
  private readonly running = new Map<number, Running>();
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private filling = false;

  constructor(private readonly options: WorkerOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** A job was just enqueued: claim it now rather than at the next poll. */
  wake(): void {
    if (!this.stopping) this.schedule(0);
  }

  /** Deploys running in this process now. */
  get active(): Job[] {
    return [...this.running.values()].map((run) => run.job);
  }

  /**
   * Stops claiming. Running deploys are interrupted (their processes stopped) and their jobs released,
   * so they resume at the same step when an agent starts again; waits for that at most `graceMs`.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    for (const run of this.running.values()) run.controller.abort(new DeployInterruption());
    const all = Promise.all([...this.running.values()].map((run) => run.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fill(), delayMs);
  }

  /** Claims until the concurrency limit is reached or nothing is due, then polls again later. */
  private fill(): void {
    if (this.stopping || this.filling) return;
    this.filling = true;
    try {
      const { queue, concurrency } = this.options;
      for (const id of queue.recoverExpired()) this.options.log.warn('recovered a job whose worker stopped renewing its lease', { jobId: id });
      while (this.running.size < concurrency) {
        const exclude = [...this.running.values()].map((run) => run.job.siteId);
        const job = queue.claim(this.owner, { concurrency, exclude });
        if (!job) break;
        this.begin(job);
      }
    } catch (error) {
      // The database is busy or unreadable: the next poll tries again; the log says why meanwhile.
      this.options.log.error('could not claim jobs', { error });
    } finally {
      this.filling = false;
      if (!this.stopping) this.schedule(this.options.pollMs ?? DEFAULT_POLL_MS);
    }
  }

  private begin(job: Job): void {
    const controller = new AbortController();
    const done = this.execute(job, controller)
      // The queue threw (the database busy or gone) while starting or settling the job. Rejecting here
      // would be unhandled and end the agent; instead the lease runs out and the job is recovered, and
      // the runner's record of how far the deploy got decides what is left to do.
      .catch((error: unknown) => this.options.log.error('could not record what became of a job; it is recovered once its lease runs out', { jobId: job.id, error }))
      .finally(() => {
        this.running.delete(job.id);
        // A slot is free: the next job need not wait for the poll.
        this.wake();
      });
    this.running.set(job.id, { job, controller, done });
  }

  private async execute(job: Job, controller: AbortController): Promise<void> {
    const { queue, runner, log: agentLog, metrics } = this.options;
    const log = agentLog.child({ jobId: job.id, site: job.siteId });
    const site = this.options.sites.get(job.siteId);
    if (!site) {
      const error = `The site "${job.siteId}" is not in the agent's config any more; add it back and retry job ${job.id}, or leave it dead.`;
      log.error('job for an unknown site', { error });
      queue.fail(job.id, this.owner, error);
      return;
    }

    const heartbeat = setInterval(() => {
      try {
        if (!queue.heartbeat(job.id, this.owner)) {
          log.warn('lease lost; stopping this deploy so that it never runs twice');
          controller.abort(new DeployInterruption('This agent lost the lease on the job; another agent resumes it.'));
        } else if (queue.get(job.id)?.cancelRequested) {
          controller.abort();
        }
      } catch (error) {
        log.error('heartbeat failed', { error });
      }
    }, Math.max(100, (this.options.leaseSeconds * 1000) / 3));

    const started = (this.options.now ?? Date.now)();
    log.info('deploy started', { commit: job.request.commit, branch: job.request.branch, attempt: job.attempts });
    let outcome: DeployOutcome;
    try {
      outcome = await runner.run(job.id, site, job.request, controller.signal);
    } finally {
      clearInterval(heartbeat);
    }
    const seconds = ((this.options.now ?? Date.now)() - started) / 1000;
    log.info('deploy finished', { status: outcome.status, seconds, error: outcome.error });
    this.settle(job, outcome, controller.signal.aborted);
    if (outcome.status !== 'interrupted') {
      metrics?.deploys.inc({ site: job.siteId, result: outcome.status });
      metrics?.deployDuration.observe({ site: job.siteId }, seconds);
    }
    if (outcome.status === 'rolled-back') metrics?.rollbacks.inc({ site: job.siteId });
  }

  /** Reports the deploy's outcome to the queue; a lost lease makes every call here a no-op, as it should. */
  private settle(job: Job, outcome: DeployOutcome, stopped: boolean): void {
    const { queue } = this.options;
    switch (outcome.status) {
      case 'succeeded':
        queue.complete(job.id, this.owner);
        return;
      case 'interrupted':
        // Stopped by us (shutdown, lost lease): not the job's fault, so back to the queue without using up
        // an attempt; it resumes at its step. An internal error uses one, so it cannot loop forever.
        if (stopped) queue.release(job.id, this.owner);
        else queue.fail(job.id, this.owner, outcome.error ?? 'The deploy stopped on an internal error.');
        return;
      case 'cancelled':
        queue.fail(job.id, this.owner, 'Cancelled on request.');
        return;
      case 'rolled-back':
      case 'failed':
        queue.fail(job.id, this.owner, outcome.error ?? `The deploy ${outcome.status === 'rolled-back' ? 'failed and was rolled back' : 'failed'}.`);
        return;
    }
  }
}
