import type { Migration } from '../store/sqlite';

/**
 * The queue's tables. Times are integer milliseconds since the epoch.
 *
 * `jobs.id` is AUTOINCREMENT so an id is never handed out twice: deliveries, logs and operators refer
 * to jobs by id long after they finish. The CHECKs tie a lease to the running state, so no statement
 * can leave a running job without an owner or a finished one still leased.
 */
export const queueMigration: Migration = {
  version: 1,
  name: 'queue: jobs, deliveries, paused sites',
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        site_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled')),
        policy TEXT NOT NULL CHECK (policy IN ('coalesce-latest', 'fifo', 'reject-if-busy')),
        priority INTEGER NOT NULL,
        run_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
        last_error TEXT,
        request TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        finished_at INTEGER,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
        retry_of INTEGER REFERENCES jobs (id),
        CHECK ((state = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
      );

      -- The database itself refuses a second running job of a site, whatever a caller believed it read.
      CREATE UNIQUE INDEX jobs_one_running_per_site ON jobs (site_id) WHERE state = 'running';

      -- Claim order within one site (claims take each free site's head; position, coalescing,
      -- reject-if-busy). Partial, so finished jobs, which pile up, cost it nothing.
      CREATE INDEX jobs_site_waiting ON jobs (site_id, priority DESC, run_at, id, state) WHERE state IN ('queued', 'failed');

      -- Listing by state (counts, the dead-letter view, the oldest waiting job) and by site.
      CREATE INDEX jobs_state ON jobs (state, id);
      CREATE INDEX jobs_site ON jobs (site_id, id);

      -- How many jobs of each (site, priority) wait, kept by triggers on every way into and out of the
      -- waiting states, so that a new job's position is a few lookups instead of a count over every
      -- waiting job of its site (a fifo site with thousands waiting made that the cost of each enqueue).
      CREATE TABLE waiting_counts (
        site_id TEXT NOT NULL,
        priority INTEGER NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        PRIMARY KEY (site_id, priority)
      ) WITHOUT ROWID;
      CREATE TRIGGER jobs_waiting_inserted AFTER INSERT ON jobs
        WHEN NEW.state IN ('queued', 'failed')
      BEGIN
        INSERT INTO waiting_counts (site_id, priority, count) VALUES (NEW.site_id, NEW.priority, 1)
          ON CONFLICT (site_id, priority) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER jobs_waiting_entered AFTER UPDATE OF state ON jobs
        WHEN OLD.state NOT IN ('queued', 'failed') AND NEW.state IN ('queued', 'failed')
      BEGIN
        INSERT INTO waiting_counts (site_id, priority, count) VALUES (NEW.site_id, NEW.priority, 1)
          ON CONFLICT (site_id, priority) DO UPDATE SET count = count + 1;
      END;
      CREATE TRIGGER jobs_waiting_left AFTER UPDATE OF state ON jobs
        WHEN OLD.state IN ('queued', 'failed') AND NEW.state NOT IN ('queued', 'failed')
      BEGIN
        UPDATE waiting_counts SET count = count - 1 WHERE site_id = OLD.site_id AND priority = OLD.priority;
      END;
      CREATE TRIGGER jobs_waiting_deleted AFTER DELETE ON jobs
        WHEN OLD.state IN ('queued', 'failed')
      BEGIN
        UPDATE waiting_counts SET count = count - 1 WHERE site_id = OLD.site_id AND priority = OLD.priority;
      END;
      -- The counts are keyed by site and priority, so those two never change: a job for elsewhere is a new job.
      CREATE TRIGGER jobs_keep_site_and_priority BEFORE UPDATE OF site_id, priority ON jobs
        WHEN NEW.site_id IS NOT OLD.site_id OR NEW.priority IS NOT OLD.priority
      BEGIN
        SELECT RAISE(ABORT, 'a job''s site and priority cannot change; make a new job instead');
      END;

      -- One row per accepted webhook delivery: the dedupe key, written in the transaction that makes its job.
      CREATE TABLE deliveries (
        hook_id TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        job_id INTEGER NOT NULL REFERENCES jobs (id),
        received_at INTEGER NOT NULL,
        PRIMARY KEY (hook_id, delivery_id)
      ) WITHOUT ROWID;
      CREATE INDEX deliveries_received ON deliveries (received_at);
      CREATE INDEX deliveries_hook_received ON deliveries (hook_id, received_at);

      CREATE TABLE paused_sites (
        site_id TEXT PRIMARY KEY,
        paused_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
  },
};
