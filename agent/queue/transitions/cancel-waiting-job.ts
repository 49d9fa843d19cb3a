import type { Database } from '../../store/sqlite';

/** queued | failed → cancelled, with the reason as its last error. */
export function cancelWaitingJob(db: Database): (input: { id: number; reason: string; now: number }) => boolean {
  const statement = db.prepare<[{ id: number; reason: string; now: number }]>(
    `UPDATE jobs SET state = 'cancelled', last_error = @reason, finished_at = @now
     WHERE id = @id AND state IN ('queued', 'failed')`,
  );
  return (input) => statement.run(input).changes === 1;
}
