import type { Database } from '../../store/sqlite';

/** Every other queued | failed job of the site → cancelled, replaced by `byJob` (coalesce-latest). Never a running one. */
export function replaceWaitingJobs(db: Database): (input: { siteId: string; byJob: number; now: number }) => number[] {
  // INDEXED BY for the reason given in waiting-order.ts.
  const statement = db
    .prepare<[{ siteId: string; byJob: number; reason: string; now: number }], number>(
      `UPDATE jobs INDEXED BY jobs_site_waiting SET state = 'cancelled', last_error = @reason, finished_at = @now
       WHERE site_id = @siteId AND state IN ('queued', 'failed') AND id <> @byJob
       RETURNING id`,
    )
    .pluck();
  return (input) => statement.all({ ...input, reason: `replaced by job ${input.byJob}` }).sort((a, b) => a - b);
}
