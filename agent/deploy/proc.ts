import { readdirSync, readFileSync } from 'node:fs';
import { isRunning, procStat } from '../proc-stat';

// What Linux says about running processes, read from /proc. A zombie (ended, waiting for a parent that
// may never reap it: an orphan's new parent is often an init that does not) counts as gone everywhere.

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** The process group a running process belongs to. */
export function processGroupOf(pid: number): number | undefined {
  const stat = procStat(pid);
  return isRunning(stat) ? stat.pgid : undefined;
}

/** Whether any process of a group is still running. */
export function groupRunning(pgid: number): boolean {
  try {
    // Cheap first answer: no member at all, not even a zombie.
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return allPids().some((pid) => {
    const stat = procStat(pid);
    return isRunning(stat) && stat.pgid === pgid;
  });
}

export interface FoundProcess {
  pid: number;
  pgid: number;
}

/**
 * The running processes whose environment holds `entry` (`NAME=value`) exactly. Reading another user's
 * environment needs privileges; such processes are not ours and are skipped.
 */
export function processesWithEnv(entry: string): FoundProcess[] {
  const found: FoundProcess[] = [];
  for (const pid of allPids()) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (!environ.split('\0').includes(entry)) continue;
    const stat = procStat(pid);
    if (isRunning(stat)) found.push({ pid, pgid: stat.pgid });
  }
  return found;
}

/** A running process's argv, or undefined when it has ended. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text === '' ? undefined : text.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}
