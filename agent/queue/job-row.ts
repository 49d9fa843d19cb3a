import type { Job, JobState } from './job';
import type { DeployRequest } from './types';

/** A `jobs` row as SQLite returns it. */
export interface JobRow {
  id: number;
  site_id: string;
  state: JobState;
  priority: number;
  run_at: number;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  request: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  cancel_requested: 0 | 1;
  retry_of: number | null;
}

/** The columns a Job is read from, for `SELECT … ` and `RETURNING …`. */
export const JOB_COLUMNS =
  'id, site_id, state, priority, run_at, attempts, max_attempts, last_error, request, created_at, ' +
  'started_at, finished_at, lease_owner, lease_expires_at, cancel_requested, retry_of';

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    siteId: row.site_id,
    state: row.state,
    priority: row.priority,
    runAt: row.run_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    lastError: row.last_error,
    request: JSON.parse(row.request) as DeployRequest,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    cancelRequested: row.cancel_requested === 1,
    retryOf: row.retry_of,
  };
}
