import type { Migration } from '../store/sqlite';

/**
 * The agent's command ledger: one row per command id, ever. The row is written before the command is
 * spawned, so the id's primary key is what makes every later arrival of it (over another layer, after a
 * failover) a replay instead of a second run. Times are integer milliseconds since the epoch.
 *
 * A running row names its owner (pid and the kernel's start time of that pid), so another process can
 * tell a live owner from a dead one even after the pid has been reused.
 */
export const commandsMigration: Migration = {
  version: 3,
  name: 'commands: the ledger of commands run by id',
  up(db) {
    db.exec(`
      CREATE TABLE commands (
        command_id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('running', 'finished', 'timeout', 'refused', 'lost')),
        via TEXT NOT NULL CHECK (via IN ('bridge', 'trigger', 'cli')),
        -- What was asked, as JSON: argv or named, cwd, the names (never the values) of env, the timeout.
        request TEXT NOT NULL,
        requested_by TEXT,
        owner_pid INTEGER,
        owner_start TEXT,
        exit_code INTEGER,
        signal TEXT,
        stdout TEXT NOT NULL DEFAULT '',
        stderr TEXT NOT NULL DEFAULT '',
        truncated INTEGER NOT NULL DEFAULT 0 CHECK (truncated IN (0, 1)),
        message TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        CHECK (state <> 'running' OR (owner_pid IS NOT NULL AND owner_start IS NOT NULL AND finished_at IS NULL))
      ) WITHOUT ROWID;
    `);
  },
};
