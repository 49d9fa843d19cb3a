import { describe, expect, it } from 'vitest';
import { ChunkBatcher } from './batch';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('ChunkBatcher', () => {
  it('joins the chunks of one event-loop turn into one delivery, in order', async () => {
    const delivered: string[] = [];
    const batcher = new ChunkBatcher((chunk) => delivered.push(chunk.toString()));
    batcher.push(Buffer.from('ab'));
    batcher.push(Buffer.from('cd'));
    expect(delivered).toEqual([]);
    await nextTurn();
    batcher.push(Buffer.from('ef'));
    await nextTurn();
    expect(delivered).toEqual(['abcd', 'ef']);
  });

  it('delivers at once when a batch reaches its size limit', () => {
    const delivered: string[] = [];
    const batcher = new ChunkBatcher((chunk) => delivered.push(chunk.toString()), 4);
    batcher.push(Buffer.from('abc'));
    batcher.push(Buffer.from('de'));
    expect(delivered).toEqual(['abcde']);
  });

  it('flushes on demand, and discards without delivering', async () => {
    const delivered: string[] = [];
    const batcher = new ChunkBatcher((chunk) => delivered.push(chunk.toString()));
    batcher.push(Buffer.from('now'));
    batcher.flush();
    batcher.push(Buffer.from('never'));
    batcher.discard();
    await nextTurn();
    expect(delivered).toEqual(['now']);
  });
});
