import { describe, expect, it } from 'vitest';
import type { LinkLayer, LinkSamplePoint } from '../../../../preload/api';
import { buildChartData, CHART_RANGES, describeSlot, failedIn, failureMarkY, latencyOf, MAX_SLOTS, summarize } from './latency-chart-data';

const TO = Date.parse('2025-06-10T12:00:00.000Z');
const HOUR = CHART_RANGES.hour.ms;

function point(layer: LinkLayer, msBeforeEnd: number, latencyMs: number | null, probes = 1, failures = latencyMs === null ? probes : 0): LinkSamplePoint {
  return { layer, at: new Date(TO - msBeforeEnd).toISOString(), latencyMs, probes, failures };
}

/** A probe of each layer every 10 s over the last hour, all working. */
function steadyHour(layers: LinkLayer[], latencyMs = 1): LinkSamplePoint[] {
  const points: LinkSamplePoint[] = [];
  for (let before = HOUR - 5_000; before > 0; before -= 10_000) for (const layer of layers) points.push(point(layer, before, latencyMs));
  return points;
}

describe('buildChartData', () => {
  it('puts every layer on one time axis, in slots twice the probe spacing, covering the whole range', () => {
    const data = buildChartData(steadyHour(['bridge', 'exec']), 'hour', TO);
    expect(data.slotMs).toBe(20_000);
    expect(data.rows).toHaveLength(HOUR / 20_000);
    expect(data.xDomain).toEqual([TO - HOUR, TO]);
    expect(data.rows[0]!.t).toBe(TO - HOUR);
    // Every slot holds two probes of each layer: no false gaps.
    expect(data.rows.every((row) => row.layers.bridge?.probes === 2 && row.layers.exec?.probes === 2)).toBe(true);
  });

  it('never makes more than MAX_SLOTS slots, however dense the probes', () => {
    const dense: LinkSamplePoint[] = [];
    for (let before = HOUR; before > 0; before -= 1_000) dense.push(point('bridge', before, 0.3));
    expect(buildChartData(dense, 'hour', TO).rows.length).toBeLessThanOrEqual(MAX_SLOTS);
  });

  it('leaves a gap where no probe worked or none was made, and marks failed probes', () => {
    const points = [85_000, 70_000, 55_000, 40_000, 25_000, 10_000].map((before, index) => point('bridge', before, [2, 2, null, null, 4, 4][index]!));
    const data = buildChartData(points, 'hour', TO);
    const values = data.rows.slice(-3).map((row) => latencyOf(row, 'bridge'));
    const failed = data.rows.slice(-3).map((row) => failedIn(row, 'bridge'));
    expect(data.slotMs).toBe(30_000);
    expect(values).toEqual([2, null, 4]);
    expect(failed).toEqual([false, true, false]);
    // Long before the first probe: nothing at all, so a gap and no marker.
    expect(latencyOf(data.rows[0]!, 'bridge')).toBeNull();
    expect(failedIn(data.rows[0]!, 'bridge')).toBe(false);
  });

  it('averages the probes that worked in a slot, weighted by how many merged points they stand for', () => {
    const points = [point('exec', 30_000, 10, 3, 0), point('exec', 25_000, 4, 4, 1), point('exec', 15_000, null, 2, 2)];
    const row = buildChartData(points, 'day', TO).rows.at(-1)!;
    expect(row.layers.exec).toEqual({ probes: 9, failures: 3, latencyMs: (10 * 3 + 4 * 3) / 6 });
  });

  it('ignores points outside the range', () => {
    const data = buildChartData([point('tmux', HOUR + 60_000, 5), point('tmux', -60_000, 5)], 'hour', TO);
    expect(data.rows.every((row) => row.layers.tmux === undefined)).toBe(true);
  });

  it('spans the log latency axis over whole decades around the latencies, keeping real ones off the floor', () => {
    expect(buildChartData([point('bridge', 10_000, 0.3), point('exec', 10_000, 14)], 'hour', TO).yDomain).toEqual([0.1, 100]);
    expect(buildChartData([point('bridge', 10_000, 1)], 'hour', TO).yDomain).toEqual([0.1, 1]);
    expect(buildChartData([point('bridge', 10_000, null)], 'hour', TO).yDomain).toEqual([0.1, 10]);
  });

  it('puts 1-2-5 ticks on a narrow latency axis and powers of ten on a wide one', () => {
    expect(buildChartData([point('bridge', 10_000, 0.3), point('exec', 10_000, 8)], 'hour', TO).yTicks).toEqual([0.1, 0.2, 0.5, 1, 2, 5, 10]);
    expect(buildChartData([point('bridge', 10_000, 0.3), point('exec', 10_000, 1400)], 'hour', TO).yTicks).toEqual([0.1, 1, 10, 100, 1000, 10000]);
  });

  it('puts time ticks on round local times inside the range', () => {
    const { xTicks } = buildChartData([], 'hour', TO + 7 * 60_000);
    expect(xTicks.length).toBe(6);
    for (const tick of xTicks) {
      expect(tick).toBeGreaterThanOrEqual(TO + 7 * 60_000 - HOUR);
      expect(new Date(tick).getMinutes() % 10).toBe(0);
      expect(new Date(tick).getSeconds()).toBe(0);
    }
  });
});

describe('describeSlot', () => {
  it('says what happened to a layer in a slot', () => {
    const data = buildChartData([point('bridge', 30_000, 0.4), point('tmux', 30_000, 12, 3, 1), point('trigger', 30_000, null), point('exec', 30_000, null, 4)], 'day', TO);
    const row = data.rows.at(-1)!;
    expect(describeSlot(row, 'bridge')).toBe('0.4 ms');
    expect(describeSlot(row, 'tmux')).toBe('12 ms · 1 of 3 probes failed');
    expect(describeSlot(row, 'trigger')).toBe('failed');
    expect(describeSlot(row, 'exec')).toBe('all 4 probes failed');
    expect(describeSlot(data.rows[0]!, 'bridge')).toBe('no probe');
  });
});

describe('summarize', () => {
  it('counts probes and failures per layer, with the mean of the ones that worked and the slowest point', () => {
    const points = [point('bridge', 30_000, 0.2), point('bridge', 20_000, 0.6, 2, 0), point('bridge', 10_000, null), point('exec', 10_000, null)];
    expect(summarize(points, ['bridge', 'exec', 'tmux'])).toEqual([
      { layer: 'bridge', probes: 4, failures: 1, meanMs: (0.2 + 0.6 * 2) / 3, maxMs: 0.6 },
      { layer: 'exec', probes: 1, failures: 1, meanMs: null, maxMs: null },
      { layer: 'tmux', probes: 0, failures: 0, meanMs: null, maxMs: null },
    ]);
  });
});

describe('failureMarkY', () => {
  it('starts just above the floor and lifts each further layer a little, staying near the bottom', () => {
    const marks = [0, 1, 2, 3].map((index) => failureMarkY([0.1, 100], index));
    expect(marks[0]).toBeGreaterThan(0.1);
    for (let index = 1; index < marks.length; index++) expect(marks[index]!).toBeGreaterThan(marks[index - 1]!);
    // Four layers use less than a sixth of the log axis.
    expect(Math.log10(marks[3]! / 0.1) / Math.log10(1000)).toBeLessThan(1 / 6);
  });
});
