import type { LinkLayer, LinkSamplePoint } from '../../../../preload/api';
import { formatLatency } from './link-format';

export type ChartRange = 'hour' | 'day';

export const CHART_RANGES: Record<ChartRange, { label: string; ms: number; tickMs: number }> = {
  hour: { label: 'Last hour', ms: 60 * 60_000, tickMs: 10 * 60_000 },
  day: { label: 'Last day', ms: 24 * 60 * 60_000, tickMs: 3 * 60 * 60_000 },
};

/** Enough slots for a smooth line on a wide chart; fewer once probes are sparser than that. */
export const MAX_SLOTS = 180;

const NICE_STEPS_MS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600].map((seconds) => seconds * 1000);

/** The probes of one layer within one slot of the time axis. */
export interface SlotProbes {
  probes: number;
  failures: number;
  /** Mean of the probes that worked; null when none did. */
  latencyMs: number | null;
}

/** One slot of the time axis: every layer's probes in it. A layer without probes there has no entry. */
export interface ChartRow {
  /** Start of the slot, ms since the epoch. */
  t: number;
  layers: Partial<Record<LinkLayer, SlotProbes>>;
}

export interface ChartData {
  rows: ChartRow[];
  slotMs: number;
  /** The log-scale latency axis: powers of ten around every latency shown. */
  yDomain: [number, number];
  yTicks: number[];
  xDomain: [number, number];
  xTicks: number[];
}

/**
 * Probe points (as `linkSamples` answers them) on a common time axis from `to - range` to `to`: one row
 * per slot, so the layers share a tooltip, and a slot where a layer had no probe or no probe worked
 * is a gap in that layer's line.
 */
export function buildChartData(points: readonly LinkSamplePoint[], range: ChartRange, to: number): ChartData {
  const { ms, tickMs } = CHART_RANGES[range];
  const from = to - ms;
  const slotMs = slotSize(points, ms);
  const count = Math.ceil(ms / slotMs);
  const sums: Array<Partial<Record<LinkLayer, { probes: number; failures: number; latencySum: number }>>> = Array.from({ length: count }, () => ({}));
  for (const point of points) {
    const at = Date.parse(point.at);
    if (!(at >= from && at <= to)) continue;
    const slot = sums[Math.min(count - 1, Math.floor((at - from) / slotMs))]!;
    const sum = (slot[point.layer] ??= { probes: 0, failures: 0, latencySum: 0 });
    sum.probes += point.probes;
    sum.failures += point.failures;
    if (point.latencyMs !== null) sum.latencySum += point.latencyMs * (point.probes - point.failures);
  }
  const rows = sums.map((slot, index) => {
    const layers: ChartRow['layers'] = {};
    for (const [layer, sum] of Object.entries(slot) as Array<[LinkLayer, { probes: number; failures: number; latencySum: number }]>) {
      const worked = sum.probes - sum.failures;
      layers[layer] = { probes: sum.probes, failures: sum.failures, latencyMs: worked > 0 ? sum.latencySum / worked : null };
    }
    return { t: from + index * slotMs, layers };
  });
  const latencies = rows.flatMap((row) => Object.values(row.layers).flatMap((slot) => (slot.latencyMs === null ? [] : [slot.latencyMs])));
  const yDomain = logDomain(latencies);
  return { rows, slotMs, yDomain, yTicks: logTicks(yDomain), xDomain: [from, to], xTicks: timeTicks(from, to, tickMs) };
}

/** A layer's latency in a row, or null: the line's gap. */
export function latencyOf(row: ChartRow, layer: LinkLayer): number | null {
  return row.layers[layer]?.latencyMs ?? null;
}

/** Whether a failed-probe marker belongs in this row for the layer. */
export function failedIn(row: ChartRow, layer: LinkLayer): boolean {
  return (row.layers[layer]?.failures ?? 0) > 0;
}

/**
 * Where the failed-probe markers of the layer drawn `index`-th go: just above the chart's floor (a log axis
 * has no zero, and a failure has no latency to plot), each layer a little higher so they do not hide each other.
 */
export function failureMarkY([low, high]: [number, number], index: number): number {
  return low * (high / low) ** ((index + 0.6) / 30);
}

/** What the tooltip says of one layer in one slot. */
export function describeSlot(row: ChartRow, layer: LinkLayer): string {
  const slot = row.layers[layer];
  if (!slot) return 'no probe';
  if (slot.latencyMs === null) return slot.probes === 1 ? 'failed' : `all ${slot.probes} probes failed`;
  const latency = formatLatency(slot.latencyMs);
  return slot.failures > 0 ? `${latency} · ${slot.failures} of ${slot.probes} probes failed` : latency;
}

export interface LayerSummary {
  layer: LinkLayer;
  probes: number;
  failures: number;
  /** Mean of the probes that worked; null when none did. */
  meanMs: number | null;
  /** The slowest point shown (a merged bucket's mean); null when none worked. */
  maxMs: number | null;
}

/** Per layer over the whole range: the text a chart cannot give a screen reader, and a quick read for everyone. */
export function summarize(points: readonly LinkSamplePoint[], layers: readonly LinkLayer[]): LayerSummary[] {
  return layers.map((layer) => {
    let probes = 0;
    let failures = 0;
    let latencySum = 0;
    let maxMs: number | null = null;
    for (const point of points) {
      if (point.layer !== layer) continue;
      probes += point.probes;
      failures += point.failures;
      if (point.latencyMs === null) continue;
      latencySum += point.latencyMs * (point.probes - point.failures);
      maxMs = Math.max(maxMs ?? 0, point.latencyMs);
    }
    const worked = probes - failures;
    return { layer, probes, failures, meanMs: worked > 0 ? latencySum / worked : null, maxMs };
  });
}

// Twice the usual spacing of one layer's probes, so a slot normally holds a probe even with jitter, and
// never more slots than MAX_SLOTS.
function slotSize(points: readonly LinkSamplePoint[], rangeMs: number): number {
  const gaps: number[] = [];
  const last = new Map<LinkLayer, number>();
  for (const point of points) {
    const at = Date.parse(point.at);
    const before = last.get(point.layer);
    if (before !== undefined && at > before) gaps.push(at - before);
    last.set(point.layer, at);
  }
  gaps.sort((a, b) => a - b);
  const wanted = Math.max(rangeMs / MAX_SLOTS, 2 * (gaps[Math.floor(gaps.length / 2)] ?? 0));
  return NICE_STEPS_MS.find((step) => step >= wanted) ?? NICE_STEPS_MS.at(-1)!;
}

function logDomain(latencies: readonly number[]): [number, number] {
  const positive = latencies.filter((ms) => ms > 0);
  if (positive.length === 0) return [0.1, 10];
  let low = 10 ** Math.floor(Math.log10(Math.min(...positive)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...positive)));
  // The bottom line carries the failed-probe markers; keep real latencies off it.
  if (low === Math.min(...positive)) low /= 10;
  return [low, high > low ? high : low * 10];
}

function logTicks([low, high]: [number, number]): number[] {
  const decades = Math.round(Math.log10(high / low));
  // Few decades: 1-2-5 steps read better than bare powers of ten.
  const multipliers = decades <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let power = low; power <= high * 1.0001; power *= 10) {
    for (const multiplier of multipliers) {
      const tick = Number((power * multiplier).toPrecision(6));
      if (tick <= high * 1.0001) ticks.push(tick);
    }
  }
  return ticks;
}

/** Ticks every `stepMs` on round local-time boundaries (e.g. 14:10, 14:20). */
function timeTicks(from: number, to: number, stepMs: number): number[] {
  const offsetMs = new Date(from).getTimezoneOffset() * 60_000;
  const ticks: number[] = [];
  for (let tick = Math.ceil((from - offsetMs) / stepMs) * stepMs + offsetMs; tick <= to; tick += stepMs) ticks.push(tick);
  return ticks;
}
