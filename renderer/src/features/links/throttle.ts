export interface Throttled {
  /** Runs now if the last run is at least the interval ago, otherwise once when it is; requests in between merge. */
  request(): void;
  /** Drops a run still waiting; later requests do nothing. */
  dispose(): void;
}

/**
 * At most one `run` per `intervalMs`, and never a request lost: the last one in a busy stretch runs at
 * the end of it. Link states arrive every few seconds per server; refetching a chart on each would waste
 * the main side's time for lines that barely move.
 */
export function throttle(run: () => void, intervalMs: number): Throttled {
  let lastRun = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const fire = () => {
    timer = undefined;
    lastRun = Date.now();
    run();
  };
  return {
    request: () => {
      if (disposed || timer !== undefined) return;
      const wait = lastRun + intervalMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
