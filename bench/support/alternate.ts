export interface AlternateOptions {
  /** Rounds run first and thrown away: connection caches, page cache and JIT settle during them. */
  readonly warmup: number;
  readonly runs: number;
  /** One measurement of Lifeline (a duration or a rate, whatever the benchmark reports). */
  readonly ours: () => Promise<number>;
  /** The same measurement of the peer. */
  readonly peer: () => Promise<number>;
}

export interface Samples {
  readonly ours: number[];
  readonly peer: number[];
}

/**
 * Measures both sides in turns, swapping which goes first each round, so that a drift of the machine
 * (another process, CPU frequency) falls on both alike instead of on whichever ran second.
 */
export async function alternate(options: AlternateOptions): Promise<Samples> {
  const samples: Samples = { ours: [], peer: [] };
  for (let round = 0; round < options.warmup + options.runs; round++) {
    const keep = round >= options.warmup;
    const order = round % 2 === 0 ? (['ours', 'peer'] as const) : (['peer', 'ours'] as const);
    for (const side of order) {
      const value = await options[side]();
      if (keep) samples[side].push(value);
    }
  }
  return samples;
}

/** How long `body` took, in milliseconds. */
export async function timed(body: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await body();
  return performance.now() - start;
}
