import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// One writer per log path: two processes rotating and pruning the same files would delete each other's
// lines. The first agent on a data dir owns the plain names (agent.log, security.log); another agent
// sharing the dir (two processes on one queue) writes files named with its pid, and says so.

export interface LogOwnership {
  /** '' for the owner of the plain names, else `-<pid>`. */
  readonly suffix: string;
  release(): void;
}

export function claimLogNames(dir: string, pid = process.pid): LogOwnership {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'agent.lock');
  const mine = join(dir, `agent.lock.${pid}`);
  writeFileSync(mine, `${pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        // link() fails if the lock exists: taking it is atomic, unlike check-then-write.
        linkSync(mine, lock);
        return { suffix: '', release: () => releaseIfOurs(lock, pid) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number.parseInt(readFileSync(lock, 'utf8'), 10);
        if (holder !== pid && isAlive(holder)) return { suffix: `-${pid}`, release: () => undefined };
        // Left by an agent that died: take it over.
        rmSync(lock, { force: true });
      }
    }
    return { suffix: `-${pid}`, release: () => undefined };
  } finally {
    rmSync(mine, { force: true });
  }
}

function releaseIfOurs(lock: string, pid: number): void {
  try {
    if (Number.parseInt(readFileSync(lock, 'utf8'), 10) === pid) rmSync(lock, { force: true });
  } catch {
    // Already gone: nothing to release.
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user; still alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
