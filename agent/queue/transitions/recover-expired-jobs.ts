import type { Database } from '../../store/sqlite';

/**
 * running with a lease past its expiry (its worker died) → queued again, keeping its place, so that the
 * next claim resumes it; → cancelled when a cancel was asked for; → dead when the attempt that died was
 * its last, so that a deploy that kills the agent every time cannot loop forever. Returns the job ids.
 */
export function recoverExpiredJobs(db: Database): (input: { now: number }) => number[] {
  const statement = db
    .prepare<[{ now: number }], number>(
      `UPDATE jobs
       SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
           last_error = 'the worker ' || lease_owner || ' stopped renewing its lease' ||
             CASE WHEN cancel_requested = 1 THEN '; cancelled as asked'
                  WHEN attempts >= max_attempts THEN ' during its last attempt'
                  ELSE '; queued to resume' END,
           finished_at = CASE WHEN cancel_requested = 1 OR attempts >= max_attempts THEN @now END,
           lease_owner = NULL, lease_expires_at = NULL
       WHERE state = 'running' AND lease_expires_at <= @now
       RETURNING id`,
    )
    .pluck();
  return (input) => statement.all(input);
}
