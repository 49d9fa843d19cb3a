import type { Database } from '../../store/sqlite';

/** running (held by `owner`) → running with a later expiry. False: the lease is gone, stop working. */
export function heartbeatJob(db: Database): (input: { id: number; owner: string; expiresAt: number }) => boolean {
  const statement = db.prepare<[{ id: number; owner: string; expiresAt: number }]>(
    `UPDATE jobs SET lease_expires_at = @expiresAt
     WHERE id = @id AND state = 'running' AND lease_owner = @owner`,
  );
  return (input) => statement.run(input).changes === 1;
}
