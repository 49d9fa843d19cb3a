// A second process on the queue's database, for the tests that need real contention between processes
// (processes.test.ts). It is compiled by child-build.ts and run with plain node:
//   node queue-child.js enqueue <db> <count> <hookId> <deliveryId>
//   node queue-child.js work <db> <owner> <concurrency>
// It prints "ready" once the database is open, starts on a "go" line from stdin (so that every child
// starts together), and prints one JSON line with what it did before it exits.
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, type Database } from '../../store/sqlite';
import type { EnqueueOutcome } from '../job';
import { JobQueue } from '../job-queue';
import { queueMigration } from '../schema';

async function main(argv: string[]): Promise<unknown> {
  const [mode, path, ...rest] = argv;
  const db = openDatabase({ path, migrations: [queueMigration] });
  try {
    const queue = new JobQueue(db, { leaseSeconds: 5 });
    await startSignal();
    if (mode === 'enqueue') return enqueue(queue, Number(rest[0]), rest[1], rest[2]);
    if (mode === 'work') return await work(db, queue, rest[0], Number(rest[1]));
    throw new Error(`unknown mode ${mode}`);
  } finally {
    db.close();
  }
}

function startSignal(): Promise<void> {
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  return new Promise((resolve) => {
    lines.on('line', (line) => {
      if (line !== 'go') return;
      lines.close();
      resolve();
    });
  });
}

function enqueue(queue: JobQueue, count: number, hookId: string, deliveryId: string): EnqueueOutcome[] {
  return Array.from({ length: count }, () =>
    queue.enqueueDelivery({
      hookId,
      deliveryId,
      policy: 'coalesce-latest',
      priority: 0,
      request: { siteId: 'web', environment: 'production', repository: 'acme/web', branch: 'main', commit: 'c'.repeat(40), event: 'push' },
    }),
  );
}

/**
 * Claims and completes jobs until none is left, writing 'start' after each claim and 'end' before each
 * complete into the test's `observations` table, whose row order is the order the events happened in.
 */
async function work(db: Database, queue: JobQueue, owner: string, concurrency: number): Promise<{ claimed: number[] }> {
  const observe = db.prepare('INSERT INTO observations (owner, job_id, site_id, event) VALUES (?, ?, ?, ?)');
  const claimed: number[] = [];
  for (;;) {
    const job = queue.claim(owner, { concurrency });
    if (!job) {
      const counts = queue.counts();
      if (counts.queued === 0 && counts.running === 0) return { claimed };
      await sleep(1);
      continue;
    }
    claimed.push(job.id);
    observe.run(owner, job.id, job.siteId, 'start');
    // Hold the site for a moment, so the other process tries to take it meanwhile.
    await sleep(1);
    observe.run(owner, job.id, job.siteId, 'end');
    if (!queue.complete(job.id, owner)) throw new Error(`${owner} lost job ${job.id} it was holding`);
  }
}

main(process.argv.slice(2)).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
