import type { Database } from '../store/sqlite';

// The order waiting jobs run in: higher priority first, then the earlier run_at, then the older job.
// The waiting-job queries name their partial index (INDEXED BY): without statistics SQLite's planner
// prefers the index on state, then sorts every waiting job on each claim, thousands of times slower at
// 100,000 waiting jobs; naming the index also makes a schema change that breaks it fail at prepare time.

/** Jobs running now, across every site and every process sharing the file. */
export function runningCount(db: Database): () => number {
  const statement = db.prepare<[], number>(`SELECT count(*) FROM jobs WHERE state = 'running'`).pluck();
  return () => statement.get() as number;
}

/**
 * The next job to run: due, of a site with nothing running, not paused and not excluded (a JSON array of
 * site ids). It starts from the sites that have jobs waiting (waiting_counts), drops the busy, paused and
 * excluded ones, takes each remaining site's first job from its own index, and picks the best of those.
 * So its cost follows the number of sites, never the number of jobs waiting behind a busy site: walking
 * one global order instead stepped over every job of a site in the middle of a long deploy (8–11 ms a
 * claim with 30,000 waiting, measured by the webhook benchmark).
 */
export function nextClaimable(db: Database): (input: { now: number; exclude: string }) => number | undefined {
  const statement = db
    .prepare<[{ now: number; exclude: string }], number>(
      `WITH candidates AS (
         SELECT DISTINCT w.site_id FROM waiting_counts w
         WHERE w.count > 0
           AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.site_id = w.site_id AND r.state = 'running')
           AND NOT EXISTS (SELECT 1 FROM paused_sites p WHERE p.site_id = w.site_id)
           AND w.site_id NOT IN (SELECT value FROM json_each(@exclude))
       ),
       heads AS (
         SELECT (SELECT j.id FROM jobs j INDEXED BY jobs_site_waiting
                 WHERE j.site_id = c.site_id AND j.state IN ('queued', 'failed') AND j.run_at <= @now
                 ORDER BY j.priority DESC, j.run_at, j.id
                 LIMIT 1) AS id
         FROM candidates c
       )
       SELECT j.id FROM heads h JOIN jobs j ON j.id = h.id
       ORDER BY j.priority DESC, j.run_at, j.id
       LIMIT 1`,
    )
    .pluck();
  return (input) => statement.get(input);
}

/**
 * A just-made job's place among its site's waiting jobs, 1 = next: every waiting job of a higher or the
 * same priority is ahead of it, except those of its priority that wait for a retry due later than now.
 */
export function positionOfNewJob(db: Database): (input: { siteId: string; priority: number; now: number }) => number {
  const atOrAbove = db
    .prepare<[{ siteId: string; priority: number }], number>(
      'SELECT coalesce(sum(count), 0) FROM waiting_counts WHERE site_id = @siteId AND priority >= @priority',
    )
    .pluck();
  const dueLater = db
    .prepare<[{ siteId: string; priority: number; now: number }], number>(
      `SELECT count(*) FROM jobs INDEXED BY jobs_site_waiting
       WHERE site_id = @siteId AND state IN ('queued', 'failed') AND priority = @priority AND run_at > @now`,
    )
    .pluck();
  return (input) => (atOrAbove.get(input) as number) - (dueLater.get(input) as number);
}

/** The site's running job, or else its next waiting one (other than `ignore`): what makes a reject-if-busy site busy. */
export function activeJobOfSite(db: Database): (input: { siteId: string; ignore: number }) => number | undefined {
  const running = db
    .prepare<[{ siteId: string }], number>(`SELECT id FROM jobs WHERE site_id = @siteId AND state = 'running'`)
    .pluck();
  const waiting = db
    .prepare<[{ siteId: string; ignore: number }], number>(
      `SELECT id FROM jobs INDEXED BY jobs_site_waiting
       WHERE site_id = @siteId AND state IN ('queued', 'failed') AND id <> @ignore
       ORDER BY priority DESC, run_at, id LIMIT 1`,
    )
    .pluck();
  return (input) => running.get({ siteId: input.siteId }) ?? waiting.get(input);
}
