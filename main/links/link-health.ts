import type { LinkSample } from '../store/link-samples';
import type { LayerName } from './adapters/layer';

/**
 * up: the last probe succeeded. degraded: the last probes failed, fewer than the limit in a row.
 * down: the limit of failures in a row was reached; `run` skips the layer until a probe succeeds again.
 * unknown: never probed.
 */
export type LinkState = 'unknown' | 'up' | 'degraded' | 'down';

export interface LayerHealth {
  readonly serverId: string;
  readonly layer: LayerName;
  readonly state: LinkState;
  /** Failed probes in a row. */
  readonly failures: number;
  readonly lastProbeAt: string | null;
  readonly lastLatencyMs: number | null;
  /** Why the last probe failed (redacted); null after a success. */
  readonly lastError: string | null;
}

/** The state of a layer after `sample`, given its state before and how many failures in a row mark it down. */
export function nextHealth(before: LayerHealth, sample: LinkSample, downAfter: number): LayerHealth {
  const failures = sample.ok ? 0 : before.failures + 1;
  const state: LinkState = sample.ok ? 'up' : failures >= downAfter ? 'down' : 'degraded';
  return { ...before, state, failures, lastProbeAt: sample.at, lastLatencyMs: sample.latencyMs, lastError: sample.error };
}

/** A layer's health as its stored samples (newest first) tell it: what a new process starts from. */
export function healthFromSamples(serverId: string, layer: LayerName, newestFirst: readonly LinkSample[], downAfter: number): LayerHealth {
  let health: LayerHealth = { serverId, layer, state: 'unknown', failures: 0, lastProbeAt: null, lastLatencyMs: null, lastError: null };
  for (const sample of [...newestFirst].reverse()) health = nextHealth(health, sample, downAfter);
  return health;
}
