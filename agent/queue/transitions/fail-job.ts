import type { Database } from '../../store/sqlite';
import type { FailOutcome } from '../job';

export interface FailInput {
  id: number;
  owner: string;
  /** The attempts the caller read, so that the backoff it computed from them is the one applied. */
  attempts: number;
  error: string;
  now: number;
  retryAt: number;
}

/**
 * running (held by `owner`) → cancelled when a cancel was asked for (a killed deploy is not retried),
 * dead when it has used its attempts, else failed until `retryAt`. Returns the state it went to.
 */
export function failJob(db: Database): (input: FailInput) => FailOutcome | undefined {
  const statement = db
    .prepare<[FailInput], 'failed' | 'dead' | 'cancelled'>(
      `UPDATE jobs
       SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,
           run_at = CASE WHEN cancel_requested = 0 AND attempts < max_attempts THEN @retryAt ELSE run_at END,
           last_error = @error, finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = @id AND state = 'running' AND lease_owner = @owner AND attempts = @attempts
       RETURNING state`,
    )
    .pluck();
  return (input) => {
    const state = statement.get(input);
    return state === 'failed' ? 'retrying' : state;
  };
}
