import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueOutcome } from './job';
import { buildQueueChild } from './testing/child-build';
import { QueueFixture, deployRequest } from './testing/queue-fixture';

// Real contention: several Node processes on one database file, each with its own connection and its
// own copy of the queue, started together.

let build: { dir: string; script: string; env: NodeJS.ProcessEnv };
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-queue-child-'));
  build = { dir, ...buildQueueChild(dir) };
});
afterAll(() => rmSync(build.dir, { recursive: true, force: true }));

let fixture: QueueFixture;
const children: ChildProcessWithoutNullStreams[] = [];
beforeEach(() => {
  fixture = new QueueFixture();
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fixture.dispose();
});

interface Child {
  ready: Promise<void>;
  result: Promise<unknown>;
  go(): void;
}

function startChild(args: string[]): Child {
  const child = spawn(process.execPath, [build.script, ...args], { env: build.env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`queue child ${args.join(' ')} exited ${code}: ${stderr}`));
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1]));
    });
  });
  // A child that fails before it is ready must fail the test, not hang it.
  result.catch(() => markReady());
  return { ready, result, go: () => child.stdin.end('go\n') };
}

async function runTogether(argsList: string[][]): Promise<unknown[]> {
  const started = argsList.map(startChild);
  await Promise.all(started.map((child) => child.ready));
  for (const child of started) child.go();
  return Promise.all(started.map((child) => child.result));
}

describe('several processes on one database', () => {
  it('make one job from 100 concurrent deliveries of one delivery id', async () => {
    const results = (await runTogether(Array.from({ length: 4 }, () => ['enqueue', fixture.path, '25', 'github', 'same-delivery']))) as EnqueueOutcome[][];
    const outcomes = results.flat();
    expect(outcomes).toHaveLength(100);
    const accepted = outcomes.filter((outcome) => outcome.status === 'accepted');
    expect(accepted).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'duplicate' && outcome.jobId === accepted[0].jobId)).toHaveLength(99);
    expect(fixture.db.prepare('SELECT count(*) FROM jobs').pluck().get()).toBe(1);
    expect(fixture.queue.deliveries()).toHaveLength(1);
  });

  it('never claim a job twice, never run two jobs of a site at once, and keep to the global limit', async () => {
    fixture.db.exec('CREATE TABLE observations (seq INTEGER PRIMARY KEY, owner TEXT NOT NULL, job_id INTEGER NOT NULL, site_id TEXT NOT NULL, event TEXT NOT NULL)');
    const JOBS = 300;
    for (let n = 0; n < JOBS; n++) fixture.queue.enqueueManual({ policy: 'fifo', request: deployRequest(`site-${n % 4}`) });
    const results = (await runTogether([
      ['work', fixture.path, 'worker-a', '3'],
      ['work', fixture.path, 'worker-b', '3'],
    ])) as { claimed: number[] }[];

    const claimed = results.flatMap((result) => result.claimed);
    expect(claimed).toHaveLength(JOBS);
    expect(new Set(claimed).size).toBe(JOBS);
    // Both processes really competed for the work.
    for (const result of results) expect(result.claimed.length).toBeGreaterThan(0);
    expect(fixture.queue.counts()).toMatchObject({ succeeded: JOBS, queued: 0, running: 0 });

    const events = fixture.db
      .prepare<[], { owner: string; job_id: number; site_id: string; event: 'start' | 'end' }>('SELECT owner, job_id, site_id, event FROM observations ORDER BY seq')
      .all();
    expect(events).toHaveLength(2 * JOBS);
    const holders = new Map<string, number>();
    let open = 0;
    let mostOpen = 0;
    for (const event of events) {
      if (event.event === 'start') {
        expect(holders.get(event.site_id), `site ${event.site_id} taken by job ${event.job_id} while job ${holders.get(event.site_id)} held it`).toBeUndefined();
        holders.set(event.site_id, event.job_id);
        mostOpen = Math.max(mostOpen, ++open);
      } else {
        expect(holders.get(event.site_id)).toBe(event.job_id);
        holders.delete(event.site_id);
        open--;
      }
    }
    expect(mostOpen).toBeLessThanOrEqual(3);
  });
});
