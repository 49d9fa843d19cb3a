// The issue sets the link layers' figures as p50 and p99 (the other benchmarks report a p90): a median
// row that carries the goal and a p99 row beside it, from samples in milliseconds.
import type { BenchRow, Goal } from './record';
import { quantile } from './stats';

/** Without `peer`, the rows have none and the goal applies to Lifeline's own figure. */
export function p50p99Rows(benchmark: string, samples: { ours: readonly number[]; peer?: readonly number[] }, goal?: Goal): BenchRow[] {
  const peer = samples.peer;
  return [
    { benchmark: `${benchmark}, p50`, unit: 'ms', lifeline: quantile(samples.ours, 0.5), ...(peer ? { peer: quantile(peer, 0.5) } : {}), ...(goal ? { goal } : {}) },
    { benchmark: `${benchmark}, p99`, unit: 'ms', lifeline: quantile(samples.ours, 0.99), ...(peer ? { peer: quantile(peer, 0.99) } : {}) },
  ];
}

/** "p50 1.2 ms, p99 3.4 ms, max 5.6 ms (n samples)", for the method notes. */
export function spread(samples: readonly number[]): string {
  const ms = (value: number) => `${value.toFixed(value < 10 ? 2 : 1)} ms`;
  return `p50 ${ms(quantile(samples, 0.5))}, p99 ${ms(quantile(samples, 0.99))}, max ${ms(Math.max(...samples))} (${samples.length} samples)`;
}
