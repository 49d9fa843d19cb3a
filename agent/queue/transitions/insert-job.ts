import type { Database } from '../../store/sqlite';
import type { QueuePolicy } from '../types';

export interface NewJob {
  siteId: string;
  policy: QueuePolicy;
  priority: number;
  maxAttempts: number;
  /** The DeployRequest as JSON. */
  request: string;
  now: number;
  retryOf: number | null;
}

/** (nothing) → queued, runnable at once. Returns the new job's id. */
export function insertJob(db: Database): (job: NewJob) => number {
  const statement = db
    .prepare<[NewJob], number>(
      `INSERT INTO jobs (site_id, state, policy, priority, run_at, max_attempts, request, created_at, retry_of)
       VALUES (@siteId, 'queued', @policy, @priority, @now, @maxAttempts, @request, @now, @retryOf)
       RETURNING id`,
    )
    .pluck();
  return (job) => statement.get(job) as number;
}
