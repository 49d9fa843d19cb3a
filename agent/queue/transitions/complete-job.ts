import type { Database } from '../../store/sqlite';

/** running (held by `owner`) → succeeded. */
export function completeJob(db: Database): (input: { id: number; owner: string; now: number }) => boolean {
  const statement = db.prepare<[{ id: number; owner: string; now: number }]>(
    `UPDATE jobs SET state = 'succeeded', finished_at = @now, lease_owner = NULL, lease_expires_at = NULL
     WHERE id = @id AND state = 'running' AND lease_owner = @owner`,
  );
  return (input) => statement.run(input).changes === 1;
}
