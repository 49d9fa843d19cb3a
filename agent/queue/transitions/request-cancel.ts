import type { Database } from '../../store/sqlite';

/**
 * running → running with a cancel asked for. The lease holder sees the flag, kills the deploy and
 * reports it through fail or release, which then end the job cancelled.
 */
export function requestCancel(db: Database): (input: { id: number }) => boolean {
  const statement = db.prepare<[{ id: number }]>(
    `UPDATE jobs SET cancel_requested = 1 WHERE id = @id AND state = 'running'`,
  );
  return (input) => statement.run(input).changes === 1;
}
