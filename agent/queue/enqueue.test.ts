import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueOutcome, Job } from './job';
import type { JobQueue } from './job-queue';
import { QueueFixture, commitOf, deployRequest } from './testing/queue-fixture';
import type { QueuePolicy } from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

let fixture: QueueFixture;
beforeEach(() => {
  fixture = new QueueFixture();
});
afterEach(() => fixture.dispose());

function push(policy: QueuePolicy, n: number, options: { queue?: JobQueue; siteId?: string; deliveryId?: string; priority?: number } = {}): EnqueueOutcome {
  const { queue = fixture.queue, siteId = 'web', deliveryId = `delivery-${n}`, priority = 0 } = options;
  return queue.enqueueDelivery({ hookId: 'github', deliveryId, policy, priority, request: deployRequest(siteId, commitOf(n)) });
}

function jobId(outcome: EnqueueOutcome): number {
  if (outcome.status !== 'accepted') throw new Error(`expected the job to be accepted, got ${JSON.stringify(outcome)}`);
  return outcome.jobId;
}

function countRows(table: 'jobs' | 'deliveries'): number {
  return fixture.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

describe('dedupe by (hook, delivery)', () => {
  it('answers a redelivery with the job the first delivery made, and makes nothing', () => {
    const first = push('fifo', 1);
    expect(first).toEqual({ status: 'accepted', jobId: jobId(first), position: 1 });
    expect(push('fifo', 1)).toEqual({ status: 'duplicate', jobId: jobId(first) });
    expect(countRows('jobs')).toBe(1);
    expect(fixture.queue.deliveries()).toEqual([{ hookId: 'github', deliveryId: 'delivery-1', jobId: jobId(first), receivedAt: fixture.clock.ms }]);
  });

  it('keys on the hook too: the same delivery id through another hook is another delivery', () => {
    push('fifo', 1);
    const other = fixture.queue.enqueueDelivery({ hookId: 'gitlab', deliveryId: 'delivery-1', policy: 'fifo', priority: 0, request: deployRequest('api') });
    expect(other.status).toBe('accepted');
    expect(fixture.queue.deliveries({ hookId: 'gitlab' }).map((d) => d.jobId)).toEqual([jobId(other)]);
  });

  it('makes one job from 100 concurrent deliveries of one delivery id over several connections', async () => {
    const queues = [fixture.queue, ...Array.from({ length: 4 }, () => fixture.connect().queue)];
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await new Promise((resolve) => setImmediate(resolve));
        return push('coalesce-latest', 7, { queue: queues[i % queues.length] });
      }),
    );
    const accepted = outcomes.filter((outcome) => outcome.status === 'accepted');
    expect(accepted).toHaveLength(1);
    const id = jobId(accepted[0]);
    expect(outcomes.filter((outcome) => outcome.status === 'duplicate' && outcome.jobId === id)).toHaveLength(99);
    expect(countRows('jobs')).toBe(1);
    expect(countRows('deliveries')).toBe(1);
  });

  it('forgets records past the kept days, after which a redelivery makes a new job on purpose', () => {
    const old = jobId(push('fifo', 1));
    fixture.clock.advance(6 * DAY_MS);
    push('fifo', 2);
    fixture.clock.advance(DAY_MS + 1);
    expect(fixture.queue.pruneDeliveries(7)).toBe(1);
    expect(fixture.queue.deliveries().map((d) => d.deliveryId)).toEqual(['delivery-2']);
    expect(push('fifo', 2).status).toBe('duplicate');
    const again = push('fifo', 1);
    expect(jobId(again)).not.toBe(old);
    expect(fixture.queue.get(old)?.state).toBe('queued');
  });

  it('records no delivery for a refused push, so a later redelivery can still be accepted', () => {
    const running = jobId(push('reject-if-busy', 1));
    fixture.queue.claim('worker', { concurrency: 1 });
    expect(push('reject-if-busy', 2)).toEqual({ status: 'busy', runningJobId: running });
    expect(countRows('deliveries')).toBe(1);
    fixture.queue.complete(running, 'worker');
    expect(push('reject-if-busy', 2).status).toBe('accepted');
  });
});

describe('queue policies on a busy site', () => {
  it('coalesce-latest: 10 pushes → the running deploy plus one waiting deploy of the newest commit', () => {
    const running = jobId(push('coalesce-latest', 0));
    fixture.queue.claim('worker', { concurrency: 1 });
    let previous: number | undefined;
    for (let n = 1; n <= 10; n++) {
      const outcome = push('coalesce-latest', n);
      expect(outcome).toEqual({ status: 'accepted', jobId: jobId(outcome), position: 1, ...(previous ? { replaced: [previous] } : {}) });
      if (previous) expect(fixture.queue.get(previous)).toMatchObject({ state: 'cancelled', lastError: `replaced by job ${jobId(outcome)}` });
      previous = jobId(outcome);
    }
    const live = [...fixture.queue.list({ state: 'running' }), ...fixture.queue.list({ state: 'queued' })];
    expect(live.map((job) => [job.id, job.state, job.request.commit])).toEqual([
      [running, 'running', commitOf(0)],
      [previous, 'queued', commitOf(10)],
    ]);
    expect(fixture.queue.counts()).toEqual({ queued: 1, running: 1, succeeded: 0, failed: 0, dead: 0, cancelled: 9 });
  });

  it('coalesce-latest also replaces a deploy waiting for its retry, and leaves other sites alone', () => {
    const retrying = jobId(push('coalesce-latest', 1));
    const other = jobId(push('coalesce-latest', 2, { siteId: 'api' }));
    fixture.queue.claim('worker', { concurrency: 1 });
    fixture.queue.fail(retrying, 'worker', 'boom');
    const newer = push('coalesce-latest', 3);
    expect(newer).toMatchObject({ status: 'accepted', replaced: [retrying] });
    expect(fixture.queue.get(other)?.state).toBe('queued');
  });

  it('fifo: every push waits its turn, in order', () => {
    const running = jobId(push('fifo', 0));
    fixture.queue.claim('worker', { concurrency: 1 });
    const waiting = [1, 2, 3].map((n) => push('fifo', n));
    expect(waiting.map((outcome) => outcome.status === 'accepted' && outcome.position)).toEqual([1, 2, 3]);
    fixture.queue.complete(running, 'worker');
    const order: string[] = [];
    for (let job = fixture.queue.claim('worker', { concurrency: 1 }); job; job = fixture.queue.claim('worker', { concurrency: 1 })) {
      order.push(job.request.commit);
      fixture.queue.complete(job.id, 'worker');
    }
    expect(order).toEqual([1, 2, 3].map(commitOf));
  });

  it('reject-if-busy: a push to a site with a deploy running or waiting is refused, naming that deploy', () => {
    fixture.queue.pauseSite('web');
    const waiting = jobId(push('reject-if-busy', 1));
    expect(push('reject-if-busy', 2)).toEqual({ status: 'busy', runningJobId: waiting });
    fixture.queue.resumeSite('web');
    fixture.queue.claim('worker', { concurrency: 1 });
    expect(push('reject-if-busy', 3)).toEqual({ status: 'busy', runningJobId: waiting });
    expect(push('reject-if-busy', 4, { siteId: 'api' }).status).toBe('accepted');
    expect(countRows('jobs')).toBe(2);
  });

  it('a manual run follows the same policy without a delivery record', () => {
    const first = fixture.queue.enqueueManual({ policy: 'coalesce-latest', request: deployRequest('web', commitOf(1)) });
    const second = fixture.queue.enqueueManual({ policy: 'coalesce-latest', request: deployRequest('web', commitOf(1)) });
    expect(second).toMatchObject({ status: 'accepted', position: 1, replaced: [jobId(first)] });
    expect(countRows('deliveries')).toBe(0);
  });
});

describe('position', () => {
  // A seeded generator, so a failure can be replayed.
  function lcg(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
  }

  /** The place of `id` among its site's waiting jobs, counted the slow way from the claim order. */
  function slowPosition(id: number): number {
    const waiting = fixture.db
      .prepare<[number], { id: number }>(
        `SELECT id FROM jobs WHERE state IN ('queued', 'failed') AND site_id = (SELECT site_id FROM jobs WHERE id = ?)
         ORDER BY priority DESC, run_at, id`,
      )
      .all(id);
    return waiting.findIndex((row) => row.id === id) + 1;
  }

  it("is the new job's place in its site's claim order through pushes, claims, failures and cancels", () => {
    const random = lcg(42);
    const sites = ['web', 'api', 'docs'];
    for (let step = 0; step < 600; step++) {
      fixture.clock.advance(Math.floor(random() * 3_000));
      const roll = random();
      const siteId = sites[Math.floor(random() * sites.length)];
      if (roll < 0.6) {
        const outcome = push('fifo', step, { siteId, priority: Math.floor(random() * 3) });
        expect(outcome.status === 'accepted' && outcome.position).toBe(slowPosition(jobId(outcome)));
      } else if (roll < 0.8) {
        const job = fixture.queue.claim('worker', { concurrency: 3 });
        if (job && random() < 0.5) fixture.queue.fail(job.id, 'worker', 'flaky');
        else if (job) fixture.queue.complete(job.id, 'worker');
      } else {
        const waiting = fixture.queue.list({ state: 'queued', siteId, limit: 5 });
        if (waiting.length > 0) fixture.queue.cancel(waiting[Math.floor(random() * waiting.length)].id);
      }
    }
    expect(fixture.queue.counts().failed + fixture.queue.counts().queued).toBeGreaterThan(20);
  });
});

describe('reads', () => {
  it('lists newest first with filters and pages, counts every state, and ages the oldest queued job', () => {
    expect(fixture.queue.oldestQueuedAgeSeconds()).toBeNull();
    const ids = [1, 2, 3, 4, 5].map((n) => jobId(push('fifo', n, { siteId: n % 2 ? 'odd' : 'even' })));
    fixture.clock.advance(90_000);
    const claimed = fixture.queue.claim('worker', { concurrency: 1 }) as Job;
    expect(claimed.id).toBe(ids[0]);
    expect(fixture.queue.list().map((job) => job.id)).toEqual([...ids].reverse());
    expect(fixture.queue.list({ siteId: 'odd' }).map((job) => job.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect(fixture.queue.list({ state: 'queued', limit: 2 }).map((job) => job.id)).toEqual([ids[4], ids[3]]);
    expect(fixture.queue.list({ state: 'queued', beforeId: ids[3] }).map((job) => job.id)).toEqual([ids[2], ids[1]]);
    expect(fixture.queue.counts()).toEqual({ queued: 4, running: 1, succeeded: 0, failed: 0, dead: 0, cancelled: 0 });
    expect(fixture.queue.oldestQueuedAgeSeconds()).toBe(90);
    expect(fixture.queue.deliveries({ limit: 2 }).map((d) => d.jobId)).toHaveLength(2);
  });

  it('pauses and resumes sites, listing the paused ones', () => {
    fixture.queue.pauseSite('web');
    fixture.queue.pauseSite('api');
    fixture.queue.pauseSite('web');
    expect(fixture.queue.pausedSites()).toEqual(['api', 'web']);
    fixture.queue.resumeSite('api');
    expect(fixture.connect().queue.pausedSites()).toEqual(['web']);
  });

  it('refuses inputs that would store a broken job', () => {
    expect(() => fixture.queue.enqueueDelivery({ hookId: '', deliveryId: 'd', policy: 'fifo', priority: 0, request: deployRequest('web') })).toThrow(/non-empty hookId/);
    expect(() => push('fifo', 1, { priority: 1.5 })).toThrow(/priority must be a whole number/);
    expect(() => fixture.queue.claim('worker', { concurrency: 0 })).toThrow(/concurrency must be a whole number ≥ 1/);
    expect(countRows('jobs')).toBe(0);
  });
});
