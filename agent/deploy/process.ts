import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupRunning } from './proc';
import { locateProgram } from './program-path';
import { readExitStatus, supervisedArgv } from './supervisor';

export interface ProcessOptions {
  /** The program and its arguments; never a shell string. */
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /**
   * Where stdout and stderr go: a descriptor of a file opened for appending. A file, not a pipe, so that
   * the program can go on writing when the agent is gone.
   */
  output: number;
  /** When set, a supervisor shell records the program's exit code in this file (see supervisor.ts). */
  statusFile?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** How long the process group gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

export interface ProcessResult {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Why the program could not be started at all. */
  startError?: string;
  /** An adopted program ended without recording its exit code: something killed it and its supervisor. */
  unreported?: boolean;
}

const GROUP_POLL_MS = 20;
const ADOPTED_POLL_MS = 100;

const initialResult = (): ProcessResult => ({ exitCode: null, exitSignal: null, timedOut: false, aborted: false });

/**
 * Runs one program in its own process group and resolves when the program and everything else in its
 * group have ended. A timeout or an abort stops the whole group (SIGTERM, then SIGKILL after the grace
 * time), and so does the program's own exit: whatever it left running in its group is stopped too, so no
 * step leaves stray processes behind. Services meant to outlive a step are started through systemd or
 * Compose, which run them outside this group.
 */
export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  const { argv, cwd, env, output, statusFile, signal, timeoutMs, killGraceMs } = options;
  const result = initialResult();
  if (argv.length === 0 || argv[0] === '') return Promise.resolve({ ...result, startError: 'the command is empty' });
  if (signal?.aborted) return Promise.resolve({ ...result, aborted: true });
  let command = argv;
  if (statusFile !== undefined) {
    // The supervisor would report a missing program as its own exit code 127; find it first instead.
    if (!existsSync(cwd)) return Promise.resolve({ ...result, startError: missingCwd(cwd) });
    const located = locateProgram(argv[0], cwd, env.PATH);
    if ('error' in located) return Promise.resolve({ ...result, startError: located.error });
    command = supervisedArgv(statusFile, [located.path, ...argv.slice(1)]);
  }

  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { cwd, env, detached: true, stdio: ['ignore', output, output] });
    const group = child.pid === undefined ? undefined : new ProcessGroup(child.pid, killGraceMs);
    let exited = false;
    const onAbort = () => {
      if (!exited) result.aborted = true;
      group?.stop();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timeoutTimer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            if (!exited) result.timedOut = true;
            group?.stop();
          }, timeoutMs);

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Node reports a missing working directory as the program being missing; say which one it is.
      if (error.code === 'ENOENT' && !existsSync(cwd)) result.startError = missingCwd(cwd);
      else if (error.code === 'ENOENT') result.startError = `${argv[0]} was not found (check the path, or PATH)`;
      else if (error.code === 'EACCES') result.startError = `${argv[0]} is not executable (check its permissions)`;
      else result.startError = error.message;
    });
    child.on('exit', (code, exitSignal) => {
      exited = true;
      result.exitCode = code;
      result.exitSignal = exitSignal;
      group?.stop();
    });
    child.on('close', () => {
      clearTimeout(timeoutTimer);
      signal?.removeEventListener('abort', onAbort);
      void (group?.ended() ?? Promise.resolve()).then(() => resolve(result));
    });
  });
}

export interface AdoptOptions {
  /** The supervisor an earlier agent started, found still running; undefined when it has already ended. */
  leader: number | undefined;
  /** Where that supervisor records the program's exit code. */
  statusFile: string;
  signal?: AbortSignal;
  /** What is left of the step's timeout (zero or less: stop it now). */
  timeoutMs?: number;
  killGraceMs: number;
}

/**
 * Waits for a supervised program that an earlier agent started and reports how it ended, from the exit
 * code its supervisor records. It is not this process's child, so its end is polled for. A timeout or an
 * abort stops its process group as runProcess does, and so does its end: leftovers are stopped.
 */
export async function adoptProcess(options: AdoptOptions): Promise<ProcessResult> {
  const { leader, statusFile, signal, timeoutMs, killGraceMs } = options;
  const result = initialResult();
  const group = leader === undefined ? undefined : new ProcessGroup(leader, killGraceMs);
  let ended = false;
  const stop = (flag: 'aborted' | 'timedOut') => {
    if (!ended) result[flag] = true;
    group?.stop();
  };
  const onAbort = () => stop('aborted');
  signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutTimer = timeoutMs === undefined ? undefined : setTimeout(() => stop('timedOut'), Math.max(0, timeoutMs));
  try {
    for (;;) {
      // Whether it runs is asked before reading the status: a supervisor records the code before it exits.
      const running = group?.running() ?? false;
      const code = readExitStatus(statusFile);
      if (code !== undefined || !running) {
        ended = true;
        result.exitCode = code ?? null;
        result.unreported = code === undefined && !result.aborted && !result.timedOut;
        break;
      }
      // A signal aborted before the call never fires its listener.
      if (signal?.aborted) onAbort();
      await sleep(ADOPTED_POLL_MS);
    }
    group?.stop();
    await group?.ended();
    return result;
  } finally {
    clearTimeout(timeoutTimer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Stops process groups as a step's own would be stopped, and waits until they have ended. */
export async function stopGroups(pgids: readonly number[], killGraceMs: number): Promise<void> {
  await Promise.all(
    pgids.map((pgid) => {
      const group = new ProcessGroup(pgid, killGraceMs);
      group.stop();
      return group.ended();
    }),
  );
}

function missingCwd(cwd: string): string {
  return `its working directory ${cwd} does not exist`;
}

/** One process group to stop: SIGTERM, then SIGKILL once the grace time is over. */
class ProcessGroup {
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pgid: number,
    private readonly killGraceMs: number,
  ) {}

  running(): boolean {
    return groupRunning(this.pgid);
  }

  stop(): void {
    if (this.killTimer) return;
    signalGroup(this.pgid, 'SIGTERM');
    this.killTimer = setTimeout(() => signalGroup(this.pgid, 'SIGKILL'), this.killGraceMs);
  }

  /** Resolves once no process of the group is running; a SIGKILL still due is then not needed. */
  async ended(): Promise<void> {
    while (this.running()) await sleep(GROUP_POLL_MS);
    clearTimeout(this.killTimer);
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group has already ended, which is what we wanted. Nothing else can be done about another
    // error here, and throwing from a timer would take the whole agent down.
  }
}
