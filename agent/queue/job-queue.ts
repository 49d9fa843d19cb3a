import type { Database } from '../store/sqlite';
import { retryDelayMs } from './backoff';
import { Deliveries, type Delivery } from './deliveries';
import { JOB_STATES, type CancelOutcome, type EnqueueOutcome, type FailOutcome, type Job, type JobState } from './job';
import { JOB_COLUMNS, toJob, type JobRow } from './job-row';
import { QueueError } from './queue-error';
import { cancelWaitingJob } from './transitions/cancel-waiting-job';
import { completeJob } from './transitions/complete-job';
import { failJob } from './transitions/fail-job';
import { heartbeatJob } from './transitions/heartbeat-job';
import { insertJob } from './transitions/insert-job';
import { leaseJob } from './transitions/lease-job';
import { recoverExpiredJobs } from './transitions/recover-expired-jobs';
import { releaseJob } from './transitions/release-job';
import { replaceWaitingJobs } from './transitions/replace-waiting-jobs';
import { requestCancel } from './transitions/request-cancel';
import type { DeployRequest, QueuePolicy } from './types';
import { activeJobOfSite, nextClaimable, positionOfNewJob, runningCount } from './waiting-order';

export interface JobQueueOptions {
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** In [0, 1), for the backoff's jitter. */
  random?: () => number;
  backoffSeconds?: number;
  maxAttempts?: number;
  leaseSeconds?: number;
}

export interface DeliveryInput {
  hookId: string;
  deliveryId: string;
  policy: QueuePolicy;
  priority: number;
  request: DeployRequest;
}

export interface ManualInput {
  policy: QueuePolicy;
  priority?: number;
  request: DeployRequest;
}

export interface ClaimOptions {
  /** The most jobs running at once, across all sites and all processes sharing the database. */
  concurrency: number;
  /** Sites this worker must not take jobs of. */
  exclude?: readonly string[];
}

export interface ListFilter {
  state?: JobState;
  siteId?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** Only jobs with a smaller id: the next page after the last id seen. */
  beforeId?: number;
}

interface NewJobInput {
  siteId: string;
  policy: QueuePolicy;
  priority: number;
  request: DeployRequest;
  retryOf: number | null;
  /** A waiting job the new one takes the place of (a retry of a failed job); cancelled when it is accepted. */
  supersedes: number;
}

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

/**
 * The durable deploy queue in SQLite. Every state change is one guarded statement (transitions/), and
 * where a read decides a write the two run in one BEGIN IMMEDIATE transaction, which takes SQLite's write
 * lock before reading: two processes sharing the file never act on the same stale read.
 */
export class JobQueue {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly backoffMs: number;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly deliveryRecords: Deliveries;
  private readonly transitions;
  private readonly queries;
  private readonly transactions;

  constructor(
    private readonly db: Database,
    options: JobQueueOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.backoffMs = seconds(options.backoffSeconds ?? 10, 'backoffSeconds') * 1000;
    this.maxAttempts = positiveInteger(options.maxAttempts ?? 3, 'maxAttempts');
    this.leaseMs = seconds(options.leaseSeconds ?? 60, 'leaseSeconds') * 1000;
    this.deliveryRecords = new Deliveries(db);
    this.transitions = {
      insert: insertJob(db),
      lease: leaseJob(db),
      heartbeat: heartbeatJob(db),
      complete: completeJob(db),
      fail: failJob(db),
      release: releaseJob(db),
      recoverExpired: recoverExpiredJobs(db),
      cancelWaiting: cancelWaitingJob(db),
      requestCancel: requestCancel(db),
      replaceWaiting: replaceWaitingJobs(db),
    };
    this.queries = {
      running: runningCount(db),
      next: nextClaimable(db),
      position: positionOfNewJob(db),
      active: activeJobOfSite(db),
      get: db.prepare<[number], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`),
      retrySource: db.prepare<[number], { state: JobState; site_id: string; policy: QueuePolicy; priority: number; request: string }>(
        'SELECT state, site_id, policy, priority, request FROM jobs WHERE id = ?',
      ),
      attemptsHeld: db
        .prepare<[{ id: number; owner: string }], number>(`SELECT attempts FROM jobs WHERE id = @id AND state = 'running' AND lease_owner = @owner`)
        .pluck(),
      stateOf: db.prepare<[number], JobState>('SELECT state FROM jobs WHERE id = ?').pluck(),
      counts: db.prepare<[], { state: JobState; count: number }>('SELECT state, count(*) AS count FROM jobs GROUP BY state'),
      // Ids grow with creation, so the lowest queued id is the job that has waited longest, found in the index.
      oldestQueued: db.prepare<[], number>(`SELECT created_at FROM jobs WHERE state = 'queued' ORDER BY id LIMIT 1`).pluck(),
      pause: db.prepare<[{ siteId: string; now: number }]>('INSERT OR IGNORE INTO paused_sites (site_id, paused_at) VALUES (@siteId, @now)'),
      resume: db.prepare<[string]>('DELETE FROM paused_sites WHERE site_id = ?'),
      paused: db.prepare<[], string>('SELECT site_id FROM paused_sites ORDER BY site_id').pluck(),
    };
    this.transactions = {
      enqueueDelivery: db.transaction((input: DeliveryInput) => this.enqueueDeliveryLocked(input)),
      enqueueBatch: db.transaction((inputs: readonly DeliveryInput[]) => inputs.map((input) => this.enqueueInSavepoint(input))),
      enqueue: db.transaction((input: NewJobInput) => this.enqueueLocked(input)),
      claim: db.transaction((owner: string, options: ClaimOptions) => this.claimLocked(owner, options)),
      fail: db.transaction((jobId: number, owner: string, error: string) => this.failLocked(jobId, owner, error)),
      cancel: db.transaction((jobId: number) => this.cancelLocked(jobId)),
      retry: db.transaction((jobId: number, policy: QueuePolicy | undefined) => this.retryLocked(jobId, policy)),
    };
  }

  /** Records the delivery and makes its job in one transaction; the same (hook, delivery) again is a duplicate. */
  enqueueDelivery(input: DeliveryInput): EnqueueOutcome {
    checkDelivery(input);
    return this.transactions.enqueueDelivery.immediate(input);
  }

  /**
   * Several deliveries in ONE transaction (one commit, one WAL write), each in a savepoint of its own: in
   * order, a later one sees the earlier ones (a duplicate within the batch is a duplicate), and one that
   * throws is rolled back alone and returned as its Error while the others stand.
   */
  enqueueDeliveries(inputs: readonly DeliveryInput[]): (EnqueueOutcome | Error)[] {
    return this.transactions.enqueueBatch.immediate(inputs);
  }

  /** A deploy asked for by hand: no delivery record, so every call makes a job (subject to the policy). */
  enqueueManual(input: ManualInput): EnqueueOutcome {
    const { request, policy, priority = 0 } = input;
    return this.transactions.enqueue.immediate({ siteId: request.siteId, policy, priority, request, retryOf: null, supersedes: 0 });
  }

  /**
   * Leases the next runnable job to `owner`: due, of a site with nothing running that is not paused, while
   * fewer than `concurrency` jobs run in all. Undefined when there is none or the limit is reached. A job
   * whose worker died holds its site and a slot until `recoverExpired` runs, so call that regularly too.
   */
  claim(owner: string, options: ClaimOptions): Job | undefined {
    requireText(owner, 'owner');
    positiveInteger(options.concurrency, 'concurrency');
    return this.transactions.claim.immediate(owner, options);
  }

  /**
   * Extends `owner`'s lease (one past its expiry that nobody has recovered yet is still the owner's).
   * False means the lease is lost: stop working on the job. A cancel shows as `get(jobId).cancelRequested`.
   */
  heartbeat(jobId: number, owner: string): boolean {
    return this.transitions.heartbeat({ id: jobId, owner, expiresAt: this.now() + this.leaseMs });
  }

  complete(jobId: number, owner: string): boolean {
    return this.transitions.complete({ id: jobId, owner, now: this.now() });
  }

  /**
   * Ends `owner`'s attempt as failed: retried after a backoff, dead when out of attempts, cancelled when a
   * cancel was asked for (so a deploy killed by cancel reports through here). False when `owner` does not hold it.
   */
  fail(jobId: number, owner: string, error: string): FailOutcome | false {
    return this.transactions.fail.immediate(jobId, owner, error) ?? false;
  }

  /** Puts a held job back in its place without counting the attempt (graceful shutdown). */
  release(jobId: number, owner: string): boolean {
    return this.transitions.release({ id: jobId, owner, now: this.now() });
  }

  /** Takes back every lease past its expiry; returns the ids of those jobs (queued again to resume, unless out of attempts). */
  recoverExpired(): number[] {
    return this.transitions.recoverExpired({ now: this.now() });
  }

  /** A waiting job is cancelled at once; a running one is flagged for its lease holder to kill. */
  cancel(jobId: number): CancelOutcome {
    return this.transactions.cancel.immediate(jobId);
  }

  /**
   * Makes a new job from a finished one (succeeded, dead, cancelled) or one waiting for its retry (failed,
   * which the new job replaces), with the same request and priority, under `policy` or the one it was
   * queued under. Throws a QueueError when the job does not exist or is queued or running.
   */
  retry(jobId: number, policy?: QueuePolicy): EnqueueOutcome {
    return this.transactions.retry.immediate(jobId, policy);
  }

  /** A paused site's jobs wait; its running job, if any, carries on. */
  pauseSite(siteId: string): void {
    requireText(siteId, 'siteId');
    this.queries.pause.run({ siteId, now: this.now() });
  }

  resumeSite(siteId: string): void {
    this.queries.resume.run(siteId);
  }

  pausedSites(): string[] {
    return this.queries.paused.all();
  }

  get(jobId: number): Job | undefined {
    const row = this.queries.get.get(jobId);
    return row ? toJob(row) : undefined;
  }

  /** Newest first. */
  list(filter: ListFilter = {}): Job[] {
    const conditions: string[] = [];
    if (filter.state !== undefined) conditions.push('state = @state');
    if (filter.siteId !== undefined) conditions.push('site_id = @siteId');
    if (filter.beforeId !== undefined) conditions.push('id < @beforeId');
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    // Prepared per call: an operator's listing, not a hot path, and each filter combination gets its own index.
    const rows = this.db
      .prepare<[Record<string, string | number>], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs ${where} ORDER BY id DESC LIMIT @limit`)
      .all({ ...definedOnly({ state: filter.state, siteId: filter.siteId, beforeId: filter.beforeId }), limit });
    return rows.map(toJob);
  }

  counts(): Record<JobState, number> {
    const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
    for (const { state, count } of this.queries.counts.all()) counts[state] = count;
    return counts;
  }

  /** How long the longest-waiting queued job has waited, or null when none waits. */
  oldestQueuedAgeSeconds(): number | null {
    const createdAt = this.queries.oldestQueued.get();
    return createdAt === undefined ? null : Math.max(0, (this.now() - createdAt) / 1000);
  }

  /** Newest first. */
  deliveries(filter: { hookId?: string; limit?: number } = {}): Delivery[] {
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? DEFAULT_LIST_LIMIT), 1), MAX_LIST_LIMIT);
    return this.deliveryRecords.list(filter.hookId, limit);
  }

  /** Forgets delivery records older than `olderThanDays` (their jobs stay); a redelivery after that makes a new job. */
  pruneDeliveries(olderThanDays: number): number {
    if (!(olderThanDays >= 0)) throw new Error(`pruneDeliveries needs a number of days ≥ 0, got ${olderThanDays}.`);
    return this.deliveryRecords.prune(olderThanDays, this.now());
  }

  private enqueueInSavepoint(input: DeliveryInput): EnqueueOutcome | Error {
    try {
      checkDelivery(input);
      // A transaction function called inside another runs as a savepoint, undone alone if it throws.
      return this.transactions.enqueueDelivery(input);
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  private enqueueDeliveryLocked(input: DeliveryInput): EnqueueOutcome {
    const { hookId, deliveryId, policy, priority, request } = input;
    const existing = this.deliveryRecords.jobOf(hookId, deliveryId);
    if (existing !== undefined) return { status: 'duplicate', jobId: existing };
    const outcome = this.enqueueLocked({ siteId: request.siteId, policy, priority, request, retryOf: null, supersedes: 0 });
    if (outcome.status === 'accepted') this.deliveryRecords.record({ hookId, deliveryId, jobId: outcome.jobId, receivedAt: this.now() });
    return outcome;
  }

  private enqueueLocked(input: NewJobInput): EnqueueOutcome {
    const { siteId, policy, priority, request, retryOf, supersedes } = input;
    requireText(siteId, 'request.siteId');
    if (!Number.isSafeInteger(priority)) throw new Error(`A job's priority must be a whole number, got ${priority}.`);
    if (policy === 'reject-if-busy') {
      const active = this.queries.active({ siteId, ignore: supersedes });
      if (active !== undefined) return { status: 'busy', runningJobId: active };
    }
    const now = this.now();
    const jobId = this.transitions.insert({
      siteId,
      policy,
      priority,
      maxAttempts: this.maxAttempts,
      request: JSON.stringify(request),
      now,
      retryOf,
    });
    if (supersedes !== 0) this.transitions.cancelWaiting({ id: supersedes, reason: `replaced by job ${jobId}`, now });
    const replaced = policy === 'coalesce-latest' ? this.transitions.replaceWaiting({ siteId, byJob: jobId, now }) : [];
    const position = this.queries.position({ siteId, priority, now });
    return replaced.length > 0 ? { status: 'accepted', jobId, position, replaced } : { status: 'accepted', jobId, position };
  }

  private claimLocked(owner: string, options: ClaimOptions): Job | undefined {
    if (this.queries.running() >= options.concurrency) return undefined;
    const now = this.now();
    const id = this.queries.next({ now, exclude: JSON.stringify(options.exclude ?? []) });
    if (id === undefined) return undefined;
    const row = this.transitions.lease({ id, owner, now, expiresAt: now + this.leaseMs });
    return row ? toJob(row) : undefined;
  }

  private failLocked(jobId: number, owner: string, error: string): FailOutcome | undefined {
    const attempts = this.queries.attemptsHeld.get({ id: jobId, owner });
    if (attempts === undefined) return undefined;
    const now = this.now();
    const retryAt = now + retryDelayMs(attempts, this.backoffMs, this.random);
    return this.transitions.fail({ id: jobId, owner, attempts, error, now, retryAt });
  }

  private cancelLocked(jobId: number): CancelOutcome {
    const now = this.now();
    if (this.transitions.cancelWaiting({ id: jobId, reason: 'cancelled by an operator', now })) return 'cancelled';
    if (this.transitions.requestCancel({ id: jobId })) return 'cancel-requested';
    return this.queries.stateOf.get(jobId) === undefined ? 'not-found' : 'not-cancellable';
  }

  private retryLocked(jobId: number, policy: QueuePolicy | undefined): EnqueueOutcome {
    const source = this.queries.retrySource.get(jobId);
    if (!source) throw new QueueError('NOT_FOUND', `There is no job ${jobId}. List the jobs (lifeline agent jobs) to find the one to retry.`);
    if (source.state === 'queued' || source.state === 'running') {
      throw new QueueError(
        'NOT_RETRYABLE',
        `Job ${jobId} is ${source.state}, so there is nothing to retry yet. Wait for it to finish, or cancel it and then retry it.`,
      );
    }
    return this.enqueueLocked({
      siteId: source.site_id,
      policy: policy ?? source.policy,
      priority: source.priority,
      request: JSON.parse(source.request) as DeployRequest,
      retryOf: jobId,
      supersedes: source.state === 'failed' ? jobId : 0,
    });
  }
}

function requireText(value: string, name: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`The queue needs a non-empty ${name}, got ${JSON.stringify(value)}.`);
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`The queue's ${name} must be a whole number ≥ 1, got ${value}.`);
  return value;
}

function seconds(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`The queue's ${name} must be a number of seconds > 0, got ${value}.`);
  return value;
}

function definedOnly(values: Record<string, string | number | undefined>): Record<string, string | number> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string | number] => entry[1] !== undefined));
}

function checkDelivery(input: DeliveryInput): void {
  requireText(input.hookId, 'hookId');
  requireText(input.deliveryId, 'deliveryId');
}
