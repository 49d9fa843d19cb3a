import { setTimeout as sleep } from 'node:timers/promises';
import { abortedError } from './link-error';
import type { LayerName } from './layer';

// Layers that cannot be told when a result is ready (trigger files, a tmux pane) look for it: often at
// first, since a short command is done within milliseconds, then less often so a long one costs little.
const FIRST_WAIT_MS = 2;
const LONGEST_WAIT_MS = 200;

/** Calls `look` until it returns something other than undefined; rejects with TIMEOUT when `signal` aborts. */
export async function pollUntil<T>(layer: LayerName, signal: AbortSignal, look: () => Promise<T | undefined>): Promise<T> {
  let wait = FIRST_WAIT_MS;
  for (;;) {
    if (signal.aborted) throw abortedError(layer, signal);
    const found = await look();
    if (found !== undefined) return found;
    await sleep(wait, undefined, { signal }).catch(() => undefined);
    // Gently: a command of a few milliseconds is found within about one wait of its end.
    wait = Math.min(wait * 1.5, LONGEST_WAIT_MS);
  }
}
