import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueOutcome, Job } from './job';
import type { JobQueue } from './job-queue';
import { QueueFixture, deployRequest } from './testing/queue-fixture';

const LEASE_MS = 30_000;

let fixture: QueueFixture;
beforeEach(() => {
  fixture = new QueueFixture({ leaseSeconds: LEASE_MS / 1000, maxAttempts: 1000 });
});
afterEach(() => fixture.dispose());

function enqueue(siteId: string, priority = 0, queue: JobQueue = fixture.queue): number {
  const outcome: EnqueueOutcome = queue.enqueueManual({ policy: 'fifo', priority, request: deployRequest(siteId) });
  if (outcome.status !== 'accepted') throw new Error(`expected the job to be accepted, got ${JSON.stringify(outcome)}`);
  return outcome.jobId;
}

function claimAll(owner: string, concurrency: number, queue: JobQueue = fixture.queue): Job[] {
  const jobs: Job[] = [];
  for (let job = queue.claim(owner, { concurrency }); job; job = queue.claim(owner, { concurrency })) jobs.push(job);
  return jobs;
}

describe('claim order', () => {
  it('takes higher priority first, then the earlier run_at, then the older job', () => {
    const low = enqueue('a');
    const lowLater = enqueue('b');
    const high = enqueue('c', 5);
    const highEarlier = enqueue('d', 5);
    const lowEarliest = enqueue('e');
    const setRunAt = fixture.db.prepare('UPDATE jobs SET run_at = ? WHERE id = ?');
    const t = fixture.clock.ms;
    setRunAt.run(t - 10, highEarlier);
    setRunAt.run(t - 20, lowEarliest);
    setRunAt.run(t + 5, lowLater);
    expect(claimAll('w', 10).map((job) => job.id)).toEqual([highEarlier, high, lowEarliest, low]);
    // Not due yet: only once its run_at has come.
    fixture.clock.advance(5);
    expect(claimAll('w', 10).map((job) => job.id)).toEqual([lowLater]);
  });

  it('runs one job of a site at a time, taking the next site meanwhile', () => {
    const web1 = enqueue('web');
    const web2 = enqueue('web');
    const api = enqueue('api');
    const other = fixture.connect().queue;
    expect(fixture.queue.claim('worker-a', { concurrency: 10 })?.id).toBe(web1);
    expect(other.claim('worker-b', { concurrency: 10 })?.id).toBe(api);
    expect(other.claim('worker-b', { concurrency: 10 })).toBeUndefined();
    fixture.queue.complete(web1, 'worker-a');
    expect(other.claim('worker-b', { concurrency: 10 })?.id).toBe(web2);
  });

  it('keeps to the global concurrency limit across connections', () => {
    for (const site of ['a', 'b', 'c', 'd']) enqueue(site);
    const second = fixture.connect().queue;
    const first = fixture.queue.claim('worker-a', { concurrency: 2 }) as Job;
    expect(second.claim('worker-b', { concurrency: 2 })).toBeDefined();
    expect(fixture.queue.claim('worker-a', { concurrency: 2 })).toBeUndefined();
    expect(second.claim('worker-b', { concurrency: 2 })).toBeUndefined();
    fixture.queue.complete(first.id, 'worker-a');
    expect(second.claim('worker-b', { concurrency: 2 })).toBeDefined();
    expect(fixture.queue.counts().running).toBe(2);
  });

  it('skips paused and excluded sites; a paused site keeps its running job', () => {
    const web1 = enqueue('web');
    const web2 = enqueue('web');
    const api = enqueue('api');
    const docs = enqueue('docs');
    expect(fixture.queue.claim('w', { concurrency: 10 })?.id).toBe(web1);
    fixture.queue.pauseSite('web');
    fixture.queue.pauseSite('api');
    expect(fixture.queue.complete(web1, 'w')).toBe(true);
    expect(claimAll('w', 10, fixture.queue).map((job) => job.id)).toEqual([docs]);
    fixture.queue.resumeSite('web');
    fixture.queue.resumeSite('api');
    expect(fixture.queue.claim('w', { concurrency: 10, exclude: ['web'] })?.id).toBe(api);
    expect(fixture.queue.claim('w', { concurrency: 10 })?.id).toBe(web2);
  });
});

describe('leases', () => {
  it('a worker that dies loses its job within the lease; a live one keeps it by heartbeat', () => {
    const dying = enqueue('web');
    const living = enqueue('api');
    claimAll('worker-a', 10);
    // Half a lease at a time: the heartbeats keep `living`; `dying`'s lease runs out at the second step.
    const recovered: number[][] = [];
    for (let i = 0; i < 3; i++) {
      fixture.clock.advance(LEASE_MS / 2);
      expect(fixture.queue.heartbeat(living, 'worker-a')).toBe(true);
      recovered.push(fixture.queue.recoverExpired());
    }
    expect(recovered).toEqual([[], [dying], []]);
    expect(fixture.queue.get(living)?.state).toBe('running');
    expect(fixture.queue.claim('worker-b', { concurrency: 10 })?.id).toBe(dying);
  });

  it('never lets two owners hold one site, whatever the interleaving of claims, heartbeats, deaths and recoveries', () => {
    // A seeded generator, so a failure can be replayed.
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const sites = ['a', 'b', 'c'];
    const workers = ['w1', 'w2', 'w3', 'w4'].map((owner) => ({ owner, queue: fixture.connect().queue, held: [] as number[] }));
    for (let i = 0; i < 60; i++) enqueue(sites[i % sites.length]);
    const runs: { owner: string; site: string; id: number }[] = [];
    for (let step = 0; step < 3_000 && fixture.queue.counts().succeeded < 60; step++) {
      const worker = workers[Math.floor(random() * workers.length)];
      const roll = random();
      fixture.clock.advance(Math.floor(random() * 4_000));
      if (roll < 0.4) {
        const job = worker.queue.claim(worker.owner, { concurrency: 2 });
        if (job) {
          worker.held.push(job.id);
          runs.push({ owner: worker.owner, site: job.siteId, id: job.id });
        }
      } else if (roll < 0.7 && worker.held.length > 0) {
        const id = worker.held.shift() as number;
        // A worker that lost its lease is told so and must not count its work as done.
        if (!worker.queue.complete(id, worker.owner)) expect(worker.queue.get(id)?.leaseOwner).not.toBe(worker.owner);
      } else if (roll < 0.85) {
        worker.held = worker.held.filter((id) => worker.queue.heartbeat(id, worker.owner));
      } else if (roll < 0.9) {
        worker.held = []; // the worker dies: its leases run out on their own
      } else {
        worker.queue.recoverExpired();
      }
      const running = fixture.queue.list({ state: 'running' });
      expect(running.length).toBeLessThanOrEqual(2);
      expect(new Set(running.map((job) => job.siteId)).size).toBe(running.length);
    }
    expect(fixture.queue.counts()).toMatchObject({ succeeded: 60, queued: 0, running: 0 });
    // Some jobs really were taken over from dead workers.
    expect(runs.length).toBeGreaterThan(60);
  });
});
