import { describe, expect, it } from 'vitest';
import { batchAcks } from './ack-batch';

describe('batchAcks', () => {
  it('sends the acks given within one task as one sum, after the task', async () => {
    const sent: number[] = [];
    const ack = batchAcks((bytes) => sent.push(bytes));
    ack(4096);
    ack(100);
    ack(1);
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toEqual([4197]);
  });

  it('starts a new sum for the next task', async () => {
    const sent: number[] = [];
    const ack = batchAcks((bytes) => sent.push(bytes));
    ack(10);
    await new Promise((resolve) => setTimeout(resolve, 0));
    ack(20);
    ack(30);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sent).toEqual([10, 50]);
  });
});
