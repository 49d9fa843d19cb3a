import { readFileSync } from 'node:fs';

// A shell stays as the program's parent and writes its exit code to a file when it ends (through a temp
// file and a rename, so a reader never sees half a number). It outlives the agent, so a restarted agent
// learns how a step it did not see end went. The script is fixed text: the status file is $0 and the
// program with its arguments are "$@", never spliced into it. A shell is far lighter than a Node
// supervisor per step (~1 MB and no start-up time), and POSIX sh is on every host the agent runs on.
const SCRIPT = '"$@"; code=$?; printf %s "$code" > "$0.tmp" && mv -f "$0.tmp" "$0"; exit "$code"';

/**
 * The argv that runs `argv` under the supervisor. `argv[0]` must be a path (containing a slash): a bare
 * name could be taken by the shell as one of its builtins (`exit`, `exec`, …) instead of a program.
 */
export function supervisedArgv(statusFile: string, argv: readonly string[]): string[] {
  if (!argv[0]?.includes('/')) throw new Error(`supervisedArgv needs a program path, not "${argv[0]}"`);
  return ['/bin/sh', '-c', SCRIPT, statusFile, ...argv];
}

/** The status file a supervisor process was started with, read from its argv. */
export function statusFileOf(commandLine: readonly string[]): string | undefined {
  return commandLine[0] === '/bin/sh' && commandLine[1] === '-c' && commandLine[2] === SCRIPT ? commandLine[3] : undefined;
}

/** The exit code a supervisor recorded, or undefined when it has not (yet). */
export function readExitStatus(statusFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(statusFile, 'utf8');
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
