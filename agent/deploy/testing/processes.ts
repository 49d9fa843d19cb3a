import { readFileSync } from 'node:fs';
import { processGroupOf } from '../proc';

/** Whether a process is still running: it exists and has not ended (a zombie has). */
export function isRunning(pid: number): boolean {
  return processGroupOf(pid) !== undefined;
}

/** Process ids written one per line by a test's commands (`echo $$ >> file`). */
export function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Stops whatever a test left running: SIGKILL to the process group of each, ignoring those already gone. */
export function killGroups(pids: readonly number[]): void {
  const own = processGroupOf(process.pid);
  for (const pid of pids) {
    const pgid = processGroupOf(pid);
    // A pid that ended may have been reused by now; never take the test runner down with it.
    if (pgid === undefined || pgid === own) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Polls until `check` holds; fails with `what` when it does not within the limit. */
export async function waitFor(what: string, check: () => boolean, limitMs = 15_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
