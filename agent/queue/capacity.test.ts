import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnqueueOutcome, Job } from './job';
import { QueueFixture, commitOf, deployRequest } from './testing/queue-fixture';

const JOBS = 100_000;
const SITES = 50;
const PER_SITE = JOBS / SITES;

const siteOf = (n: number) => `site-${n % SITES}`;

function accepted(outcome: EnqueueOutcome): { jobId: number; position: number; replaced?: number[] } {
  if (outcome.status !== 'accepted') throw new Error(`expected the job to be accepted, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe(`a queue holding ${JOBS.toLocaleString('en')} waiting jobs over ${SITES} sites`, () => {
  let fixture: QueueFixture;
  const lastPositions: number[] = [];
  beforeAll(() => {
    fixture = new QueueFixture();
    // One outer transaction makes each enqueue a savepoint: what is tested here is how the queue
    // behaves when this full, not how fast the disk commits 100,000 times (the benchmark does that).
    fixture.db.transaction(() => {
      for (let n = 0; n < JOBS; n++) {
        const outcome = accepted(fixture.queue.enqueueManual({ policy: 'fifo', request: deployRequest(siteOf(n), commitOf(n)) }));
        if (n >= JOBS - SITES) lastPositions.push(outcome.position);
      }
    })();
  }, 60_000);
  afterAll(() => fixture.dispose());

  it('holds every job, each last one at the back of its site', () => {
    expect(fixture.queue.counts().queued).toBe(JOBS);
    expect(lastPositions).toEqual(Array(SITES).fill(PER_SITE));
  });

  it('puts a priority deploy at the front of its site and coalesces a whole site into one push', () => {
    expect(fixture.queue.enqueueManual({ policy: 'fifo', priority: 1, request: deployRequest('site-1', commitOf(JOBS)) })).toMatchObject({
      position: 1,
    });
    const coalesced = accepted(fixture.queue.enqueueManual({ policy: 'coalesce-latest', request: deployRequest('site-0', commitOf(JOBS + 1)) }));
    expect(coalesced.position).toBe(1);
    expect(coalesced.replaced).toHaveLength(PER_SITE);
    expect(fixture.queue.counts()).toMatchObject({ queued: JOBS - PER_SITE + 2, cancelled: PER_SITE });
  });

  it('claims one job per site up to the limit, each the head of its site', () => {
    const claimed: Job[] = [];
    for (let job = fixture.queue.claim('w', { concurrency: SITES }); job; job = fixture.queue.claim('w', { concurrency: SITES })) claimed.push(job);
    expect(claimed).toHaveLength(SITES);
    expect(new Set(claimed.map((job) => job.siteId)).size).toBe(SITES);
    // The priority deploy first, then the oldest job of each site (site-0's only one is the coalesced push).
    expect(claimed[0].request.commit).toBe(commitOf(JOBS));
    const heads = claimed.slice(1).map((job) => job.request.commit);
    expect(heads).toEqual([...Array.from({ length: SITES - 2 }, (_, i) => commitOf(i + 2)), commitOf(JOBS + 1)]);
    for (const job of claimed) expect(fixture.queue.complete(job.id, 'w')).toBe(true);
  });

  it('goes on claiming in order, one at a time, through the full queue', () => {
    const commits: string[] = [];
    for (let i = 0; i < 1_000; i++) {
      const job = fixture.queue.claim('w', { concurrency: 1 }) as Job;
      commits.push(job.request.commit);
      expect(fixture.queue.complete(job.id, 'w')).toBe(true);
    }
    // Everything left is fifo at one priority, so it runs in creation order: site-1's head (its priority
    // deploy ran in its place above), then the rest, without site-0's replaced jobs.
    const expected = Array.from({ length: JOBS }, (_, n) => n)
      .filter((n) => n % SITES !== 0 && (n === 1 || n >= SITES))
      .slice(0, 1_000)
      .map(commitOf);
    expect(commits).toEqual(expected);
    expect(fixture.queue.counts()).toMatchObject({ succeeded: SITES + 1_000, running: 0 });
  });
});
