/**
 * The `fraction` quantile of `samples` (0.5 the median, 0.9 the p90), interpolating between the two
 * nearest samples so that an even count gets the usual median.
 */
export function quantile(samples: readonly number[], fraction: number): number {
  if (samples.length === 0) throw new Error('No samples were taken: the benchmark measured nothing.');
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * fraction;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}
