import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { FlowControl, type FlowLimits } from './flow';

const CHUNK = 16 * 1024;
const LIMITS: FlowLimits = { highWatermark: 64 * 1024, lowWatermark: 8 * 1024, replayBytes: 48 * 1024 };

/** `total` bytes of a fixed pseudo-random pattern, produced only as fast as the stream is read. */
function patternSource(total: number): { stream: Readable; data: Buffer } {
  const data = Buffer.alloc(total);
  let state = 0x2545f491;
  for (let i = 0; i < total; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  function* chunks(): Generator<Buffer> {
    for (let offset = 0; offset < total; offset += CHUNK) yield data.subarray(offset, offset + CHUNK);
  }
  return { stream: Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK }), data };
}

const sha256 = (buffers: readonly Buffer[]): string => createHash('sha256').update(Buffer.concat(buffers)).digest('hex');

/** Waits until the source has stopped producing: paused, and nothing more arrives meanwhile. */
async function settled(flow: FlowControl): Promise<void> {
  for (;;) {
    const before = flow.stats.held;
    await sleep(20);
    if (flow.stats.paused && flow.stats.held === before) return;
  }
}

describe('FlowControl', () => {
  it('delivers every byte in order to a consumer that acks late, holding no more than the high watermark and a chunk', async () => {
    const { stream, data } = patternSource(4 * 1024 * 1024);
    const flow = new FlowControl(LIMITS);
    const received: Buffer[] = [];
    let pending = 0;
    const consumer = flow.attach((chunk) => {
      received.push(chunk);
      pending += chunk.length;
    });
    // The consumer acks what it got so far only every few milliseconds, like a busy renderer.
    const acker = setInterval(() => {
      consumer.ack(pending);
      pending = 0;
    }, 3);
    const disconnect = flow.connect(stream);
    try {
      await once(stream, 'end');
    } finally {
      clearInterval(acker);
      disconnect();
    }
    expect(Buffer.concat(received).length).toBe(data.length);
    expect(sha256(received)).toBe(sha256([data]));
    expect(flow.stats.pauses).toBeGreaterThan(0);
    expect(flow.stats.maxUnacknowledged).toBeLessThanOrEqual(LIMITS.highWatermark + CHUNK);
  });

  it('without a consumer pauses once the replay is full, and hands everything to the next consumer', async () => {
    const { stream, data } = patternSource(512 * 1024);
    const flow = new FlowControl(LIMITS);
    flow.connect(stream);
    await settled(flow);
    expect(flow.stats.held).toBeGreaterThanOrEqual(LIMITS.replayBytes);
    expect(flow.stats.held).toBeLessThanOrEqual(LIMITS.replayBytes + CHUNK);

    const received: Buffer[] = [];
    const ended = once(stream, 'end');
    const consumer = flow.attach((chunk) => {
      received.push(chunk);
      setImmediate(() => consumer.ack(chunk.length));
    });
    await ended;
    expect(sha256(received)).toBe(sha256([data]));
  });

  it('replays the most recent output to a new consumer after the last one left', async () => {
    const { stream, data } = patternSource(256 * 1024);
    const flow = new FlowControl(LIMITS);
    const first = flow.attach((chunk) => setImmediate(() => first.ack(chunk.length)));
    flow.connect(stream);
    await once(stream, 'end');
    first.detach();

    const replay: Buffer[] = [];
    flow.attach((chunk) => replay.push(chunk));
    expect(replay).toHaveLength(1);
    expect(replay[0].length).toBeGreaterThanOrEqual(LIMITS.replayBytes);
    expect(replay[0].length).toBeLessThanOrEqual(LIMITS.replayBytes + CHUNK);
    expect(replay[0].equals(data.subarray(data.length - replay[0].length))).toBe(true);
    expect(flow.stats.unacknowledged).toBe(replay[0].length);
  });

  it('ignores acks of a replaced consumer and acks beyond what was delivered', async () => {
    const { stream } = patternSource(40 * 1024);
    const flow = new FlowControl(LIMITS);
    const old = flow.attach(() => undefined);
    flow.connect(stream);
    await once(stream, 'end');
    const current = flow.attach(() => undefined);
    expect(flow.stats.unacknowledged).toBe(40 * 1024); // the replay
    old.ack(40 * 1024);
    expect(flow.stats.unacknowledged).toBe(40 * 1024);
    current.ack(-5);
    current.ack(1.5);
    expect(flow.stats.unacknowledged).toBe(40 * 1024);
    current.ack(1_000_000);
    expect(flow.stats.unacknowledged).toBe(0);
  });

  it('pauses for an outside hold until it is released', async () => {
    const { stream, data } = patternSource(128 * 1024);
    const flow = new FlowControl(LIMITS);
    const received: Buffer[] = [];
    const consumer = flow.attach((chunk) => {
      received.push(chunk);
      consumer.ack(chunk.length);
    });
    const release = flow.hold('log');
    flow.connect(stream);
    await sleep(20);
    expect(received).toHaveLength(0);
    expect(stream.isPaused()).toBe(true);
    release();
    await once(stream, 'end');
    expect(sha256(received)).toBe(sha256([data]));
  });

  it('refuses watermarks that would never resume the source', () => {
    expect(() => new FlowControl({ highWatermark: 10, lowWatermark: 10, replayBytes: 10 })).toThrow(/low watermark must be below/);
  });
});
