import { describe, expect, it } from 'vitest';
import type { LinkSample } from '../store/link-samples';
import { linkPoints } from './link-points';

const FROM = Date.parse('2025-01-01T00:00:00.000Z');
const sample = (layer: LinkSample['layer'], secondsIn: number, ok: boolean, latencyMs: number): LinkSample => ({
  serverId: 's',
  layer,
  at: new Date(FROM + secondsIn * 1000).toISOString(),
  ok,
  latencyMs,
  error: ok ? null : 'down',
});

describe('linkPoints', () => {
  it('gives one point per probe while a layer has few, oldest first across layers', () => {
    const points = linkPoints([sample('bridge', 0, true, 1), sample('exec', 5, false, 9), sample('bridge', 10, true, 3)], FROM, FROM + 20_000, 10);
    expect(points).toEqual([
      { layer: 'bridge', at: '2025-01-01T00:00:00.000Z', latencyMs: 1, probes: 1, failures: 0 },
      { layer: 'exec', at: '2025-01-01T00:00:05.000Z', latencyMs: null, probes: 1, failures: 1 },
      { layer: 'bridge', at: '2025-01-01T00:00:10.000Z', latencyMs: 3, probes: 1, failures: 0 },
    ]);
  });

  it('merges a layer with more probes than the limit into equal buckets: mean latency of those that worked, failures counted', () => {
    // 100 s of probes every second into 4 buckets of 25 s; one failure in the second bucket.
    const samples = Array.from({ length: 100 }, (_, second) => sample('tmux', second, second !== 30, second < 25 ? 2 : 4));
    const points = linkPoints(samples, FROM, FROM + 100_000, 4);
    expect(points).toEqual([
      { layer: 'tmux', at: '2025-01-01T00:00:00.000Z', latencyMs: 2, probes: 25, failures: 0 },
      { layer: 'tmux', at: '2025-01-01T00:00:25.000Z', latencyMs: 4, probes: 25, failures: 1 },
      { layer: 'tmux', at: '2025-01-01T00:00:50.000Z', latencyMs: 4, probes: 25, failures: 0 },
      { layer: 'tmux', at: '2025-01-01T00:01:15.000Z', latencyMs: 4, probes: 25, failures: 0 },
    ]);
  });
});
