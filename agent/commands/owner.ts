import { readFileSync } from 'node:fs';

// Who runs a command: a pid alone is not enough, because Linux hands a dead process's pid to a new one.
// The kernel's start time of the pid (field 22 of /proc/<pid>/stat, clock ticks since boot) tells the
// owner that wrote a row from a stranger that got its pid later.

export interface Owner {
  pid: number;
  start: string;
}

/** The start time of a running process, or undefined when it has ended (a zombie has too). */
export function startTimeOf(pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may itself hold ") ", so the fields start after the last one:
  // state (field 3) is the first, start time (field 22) the twentieth.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return undefined;
  return fields[19];
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
