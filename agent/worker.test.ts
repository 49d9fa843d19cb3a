import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeployRunner } from './deploy/runner';
import { TestRepository } from './deploy/testing/git-repo';
import { isRunning, killGroups, readPids, waitFor } from './deploy/testing/processes';
import { testRequest, testSite } from './deploy/testing/site';
import type { SiteConfig } from './deploy/types';
import { collectingLogger, type LogCollector } from './log/testing';
import { agentMigrations } from './migrations';
import type { JobState } from './queue/job';
import { JobQueue } from './queue/job-queue';
import { openDatabase, type Database } from './store/sqlite';
import { DeployWorker } from './worker';

// The worker with its real parts: the SQLite queue and the deploy runner on a database file, sites
// whose deploys check out a real git repository and run real commands.

// Short leases, so that heartbeats (every third of it) see a cancel quickly and a lost lease expires soon.
const LEASE_SECONDS = 1.5;

let dir: string;
let upstream: TestRepository;
let commit: string;
let log: LogCollector;
const connections: Database[] = [];
const workers: DeployWorker[] = [];

const file = (name: string) => join(dir, name);
/** The non-empty lines the steps wrote to a file, or none yet. */
const lines = (name: string): string[] => (existsSync(file(name)) ? readFileSync(file(name), 'utf8').split('\n').filter(Boolean) : []);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-worker-'));
  upstream = new TestRepository(file('upstream'));
  commit = upstream.commit({ 'index.html': 'hello\n' });
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop(5_000)));
  killGroups(readPids(file('pids')));
  for (const db of connections.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Parts {
  db: Database;
  queue: JobQueue;
  runner: DeployRunner;
}

/** A connection to the database with its own queue and runner, as each agent process has. */
function connect(makeQueue: (db: Database) => JobQueue = (db) => new JobQueue(db, queueOptions)): Parts {
  const db = openDatabase({ path: file('agent.db'), migrations: agentMigrations });
  connections.push(db);
  const env = { ...process.env, MARKS: file('marks'), PIDS: file('pids'), GO: file('go') };
  return { db, queue: makeQueue(db), runner: new DeployRunner({ db, logsDir: file('jobs'), jobLogMaxBytes: 1_000_000, killGraceMs: 500, env }) };
}

const queueOptions = { backoffSeconds: 0.05, maxAttempts: 3, leaseSeconds: LEASE_SECONDS };

function startWorker(parts: Parts, sites: SiteConfig[], concurrency: number): DeployWorker {
  const collecting = collectingLogger();
  log = collecting.collector;
  const worker = new DeployWorker({
    queue: parts.queue,
    runner: parts.runner,
    sites: new Map(sites.map((site) => [site.id, site])),
    concurrency,
    leaseSeconds: LEASE_SECONDS,
    log: collecting.logger,
    pollMs: 20,
  });
  workers.push(worker);
  worker.start();
  return worker;
}

/** A fifo site that checks out the commit, then runs `script` with sh in the release. */
function gitSite(id: string, script: string): SiteConfig {
  return testSite(dir, upstream.dir, {
    id,
    dir: file(`sites/${id}`),
    queue: 'fifo',
    steps: [{ kind: 'git' }, { kind: 'command', argv: ['sh', '-c', script] }],
  });
}

/** A fifo site with just the command, for tests about scheduling rather than checkouts. */
function commandSite(id: string, script: string): SiteConfig {
  return { ...gitSite(id, script), steps: [{ kind: 'command', argv: ['sh', '-c', script] }] };
}

function enqueue(queue: JobQueue, siteId: string): number {
  const outcome = queue.enqueueManual({ policy: 'fifo', request: testRequest(commit, { siteId }) });
  if (outcome.status !== 'accepted') throw new Error(`not queued: ${JSON.stringify(outcome)}`);
  return outcome.jobId;
}

function waitForState(queue: JobQueue, jobId: number, state: JobState): Promise<void> {
  return waitFor(`job ${jobId} to be ${state} (it is ${queue.get(jobId)?.state})`, () => queue.get(jobId)?.state === state, 30_000);
}

// Records its process id, then holds the site until the test creates the GO file.
const HOLD = 'echo $$ >> "$PIDS"; while [ ! -e "$GO" ]; do sleep 0.05; done';

describe('DeployWorker', () => {
  it('deploys a queued job and completes it', async () => {
    const parts = connect();
    const site = gitSite('web', 'echo "$LIFELINE_JOB_ID $LIFELINE_COMMIT $(cat index.html)" >> "$MARKS"');
    const jobId = enqueue(parts.queue, 'web');
    startWorker(parts, [site], 2);

    await waitForState(parts.queue, jobId, 'succeeded');
    expect(lines('marks')).toEqual([`${jobId} ${commit} hello`]);
    expect(parts.queue.get(jobId)).toMatchObject({ attempts: 1, lastError: null, leaseOwner: null });
    expect(parts.runner.currentRelease('web')).toMatchObject({ jobId, commit });
  });

  it('retries a failing deploy with backoff until it is out of attempts, then leaves it dead', async () => {
    const parts = connect();
    const site = gitSite('web', 'echo "$LIFELINE_JOB_ID" >> "$MARKS"; exit 3');
    const jobId = enqueue(parts.queue, 'web');
    startWorker(parts, [site], 2);

    await waitForState(parts.queue, jobId, 'dead');
    expect(lines('marks')).toEqual([jobId, jobId, jobId].map(String));
    const job = parts.queue.get(jobId);
    expect(job).toMatchObject({ attempts: 3, maxAttempts: 3 });
    expect(job?.lastError).toContain('sh exited with code 3');
    expect(parts.runner.deploys(jobId).map((deploy) => [deploy.attempt, deploy.phase])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
    ]);
  });

  it('kills the whole process group of a running job that is cancelled, and ends the job cancelled', async () => {
    const parts = connect();
    // A background child in the step's group must go too.
    const site = gitSite('web', `sleep 60 & echo $! >> "$PIDS"; ${HOLD}`);
    const jobId = enqueue(parts.queue, 'web');
    startWorker(parts, [site], 2);
    await waitFor('the step and its child to start', () => readPids(file('pids')).length === 2);
    const pids = readPids(file('pids'));
    expect(pids.every(isRunning)).toBe(true);

    expect(parts.queue.cancel(jobId)).toBe('cancel-requested');
    await waitForState(parts.queue, jobId, 'cancelled');
    expect(pids.filter(isRunning)).toEqual([]);
    expect(parts.runner.deploys(jobId)).toEqual([expect.objectContaining({ phase: 'cancelled' })]);
    expect(parts.runner.currentRelease('web')).toBeUndefined();
  });

  it('stop() interrupts a running deploy and releases its job; a new worker resumes and finishes it', async () => {
    const parts = connect();
    const site = gitSite('web', HOLD);
    const jobId = enqueue(parts.queue, 'web');
    const first = startWorker(parts, [site], 2);
    await waitFor('the step to start', () => readPids(file('pids')).length === 1);
    const [pid] = readPids(file('pids'));

    await first.stop(5_000);
    expect(isRunning(pid)).toBe(false);
    // Back in its place, the attempt given back: a shutdown is not the deploy's fault.
    expect(parts.queue.get(jobId)).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null });
    expect(first.active).toEqual([]);

    writeFileSync(file('go'), '');
    startWorker(connect(), [site], 2);
    await waitForState(parts.queue, jobId, 'succeeded');
    // The same deploy resumed (not a new attempt), its interrupted step run again from its start.
    expect(parts.runner.deploys(jobId)).toEqual([expect.objectContaining({ attempt: 1, phase: 'succeeded' })]);
    expect(readPids(file('pids'))).toHaveLength(2);
    expect(parts.queue.get(jobId)?.attempts).toBe(1);
  });

  it('keeps a deploy that outlasts its lease by renewing it, so no other worker takes the job', async () => {
    const parts = connect();
    const site = commandSite('web', `echo "$LIFELINE_JOB_ID" >> "$MARKS"; sleep ${LEASE_SECONDS * 2.5}`);
    const jobId = enqueue(parts.queue, 'web');
    startWorker(parts, [site], 2);
    await waitFor('the step to start', () => lines('marks').length === 1);
    // A second worker polls all along, and would recover the job had its lease run out.
    startWorker(connect(), [site], 2);

    await waitForState(parts.queue, jobId, 'succeeded');
    expect(lines('marks')).toEqual([String(jobId)]);
    expect(parts.queue.get(jobId)?.attempts).toBe(1);
  });

  it('runs no more deploys at once than the global concurrency', async () => {
    const parts = connect();
    const script = 'echo "$LIFELINE_JOB_ID start" >> "$MARKS"; while [ ! -e "$GO" ]; do sleep 0.02; done; echo "$LIFELINE_JOB_ID end" >> "$MARKS"';
    const sites = ['a', 'b', 'c', 'd'].map((id) => commandSite(id, script));
    const jobIds = sites.flatMap((site) => [enqueue(parts.queue, site.id), enqueue(parts.queue, site.id)]);
    startWorker(parts, sites, 2);

    await waitFor('two deploys to start', () => lines('marks').length === 2);
    expect(parts.queue.counts()).toMatchObject({ running: 2, queued: 6 });
    writeFileSync(file('go'), '');
    for (const jobId of jobIds) await waitForState(parts.queue, jobId, 'succeeded');

    expect(mostAtOnce(lines('marks'))).toBe(2);
  });

  it('never runs two deploys of one site at once, even with two workers on two connections', async () => {
    const parts = connect();
    const site = commandSite('solo', 'echo "$LIFELINE_JOB_ID start" >> "$MARKS"; sleep 0.1; echo "$LIFELINE_JOB_ID end" >> "$MARKS"');
    const jobIds = Array.from({ length: 5 }, () => enqueue(parts.queue, 'solo'));
    startWorker(parts, [site], 4);
    startWorker(connect(), [site], 4);

    for (const jobId of jobIds) await waitForState(parts.queue, jobId, 'succeeded');
    // One after the other, in the order they were queued (fifo).
    expect(lines('marks')).toEqual(jobIds.flatMap((id) => [`${id} start`, `${id} end`]));
  });

  it('survives the queue failing to record an outcome: the job is recovered when its lease runs out', async () => {
    let failures = 1;
    const parts = connect(
      (db) =>
        new (class extends JobQueue {
          // What a database locked by another process beyond the busy timeout looks like to the worker.
          override complete(jobId: number, owner: string): boolean {
            if (failures-- > 0) throw new Error('database is locked');
            return super.complete(jobId, owner);
          }
        })(db, queueOptions),
    );
    const site = gitSite('web', 'echo "$LIFELINE_JOB_ID" >> "$MARKS"');
    const jobId = enqueue(parts.queue, 'web');
    startWorker(parts, [site], 2);

    await waitForState(parts.queue, jobId, 'succeeded');
    expect(log.records()).toContainEqual(
      expect.objectContaining({ msg: 'could not record what became of a job; it is recovered once its lease runs out', jobId }),
    );
    // The deploy had finished, so the recovered job completes without deploying again.
    expect(lines('marks')).toEqual([String(jobId)]);
    expect(parts.runner.deploys(jobId)).toEqual([expect.objectContaining({ phase: 'succeeded' })]);
  });
});

/** The most deploys running at once in a list of "<job> start" / "<job> end" lines, in the order they happened. */
function mostAtOnce(marks: string[]): number {
  let running = 0;
  let most = 0;
  for (const mark of marks) {
    running += mark.endsWith(' start') ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}
