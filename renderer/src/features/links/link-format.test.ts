import { describe, expect, it } from 'vitest';
import { formatFailures, formatLatency, formatProbeTime, ordinal, STATE_LABELS } from './link-format';

describe('formatLatency', () => {
  it('keeps one decimal under 10 ms, whole milliseconds up to a second, then seconds', () => {
    expect([0.4, 0.35, 3.04, 9.96, 12.4, 999, 1000, 1540, 12_000].map(formatLatency)).toEqual([
      '0.4 ms',
      '0.3 ms',
      '3 ms',
      '10 ms',
      '12 ms',
      '999 ms',
      '1 s',
      '1.5 s',
      '12 s',
    ]);
  });

  it('shows sub-0.1 ms latencies with two decimals and zero as zero', () => {
    expect(formatLatency(0.08)).toBe('0.08 ms');
    expect(formatLatency(0)).toBe('0 ms');
  });

  it('shows a dash for no latency', () => {
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(Number.NaN)).toBe('—');
  });
});

describe('link state labels', () => {
  it('gives every state its own word and glyph, so colour is never the only sign', () => {
    const labels = Object.values(STATE_LABELS);
    expect(new Set(labels.map((label) => label.text)).size).toBe(4);
    expect(new Set(labels.map((label) => label.icon)).size).toBe(4);
  });
});

describe('formatFailures', () => {
  it('says nothing after a success and counts failures in a row', () => {
    expect([0, 1, 3].map(formatFailures)).toEqual([null, '1 failed probe', '3 failed in a row']);
  });
});

describe('ordinal', () => {
  it('names the place in the failover order', () => {
    expect([1, 2, 3, 4, 5].map(ordinal)).toEqual(['first', 'second', 'third', 'fourth', '#5']);
  });
});

describe('formatProbeTime', () => {
  it('shows the clock alone for a probe of today, and the date too for an older one', () => {
    const now = new Date(2025, 5, 10, 15, 0, 0);
    const at = new Date(2025, 5, 10, 14, 3, 9);
    const before = new Date(2025, 5, 8, 14, 3, 9);
    // Whatever the machine's locale writes the clock as.
    const clock = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    expect(formatProbeTime(at.toISOString(), now)).toBe(clock);
    const earlier = formatProbeTime(before.toISOString(), now);
    expect(earlier).toContain(clock);
    expect(earlier).not.toBe(clock);
  });

  it('says when a layer was never probed or the time is unreadable', () => {
    expect(formatProbeTime(null)).toBe('never probed');
    expect(formatProbeTime('yesterday-ish')).toBe('at an unknown time');
  });
});
