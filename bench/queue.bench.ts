// The queue's own throughput: how many deploy jobs a worker can take and finish per second when the
// queue is full, each claim and each completion its own committed transaction on a real WAL file.
// No peer does this same work here, so the goal is absolute: ≥ 2,000 jobs/s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueue } from '../agent/queue/job-queue';
import { queueMigration } from '../agent/queue/schema';
import { openDatabase, type Database } from '../agent/store/sqlite';
import { recordBench } from './support/record';
import { quantile } from './support/stats';

const QUEUED = 100_000;
const SITES = 50;
const SEED_BATCH = 1_000;
const WARMUP = 1_000;
const ROUNDS = 3;
const PER_ROUND = 5_000;
const GOAL_JOBS_PER_S = 2_000;

describe('queue throughput', () => {
  let dir: string;
  let db: Database;
  let queue: JobQueue;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-queue-bench-'));
    db = openDatabase({ path: join(dir, 'agent.db'), migrations: [queueMigration] });
    queue = new JobQueue(db);
    // Seeded through the queue's own enqueue, in batches so that setting up is not what takes the time.
    const seedBatch = db.transaction((from: number) => {
      for (let n = from; n < from + SEED_BATCH; n++) {
        const siteId = `site-${n % SITES}`;
        const commit = n.toString(16).padStart(40, '0');
        queue.enqueueManual({ policy: 'fifo', request: { siteId, environment: 'production', repository: `acme/${siteId}`, branch: 'main', commit, event: 'push' } });
      }
    });
    for (let from = 0; from < QUEUED; from += SEED_BATCH) seedBatch(from);
  }, 120_000);
  afterAll(() => {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Claims and completes `count` jobs one after another; returns jobs per second. */
  function claimAndComplete(count: number): number {
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const job = queue.claim('bench-worker', { concurrency: 2 });
      if (!job) throw new Error(`The queue gave no job after ${i} of ${count}, with ${queue.counts().queued} still queued.`);
      if (!queue.complete(job.id, 'bench-worker')) throw new Error(`Completing job ${job.id} was refused.`);
    }
    return count / ((performance.now() - started) / 1000);
  }

  it(`jobs claimed + completed per second, ${QUEUED.toLocaleString('en')} queued over ${SITES} sites`, ({ task }) => {
    expect(queue.counts().queued).toBe(QUEUED);
    claimAndComplete(WARMUP);
    const rates = Array.from({ length: ROUNDS }, () => claimAndComplete(PER_ROUND));
    expect(queue.counts()).toMatchObject({ succeeded: WARMUP + ROUNDS * PER_ROUND, running: 0, queued: QUEUED - WARMUP - ROUNDS * PER_ROUND });
    const name = `queue: jobs claimed + completed per second, ${QUEUED.toLocaleString('en')} queued over ${SITES} sites`;
    recordBench(task, {
      rows: [
        { benchmark: `${name}, median of ${ROUNDS} rounds`, unit: 'jobs/s', lifeline: quantile(rates, 0.5), goal: { atLeast: GOAL_JOBS_PER_S } },
        { benchmark: `${name}, slowest round`, unit: 'jobs/s', lifeline: Math.min(...rates) },
      ],
      method:
        `${QUEUED.toLocaleString('en')} fifo jobs over ${SITES} sites enqueued through JobQueue.enqueueManual into a WAL database file ` +
        `(synchronous=NORMAL, as the agent opens it); then one worker claims (global limit 2) and completes jobs one after another, ` +
        `each claim a BEGIN IMMEDIATE transaction and each completion its own commit; ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en')} ` +
        `after ${WARMUP.toLocaleString('en')} warm-up jobs. No peer: the goal is ≥ ${GOAL_JOBS_PER_S.toLocaleString('en')} jobs/s absolute.`,
    });
  });
});
