import { isRunning, procStat } from '../proc-stat';

// Who runs a command: a pid alone is not enough, because Linux hands a dead process's pid to a new one;
// its start time tells the owner that wrote a row from a stranger that got its pid later.

export interface Owner {
  pid: number;
  start: string;
}

/** The start time of a running process, or undefined when it has ended (a zombie has too). */
export function startTimeOf(pid: number): string | undefined {
  const stat = procStat(pid);
  return isRunning(stat) ? stat.startTime : undefined;
}

/** This process as the owner of the rows it writes. */
export function currentOwner(): Owner {
  const start = startTimeOf(process.pid);
  // /proc/self always exists on Linux, the only system the agent runs on.
  if (start === undefined) throw new Error(`cannot read /proc/${process.pid}/stat; the agent needs Linux's /proc`);
  return { pid: process.pid, start };
}

/** Whether the process that wrote a row is still the one running under its pid. */
export function ownerAlive(owner: Owner): boolean {
  return startTimeOf(owner.pid) === owner.start;
}
