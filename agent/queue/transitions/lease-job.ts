import type { Database } from '../../store/sqlite';
import { JOB_COLUMNS, type JobRow } from '../job-row';

/**
 * queued | failed (due) → running under `owner`'s lease; the attempt is counted here, when work
 * starts, so an attempt that crashes the agent is counted too. Returns the leased row, or undefined
 * when the job was no longer waiting or not yet due. The unique index on running jobs per site turns
 * a second lease on a busy site into an error rather than a double deploy.
 */
export function leaseJob(db: Database): (input: { id: number; owner: string; now: number; expiresAt: number }) => JobRow | undefined {
  const statement = db.prepare<[{ id: number; owner: string; now: number; expiresAt: number }], JobRow>(
    `UPDATE jobs
     SET state = 'running', attempts = attempts + 1, lease_owner = @owner, lease_expires_at = @expiresAt,
         started_at = @now, finished_at = NULL
     WHERE id = @id AND state IN ('queued', 'failed') AND run_at <= @now
     RETURNING ${JOB_COLUMNS}`,
  );
  return (input) => statement.get(input);
}
