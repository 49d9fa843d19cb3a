/**
 * Calls `work` for every item with at most `limit` calls running at once and resolves with the results
 * in the items' order; `work` is expected to report its own failures in its result, not to throw.
 */
export async function eachLimited<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`The concurrency limit must be a whole number of at least 1, not ${limit}.`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
