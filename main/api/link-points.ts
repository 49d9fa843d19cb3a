import type { LinkLayer, LinkSamplePoint } from '../../preload/api';
import type { LinkSample } from '../store/link-samples';

/** The most points per layer a latency chart gets (LifelineApi.linkSamples); an hour of 10 s probes fits unmerged. */
export const LINK_POINTS_PER_LAYER = 360;

/**
 * Probes (oldest first) as chart points: one per probe while a layer has at most `max`, otherwise merged
 * into `max` equal time buckets from `from` to `to` (ms since the epoch). Oldest first.
 */
export function linkPoints(samples: readonly LinkSample[], from: number, to: number, max = LINK_POINTS_PER_LAYER): LinkSamplePoint[] {
  const byLayer = new Map<LinkLayer, LinkSample[]>();
  for (const sample of samples) {
    const list = byLayer.get(sample.layer) ?? [];
    list.push(sample);
    byLayer.set(sample.layer, list);
  }
  const points: LinkSamplePoint[] = [];
  for (const [layer, list] of byLayer) {
    if (list.length <= max) {
      for (const sample of list) {
        points.push({ layer, at: sample.at, latencyMs: sample.ok ? sample.latencyMs : null, probes: 1, failures: sample.ok ? 0 : 1 });
      }
      continue;
    }
    const span = Math.max(to, Date.parse(list.at(-1)!.at)) - from;
    const bucketMs = Math.max(1, Math.ceil(span / max));
    const buckets = new Map<number, { probes: number; failures: number; latencySum: number }>();
    for (const sample of list) {
      const index = Math.min(max - 1, Math.max(0, Math.floor((Date.parse(sample.at) - from) / bucketMs)));
      const bucket = buckets.get(index) ?? { probes: 0, failures: 0, latencySum: 0 };
      bucket.probes++;
      if (sample.ok) bucket.latencySum += sample.latencyMs;
      else bucket.failures++;
      buckets.set(index, bucket);
    }
    for (const [index, bucket] of buckets) {
      const worked = bucket.probes - bucket.failures;
      points.push({
        layer,
        at: new Date(from + index * bucketMs).toISOString(),
        latencyMs: worked > 0 ? bucket.latencySum / worked : null,
        probes: bucket.probes,
        failures: bucket.failures,
      });
    }
  }
  // ISO 8601 UTC text sorts in time order.
  return points.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
