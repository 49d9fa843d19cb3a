import type { Migration } from '../store/sqlite';

/**
 * The deploy runner's tables: releases (one folder of one commit per deploy attempt), deploys (one row
 * per attempt of a job, a persisted state machine) and deploy_steps (every step's start, end, exit code
 * and log offsets). Jobs are referred to by id only, so this part does not depend on the queue's tables.
 */
export const deployMigration: Migration = {
  version: 2,
  name: 'deploys, deploy steps and releases',
  up(db) {
    db.exec(`
      CREATE TABLE releases (
        id INTEGER PRIMARY KEY,
        site_id TEXT NOT NULL,
        job_id INTEGER NOT NULL,
        commit_sha TEXT NOT NULL,
        dir TEXT NOT NULL UNIQUE,
        compose_file TEXT,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'good', 'bad')),
        is_current INTEGER NOT NULL DEFAULT 0 CHECK (is_current IN (0, 1)),
        created_at INTEGER NOT NULL,
        pruned_at INTEGER
      );
      CREATE INDEX releases_by_site ON releases (site_id, id);
      -- The database itself refuses two live releases of one site.
      CREATE UNIQUE INDEX releases_one_current ON releases (site_id) WHERE is_current = 1;

      CREATE TABLE deploys (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        site_id TEXT NOT NULL,
        release_id INTEGER NOT NULL REFERENCES releases (id),
        previous_release_id INTEGER REFERENCES releases (id),
        rollback_release_id INTEGER REFERENCES releases (id),
        phase TEXT NOT NULL CHECK (phase IN ('deploying', 'rolling-back', 'succeeded', 'rolled-back', 'failed', 'cancelled')),
        error TEXT,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        UNIQUE (job_id, attempt)
      );

      CREATE TABLE deploy_steps (
        deploy_id INTEGER NOT NULL REFERENCES deploys (id),
        stage TEXT NOT NULL CHECK (stage IN ('deploy', 'rollback')),
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        -- The step as configured when the deploy began: a resumed deploy runs the plan it started with.
        config TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        runs INTEGER NOT NULL DEFAULT 0,
        started_at INTEGER,
        finished_at INTEGER,
        exit_code INTEGER,
        error TEXT,
        log_offset INTEGER,
        log_end INTEGER,
        PRIMARY KEY (deploy_id, stage, position)
      );
    `);
  },
};
