import { readFileSync } from 'node:fs';

// One process as Linux's /proc/<pid>/stat describes it. The command name is in parentheses and may itself
// hold ") ", so the fields are counted from after the last one: state is field 3, the process group
// field 5 and the start time (clock ticks since boot) field 22.

export interface ProcStat {
  state: string;
  pgid: number;
  /** With the pid, names one process for good: Linux hands a dead process's pid to a new one. */
  startTime: string;
}

/** What /proc says of `pid`, or undefined when there is no such process. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgid: Number(fields[2]), startTime: fields[19] ?? '' };
}

/** Running, not a zombie: an orphan's zombie may never be reaped when PID 1 does not reap. */
export function isRunning(stat: ProcStat | undefined): stat is ProcStat {
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X';
}
