import type { Database } from '../../store/sqlite';

/**
 * running (held by `owner`) → queued in its old place, the attempt given back: the worker stopped
 * (a graceful shutdown), the deploy did not fail. A job whose cancel was asked for ends cancelled instead.
 */
export function releaseJob(db: Database): (input: { id: number; owner: string; now: number }) => boolean {
  const statement = db.prepare<[{ id: number; owner: string; now: number }]>(
    `UPDATE jobs
     SET state = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'queued' END,
         attempts = CASE WHEN cancel_requested = 1 THEN attempts ELSE attempts - 1 END,
         finished_at = CASE WHEN cancel_requested = 1 THEN @now END,
         lease_owner = NULL, lease_expires_at = NULL
     WHERE id = @id AND state = 'running' AND lease_owner = @owner`,
  );
  return (input) => statement.run(input).changes === 1;
}
