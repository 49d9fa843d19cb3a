import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';
import type { DeliveryInput } from './job-queue';
import { QueueFixture, commitOf, deployRequest } from './testing/queue-fixture';

let fixture: QueueFixture;
beforeEach(() => {
  fixture = new QueueFixture();
});
afterEach(() => fixture.dispose());

const delivery = (n: number, deliveryId = `delivery-${n}`): DeliveryInput => ({
  hookId: 'github',
  deliveryId,
  policy: 'fifo',
  priority: 0,
  request: deployRequest('web', commitOf(n)),
});

const count = (table: 'jobs' | 'deliveries'): number => fixture.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('JobQueue.enqueueDeliveries', () => {
  it('takes a batch in order in one transaction: a duplicate inside the batch is a duplicate', () => {
    const outcomes = fixture.queue.enqueueDeliveries([delivery(1), delivery(2), delivery(3, 'delivery-1')]);
    expect(outcomes).toEqual([
      { status: 'accepted', jobId: 1, position: 1 },
      { status: 'accepted', jobId: 2, position: 2 },
      { status: 'duplicate', jobId: 1 },
    ]);
    expect(count('jobs')).toBe(2);
  });

  it('rolls back only the item that fails, returning its error in its place', () => {
    const bad = { ...delivery(2), deliveryId: '' };
    const outcomes = fixture.queue.enqueueDeliveries([delivery(1), bad, delivery(3)]);
    expect(outcomes[0]).toEqual({ status: 'accepted', jobId: 1, position: 1 });
    expect(outcomes[1]).toBeInstanceOf(Error);
    expect(outcomes[2]).toMatchObject({ status: 'accepted', position: 2 });
    expect(count('jobs')).toBe(2);
    expect(count('deliveries')).toBe(2);
  });
});

describe('GroupCommit', () => {
  it('commits the deliveries of one turn together and answers each with its own outcome', async () => {
    const batches: number[] = [];
    const queue = fixture.queue;
    const group = new GroupCommit({ enqueueDeliveries: (inputs) => (batches.push(inputs.length), queue.enqueueDeliveries(inputs)) });
    const answers = await Promise.all([group.enqueue(delivery(1)), group.enqueue(delivery(2)), group.enqueue(delivery(1))]);
    expect(batches).toEqual([3]);
    expect(answers.map((answer) => answer.status)).toEqual(['accepted', 'accepted', 'duplicate']);
    await group.enqueue(delivery(4));
    expect(batches).toEqual([3, 1]);
  });

  it('commits at once when a group is full', async () => {
    const batches: number[] = [];
    const queue = fixture.queue;
    const group = new GroupCommit({ enqueueDeliveries: (inputs) => (batches.push(inputs.length), queue.enqueueDeliveries(inputs)) }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => group.enqueue(delivery(n))));
    expect(batches).toEqual([2, 2, 1]);
    expect(count('jobs')).toBe(5);
  });

  it('rejects every waiting delivery when the commit itself fails, and one item alone when only it fails', async () => {
    const failing = new GroupCommit({
      enqueueDeliveries: () => {
        throw new Error('database or disk is full');
      },
    });
    const results = await Promise.allSettled([failing.enqueue(delivery(1)), failing.enqueue(delivery(2))]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);

    const group = new GroupCommit(fixture.queue);
    const mixed = await Promise.allSettled([group.enqueue(delivery(1)), group.enqueue({ ...delivery(2), hookId: '' })]);
    expect(mixed.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
  });
});
