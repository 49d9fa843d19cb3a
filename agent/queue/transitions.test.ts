import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EnqueueOutcome, Job } from './job';
import { QueueError } from './queue-error';
import { QueueFixture, deployRequest } from './testing/queue-fixture';

// Every state change, its happy path and its guard: a wrong owner or a wrong state returns false (or
// the refusing outcome) and leaves the row exactly as it was.

const LEASE_MS = 60_000;
const BACKOFF_MS = 10_000;

let fixture: QueueFixture;
beforeEach(() => {
  fixture = new QueueFixture({ leaseSeconds: LEASE_MS / 1000, backoffSeconds: BACKOFF_MS / 1000, maxAttempts: 3 });
});
afterEach(() => fixture.dispose());

function accepted(outcome: EnqueueOutcome): number {
  if (outcome.status !== 'accepted') throw new Error(`expected the job to be accepted, got ${JSON.stringify(outcome)}`);
  return outcome.jobId;
}

function enqueue(siteId = 'web'): number {
  return accepted(fixture.queue.enqueueManual({ policy: 'fifo', request: deployRequest(siteId) }));
}

function claim(owner = 'worker-a'): Job {
  const job = fixture.queue.claim(owner, { concurrency: 10 });
  if (!job) throw new Error('expected a job to claim');
  return job;
}

/** Asserts that `change` is refused and touches nothing of the job. */
function expectRefused(id: number, change: () => unknown, refusal: unknown): void {
  const before = fixture.row(id);
  expect(change()).toEqual(refusal);
  expect(fixture.row(id)).toEqual(before);
}

describe('claim (queued → running)', () => {
  it('leases the job to its owner for the lease time and counts the attempt', () => {
    const id = enqueue();
    const job = claim('worker-a');
    expect(job).toMatchObject({ id, state: 'running', attempts: 1, leaseOwner: 'worker-a', startedAt: fixture.clock.ms });
    expect(job.leaseExpiresAt).toBe(fixture.clock.ms + LEASE_MS);
    expect(fixture.queue.get(id)).toEqual(job);
  });

  it('does not take a job waiting for its retry before it is due', () => {
    const id = enqueue();
    claim();
    fixture.queue.fail(id, 'worker-a', 'boom');
    expectRefused(id, () => fixture.queue.claim('worker-b', { concurrency: 10 }), undefined);
    fixture.clock.advance(BACKOFF_MS);
    expect(claim('worker-b')).toMatchObject({ id, attempts: 2, leaseOwner: 'worker-b' });
  });
});

describe('heartbeat (running → running, later expiry)', () => {
  it("extends the owner's lease from now", () => {
    const id = enqueue();
    claim('worker-a');
    fixture.clock.advance(40_000);
    expect(fixture.queue.heartbeat(id, 'worker-a')).toBe(true);
    expect(fixture.queue.get(id)?.leaseExpiresAt).toBe(fixture.clock.ms + LEASE_MS);
  });

  it('is refused for another owner and for a job that is not running', () => {
    const id = enqueue();
    expectRefused(id, () => fixture.queue.heartbeat(id, 'worker-a'), false);
    claim('worker-a');
    expectRefused(id, () => fixture.queue.heartbeat(id, 'worker-b'), false);
    fixture.queue.complete(id, 'worker-a');
    expectRefused(id, () => fixture.queue.heartbeat(id, 'worker-a'), false);
  });
});

describe('complete (running → succeeded)', () => {
  it('finishes the job and frees its lease', () => {
    const id = enqueue();
    claim('worker-a');
    fixture.clock.advance(5_000);
    expect(fixture.queue.complete(id, 'worker-a')).toBe(true);
    expect(fixture.queue.get(id)).toMatchObject({ state: 'succeeded', finishedAt: fixture.clock.ms, leaseOwner: null, leaseExpiresAt: null });
  });

  it('is refused for another owner, a waiting job and a finished one', () => {
    const id = enqueue();
    expectRefused(id, () => fixture.queue.complete(id, 'worker-a'), false);
    claim('worker-a');
    expectRefused(id, () => fixture.queue.complete(id, 'worker-b'), false);
    fixture.queue.complete(id, 'worker-a');
    expectRefused(id, () => fixture.queue.complete(id, 'worker-a'), false);
  });
});

describe('fail (running → failed | dead | cancelled)', () => {
  it('waits a growing, jittered backoff between attempts and is dead after the last one', () => {
    const id = enqueue();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      claim('worker-a');
      const failedAt = fixture.clock.ms;
      expect(fixture.queue.fail(id, 'worker-a', `attempt ${attempt} broke`)).toBe('retrying');
      const job = fixture.queue.get(id) as Job;
      expect(job).toMatchObject({ state: 'failed', attempts: attempt, lastError: `attempt ${attempt} broke`, leaseOwner: null });
      delays.push(job.runAt - failedAt);
      fixture.clock.advance(job.runAt - failedAt);
    }
    // The fixture's jitter draws 0.5: three quarters of base × 2^(attempt − 1).
    expect(delays).toEqual([0.75 * BACKOFF_MS, 1.5 * BACKOFF_MS]);
    claim('worker-a');
    expect(fixture.queue.fail(id, 'worker-a', 'third time')).toBe('dead');
    expect(fixture.queue.get(id)).toMatchObject({ state: 'dead', attempts: 3, lastError: 'third time', finishedAt: fixture.clock.ms });
    expect(fixture.queue.claim('worker-a', { concurrency: 10 })).toBeUndefined();
  });

  it('ends a job whose cancel was asked for as cancelled, not retried', () => {
    const id = enqueue();
    claim('worker-a');
    expect(fixture.queue.cancel(id)).toBe('cancel-requested');
    expect(fixture.queue.fail(id, 'worker-a', 'killed by cancel')).toBe('cancelled');
    expect(fixture.queue.get(id)).toMatchObject({ state: 'cancelled', lastError: 'killed by cancel', cancelRequested: true });
  });

  it('is refused for another owner and for a job that is not running', () => {
    const id = enqueue();
    expectRefused(id, () => fixture.queue.fail(id, 'worker-a', 'x'), false);
    claim('worker-a');
    expectRefused(id, () => fixture.queue.fail(id, 'worker-b', 'x'), false);
    fixture.queue.complete(id, 'worker-a');
    expectRefused(id, () => fixture.queue.fail(id, 'worker-a', 'x'), false);
  });
});

describe('release (running → queued, attempt given back)', () => {
  it('puts the job back in its place ahead of newer ones', () => {
    const first = enqueue();
    fixture.clock.advance(1_000);
    claim('worker-a');
    const second = enqueue();
    expect(fixture.queue.release(first, 'worker-a')).toBe(true);
    expect(fixture.queue.get(first)).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null, finishedAt: null });
    expect(claim('worker-b').id).toBe(first);
    expect(fixture.queue.get(second)?.state).toBe('queued');
  });

  it('ends a job whose cancel was asked for as cancelled', () => {
    const id = enqueue();
    claim('worker-a');
    fixture.queue.cancel(id);
    expect(fixture.queue.release(id, 'worker-a')).toBe(true);
    expect(fixture.queue.get(id)).toMatchObject({ state: 'cancelled', finishedAt: fixture.clock.ms });
  });

  it('is refused for another owner and for a job that is not running', () => {
    const id = enqueue();
    expectRefused(id, () => fixture.queue.release(id, 'worker-a'), false);
    claim('worker-a');
    expectRefused(id, () => fixture.queue.release(id, 'worker-b'), false);
  });
});

describe('recoverExpired (running, lease expired → queued | dead | cancelled)', () => {
  it('leaves live leases alone and queues an expired one again, where another worker resumes it', () => {
    const id = enqueue();
    claim('worker-a');
    fixture.clock.advance(LEASE_MS - 1);
    expectRefused(id, () => fixture.queue.recoverExpired(), []);
    fixture.clock.advance(1);
    expect(fixture.queue.recoverExpired()).toEqual([id]);
    expect(fixture.queue.get(id)).toMatchObject({
      state: 'queued',
      attempts: 1,
      leaseOwner: null,
      lastError: 'the worker worker-a stopped renewing its lease; queued to resume',
    });
    // The dead worker, come back, has lost the job: it can neither renew nor finish it.
    expectRefused(id, () => fixture.queue.heartbeat(id, 'worker-a'), false);
    expectRefused(id, () => fixture.queue.complete(id, 'worker-a'), false);
    expect(claim('worker-b')).toMatchObject({ id, attempts: 2, leaseOwner: 'worker-b' });
  });

  it('buries a job whose last attempt died, and cancels one whose cancel was asked for', () => {
    const last = enqueue('web');
    const cancelled = enqueue('api');
    fixture.db.prepare('UPDATE jobs SET attempts = 2 WHERE id = ?').run(last);
    claim();
    claim();
    fixture.queue.cancel(cancelled);
    fixture.clock.advance(LEASE_MS);
    expect(fixture.queue.recoverExpired().sort()).toEqual([last, cancelled].sort());
    expect(fixture.queue.get(last)).toMatchObject({ state: 'dead', attempts: 3, finishedAt: fixture.clock.ms });
    expect(fixture.queue.get(last)?.lastError).toMatch(/during its last attempt/);
    expect(fixture.queue.get(cancelled)).toMatchObject({ state: 'cancelled', finishedAt: fixture.clock.ms });
  });
});

describe('cancel', () => {
  it('cancels a queued job and a job waiting for its retry at once', () => {
    const queued = enqueue('web');
    const retrying = enqueue('api');
    const job = fixture.queue.claim('worker-a', { concurrency: 10, exclude: ['web'] }) as Job;
    fixture.queue.fail(job.id, 'worker-a', 'boom');
    expect(fixture.queue.cancel(queued)).toBe('cancelled');
    expect(fixture.queue.cancel(retrying)).toBe('cancelled');
    expect(fixture.queue.get(queued)).toMatchObject({ state: 'cancelled', lastError: 'cancelled by an operator', finishedAt: fixture.clock.ms });
    expect(fixture.queue.get(retrying)?.state).toBe('cancelled');
  });

  it('flags a running job for its lease holder and keeps it running', () => {
    const id = enqueue();
    claim('worker-a');
    expect(fixture.queue.cancel(id)).toBe('cancel-requested');
    expect(fixture.queue.get(id)).toMatchObject({ state: 'running', cancelRequested: true, leaseOwner: 'worker-a' });
    expect(fixture.queue.cancel(id)).toBe('cancel-requested');
  });

  it('refuses a finished job and names a missing one', () => {
    const id = enqueue();
    claim('worker-a');
    fixture.queue.complete(id, 'worker-a');
    expectRefused(id, () => fixture.queue.cancel(id), 'not-cancellable');
    expect(fixture.queue.cancel(9_999)).toBe('not-found');
  });
});

describe('retry', () => {
  function deadJob(): number {
    const id = enqueue();
    fixture.db.prepare('UPDATE jobs SET max_attempts = 1 WHERE id = ?').run(id);
    claim('worker-a');
    fixture.queue.fail(id, 'worker-a', 'broken');
    return id;
  }

  it('makes a new job with the same request and priority from a dead one, which stays dead', () => {
    const dead = deadJob();
    fixture.clock.advance(1_000);
    const outcome = fixture.queue.retry(dead);
    expect(outcome).toMatchObject({ status: 'accepted', position: 1 });
    const fresh = fixture.queue.get(accepted(outcome)) as Job;
    const old = fixture.queue.get(dead) as Job;
    expect(fresh).toMatchObject({ state: 'queued', attempts: 0, maxAttempts: 3, retryOf: dead, request: old.request, priority: old.priority });
    expect(fresh.createdAt).toBe(fixture.clock.ms);
    expect(old.state).toBe('dead');
  });

  it('makes a new job from a succeeded or cancelled one on purpose', () => {
    const done = enqueue();
    claim();
    fixture.queue.complete(done, 'worker-a');
    expect(fixture.queue.retry(done).status).toBe('accepted');
    const cancelled = enqueue('api');
    fixture.queue.cancel(cancelled);
    expect(fixture.queue.retry(cancelled).status).toBe('accepted');
  });

  it('replaces a job waiting for its automatic retry, so the deploy does not run twice', () => {
    const id = enqueue();
    claim('worker-a');
    fixture.queue.fail(id, 'worker-a', 'boom');
    const fresh = accepted(fixture.queue.retry(id, 'reject-if-busy'));
    expect(fixture.queue.get(id)).toMatchObject({ state: 'cancelled', lastError: `replaced by job ${fresh}` });
    expect(fixture.queue.counts()).toMatchObject({ queued: 1, failed: 0, cancelled: 1 });
  });

  it('refuses a queued or running job and a missing one with a message that says what to do', () => {
    const queued = enqueue('web');
    const running = enqueue('api');
    fixture.queue.claim('worker-a', { concurrency: 10, exclude: ['web'] });
    for (const id of [queued, running]) {
      const before = fixture.queue.counts();
      let error: unknown;
      expectRefused(id, () => {
        try {
          return fixture.queue.retry(id);
        } catch (thrown) {
          error = thrown;
          return false;
        }
      }, false);
      expect(error).toBeInstanceOf(QueueError);
      expect(error).toMatchObject({ code: 'NOT_RETRYABLE', message: expect.stringMatching(/Wait for it to finish, or cancel it/) });
      expect(fixture.queue.counts()).toEqual(before);
    }
    expect(() => fixture.queue.retry(404)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('There is no job 404') }));
  });
});
