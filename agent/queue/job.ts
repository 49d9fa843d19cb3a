import type { DeployRequest } from './types';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled'] as const;

/**
 * `failed` is an attempt that failed and waits for its retry (its run_at is in the future);
 * `dead` has no attempts left. succeeded, dead and cancelled are final.
 */
export type JobState = (typeof JOB_STATES)[number];

/** One deploy of one site. Times are milliseconds since the epoch, from the queue's clock. */
export interface Job {
  id: number;
  siteId: string;
  state: JobState;
  priority: number;
  runAt: number;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  request: DeployRequest;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  cancelRequested: boolean;
  /** The job this one was made from by `retry`, if any. */
  retryOf: number | null;
}

export type EnqueueOutcome =
  /** `position`: the job's place among its site's waiting jobs, 1 = next. `replaced`: waiting jobs it cancelled (coalesce-latest). */
  | { status: 'accepted'; jobId: number; position: number; replaced?: number[] }
  | { status: 'duplicate'; jobId: number }
  /** reject-if-busy: the site already has a job running or waiting; that job's id (the running one when there is one). */
  | { status: 'busy'; runningJobId: number };

/** `retrying`: back to waiting after a backoff; `dead`: out of attempts; `cancelled`: a cancel had been asked for. */
export type FailOutcome = 'retrying' | 'dead' | 'cancelled';

export type CancelOutcome = 'cancelled' | 'cancel-requested' | 'not-cancellable' | 'not-found';
