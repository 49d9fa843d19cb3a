import type { Database } from '../store/sqlite';

export type ReleaseState = 'current' | 'good' | 'bad' | 'pending';

export interface Release {
  id: number;
  siteId: string;
  jobId: number;
  commit: string;
  dir: string;
  /** The Compose file its compose step brought up, so a rollback brings up the same one. */
  composeFile: string | null;
  /** 'current' when the site's `current` link points at it; otherwise how its deploy ended so far. */
  state: ReleaseState;
  createdAt: number;
  /** Its folder was deleted to keep only the newest releases; the row stays as history. */
  pruned: boolean;
}

interface ReleaseRow {
  id: number;
  site_id: string;
  job_id: number;
  commit_sha: string;
  dir: string;
  compose_file: string | null;
  state: 'pending' | 'good' | 'bad';
  is_current: 0 | 1;
  created_at: number;
  pruned_at: number | null;
}

function toRelease(row: ReleaseRow): Release {
  return {
    id: row.id,
    siteId: row.site_id,
    jobId: row.job_id,
    commit: row.commit_sha,
    dir: row.dir,
    composeFile: row.compose_file,
    state: row.is_current ? 'current' : row.state,
    createdAt: row.created_at,
    pruned: row.pruned_at !== null,
  };
}

/** The releases table: one row per release folder, each change one guarded statement. */
export class ReleaseStore {
  constructor(private readonly db: Database) {}

  create(input: { siteId: string; jobId: number; commit: string; dir: string; createdAt: number }): number {
    const info = this.db
      .prepare('INSERT INTO releases (site_id, job_id, commit_sha, dir, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(input.siteId, input.jobId, input.commit, input.dir, input.createdAt);
    return Number(info.lastInsertRowid);
  }

  get(id: number): Release | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE id = ?').get(id) as ReleaseRow | undefined;
    return row && toRelease(row);
  }

  /** Newest first. */
  list(siteId: string): Release[] {
    const rows = this.db.prepare('SELECT * FROM releases WHERE site_id = ? ORDER BY id DESC').all(siteId) as ReleaseRow[];
    return rows.map(toRelease);
  }

  current(siteId: string): Release | undefined {
    const row = this.db.prepare('SELECT * FROM releases WHERE site_id = ? AND is_current = 1').get(siteId) as ReleaseRow | undefined;
    return row && toRelease(row);
  }

  /** The newest release that passed its deploy and still has its folder; a bad one is never picked. */
  lastGood(siteId: string, except: number): Release | undefined {
    const row = this.db
      .prepare(`SELECT * FROM releases WHERE site_id = ? AND id != ? AND state = 'good' AND pruned_at IS NULL ORDER BY id DESC LIMIT 1`)
      .get(siteId, except) as ReleaseRow | undefined;
    return row && toRelease(row);
  }

  setCurrent(siteId: string, id: number): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE releases SET is_current = 0 WHERE site_id = ? AND is_current = 1 AND id != ?').run(siteId, id);
      this.db.prepare('UPDATE releases SET is_current = 1 WHERE id = ? AND site_id = ?').run(id, siteId);
    })();
  }

  clearCurrent(siteId: string): void {
    this.db.prepare('UPDATE releases SET is_current = 0 WHERE site_id = ? AND is_current = 1').run(siteId);
  }

  markGood(id: number): void {
    this.db.prepare(`UPDATE releases SET state = 'good' WHERE id = ? AND state = 'pending'`).run(id);
  }

  markBad(id: number): void {
    this.db.prepare(`UPDATE releases SET state = 'bad' WHERE id = ?`).run(id);
  }

  setComposeFile(id: number, file: string): void {
    this.db.prepare('UPDATE releases SET compose_file = ? WHERE id = ?').run(file, id);
  }

  /** Releases whose folders may go: all but the newest `keep` that still have one, never the current one. */
  prunable(siteId: string, keep: number): Release[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM releases WHERE site_id = ? AND pruned_at IS NULL AND is_current = 0 AND id NOT IN (
           SELECT id FROM releases WHERE site_id = ? AND pruned_at IS NULL ORDER BY id DESC LIMIT ?)
         ORDER BY id`,
      )
      .all(siteId, siteId, keep) as ReleaseRow[];
    return rows.map(toRelease);
  }

  markPruned(id: number, at: number): void {
    this.db.prepare('UPDATE releases SET pruned_at = ? WHERE id = ? AND is_current = 0').run(at, id);
  }
}
