import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueFixture, deployRequest } from './testing/queue-fixture';

let fixture: QueueFixture;
beforeEach(() => {
  fixture = new QueueFixture();
});
afterEach(() => fixture.dispose());

function insert(siteId: string, state: string, lease: { owner: string; expiresAt: number } | null): void {
  fixture.db
    .prepare(
      `INSERT INTO jobs (site_id, state, policy, priority, run_at, max_attempts, request, created_at, lease_owner, lease_expires_at)
       VALUES (?, ?, 'fifo', 0, 0, 3, ?, 0, ?, ?)`,
    )
    .run(siteId, state, JSON.stringify(deployRequest(siteId)), lease?.owner ?? null, lease?.expiresAt ?? null);
}

describe('queueMigration', () => {
  it('refuses a second running job of a site in the database itself', () => {
    insert('web', 'running', { owner: 'a', expiresAt: 1 });
    expect(() => insert('web', 'running', { owner: 'b', expiresAt: 1 })).toThrow(/UNIQUE constraint failed: jobs.site_id/);
    // Other sites, and jobs of the same site in other states, are not held back.
    insert('api', 'running', { owner: 'b', expiresAt: 1 });
    insert('web', 'queued', null);
    expect(fixture.db.prepare(`SELECT count(*) FROM jobs WHERE state = 'running'`).pluck().get()).toBe(2);
  });

  it('ties a lease to the running state', () => {
    expect(() => insert('web', 'running', null)).toThrow(/CHECK constraint failed/);
    expect(() => insert('web', 'queued', { owner: 'a', expiresAt: 1 })).toThrow(/CHECK constraint failed/);
    expect(() => insert('web', 'paused', null)).toThrow(/CHECK constraint failed/);
  });

  it("keeps a job's site and priority, which the waiting counts are keyed by", () => {
    const { jobId } = fixture.queue.enqueueManual({ policy: 'fifo', request: deployRequest('web') }) as { jobId: number };
    expect(() => fixture.db.prepare(`UPDATE jobs SET priority = 5 WHERE id = ?`).run(jobId)).toThrow(/site and priority cannot change/);
    expect(() => fixture.db.prepare(`UPDATE jobs SET site_id = 'api' WHERE id = ?`).run(jobId)).toThrow(/site and priority cannot change/);
  });

  it('counts waiting jobs per site and priority through every way in and out, deletes included', () => {
    const { queue } = fixture;
    const ids = [0, 0, 5].map((priority) => (queue.enqueueManual({ policy: 'fifo', priority, request: deployRequest('web') }) as { jobId: number }).jobId);
    const counts = () => fixture.db.prepare('SELECT priority, count FROM waiting_counts ORDER BY priority').all();
    expect(counts()).toEqual([{ priority: 0, count: 2 }, { priority: 5, count: 1 }]);
    const job = queue.claim('w', { concurrency: 1 });
    expect(job?.id).toBe(ids[2]);
    expect(counts()).toEqual([{ priority: 0, count: 2 }, { priority: 5, count: 0 }]);
    expect(queue.fail(ids[2], 'w', 'boom')).toBe('retrying');
    expect(counts()).toEqual([{ priority: 0, count: 2 }, { priority: 5, count: 1 }]);
    expect(queue.cancel(ids[0])).toBe('cancelled');
    fixture.db.prepare('DELETE FROM jobs WHERE id = ?').run(ids[1]);
    expect(counts()).toEqual([{ priority: 0, count: 0 }, { priority: 5, count: 1 }]);
  });
});
