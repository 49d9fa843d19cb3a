// What a benchmark hands to the results writer. It travels as the test's `meta`, which vitest sends
// from the worker to the reporter in the main process, so it must stay plain JSON.
import type { Test } from '@vitest/runner';
import { quantile } from './stats';

/**
 * Lifeline's figure divided by the peer's must be at most (durations) or at least (rates) this; in a row
 * without a peer, or with `absolute`, Lifeline's figure itself (the issue sets some goals in ms or MB
 * while the peer's figure is still worth showing beside ours).
 */
export type Goal = ({ readonly atMost: number } | { readonly atLeast: number }) & { readonly absolute?: boolean };

export interface BenchRow {
  readonly benchmark: string;
  readonly unit: 'ms' | 'MiB/s' | 'jobs/s' | 'req/s' | 'MB';
  readonly lifeline: number;
  /** Absent when no peer does the same work: the goal then applies to Lifeline's own figure. */
  readonly peer?: number;
  /** Absent on rows that only inform, such as a p90 beside the median that carries the goal. */
  readonly goal?: Goal;
}

export interface BenchRecord {
  readonly rows: readonly BenchRow[];
  /** How it was measured, for the notes under the table. */
  readonly method: string;
}

declare module '@vitest/runner' {
  interface TaskMeta {
    bench?: BenchRecord;
  }
}

export function recordBench(task: Test, record: BenchRecord): void {
  task.meta.bench = record;
}

/** A median row that carries the goal and a p90 row beside it, from samples in milliseconds. */
export function durationRows(benchmark: string, samples: { ours: readonly number[]; peer: readonly number[] }, goal: Goal): BenchRow[] {
  return [
    { benchmark: `${benchmark}, median`, unit: 'ms', lifeline: quantile(samples.ours, 0.5), peer: quantile(samples.peer, 0.5), goal },
    { benchmark: `${benchmark}, p90`, unit: 'ms', lifeline: quantile(samples.ours, 0.9), peer: quantile(samples.peer, 0.9) },
  ];
}
