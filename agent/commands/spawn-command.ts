import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { stopGroups } from '../deploy/process';
import { locateProgram } from '../deploy/program-path';
import { CapturedOutput } from './captured-output';

export type OutputListener = (stream: 'stdout' | 'stderr', text: string) => void;

export interface SpawnRequest {
  /** The program and its arguments; never a shell string. */
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  killGraceMs: number;
  /** Bytes of each stream kept for the ledger. */
  capBytes: number;
  onOutput?: OutputListener;
}

export interface SpawnOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
  /** Why the program could not be started at all (then exitCode says so as a shell would: 126 or 127). */
  startError?: string;
}

// After the program and its group have ended, a process that left the group (setsid) may still hold the
// pipes open; what is already in them is read within this time, and then they are let go.
const PIPE_DRAIN_MS = 200;

/**
 * One command in its own process group, its output piped and streamed live. A timeout stops the whole
 * group (SIGTERM, then SIGKILL after the grace time), and so does the program's own exit: whatever it
 * left running in its group is stopped too, as deploy steps are, so no command leaves strays behind.
 * Services meant to outlive a command are started through systemd, which runs them outside the group.
 */
export class SpawnedCommand {
  readonly done: Promise<SpawnOutcome>;
  private stopGroup: (() => void) | undefined;

  constructor(request: SpawnRequest) {
    this.done = this.start(request);
  }

  /** Stops the command's process group now (the agent is shutting down). */
  stop(): void {
    this.stopGroup?.();
  }

  private async start(request: SpawnRequest): Promise<SpawnOutcome> {
    const startError = checkStart(request);
    if (startError) return startError;
    const { argv, cwd, env, timeoutMs, killGraceMs, capBytes, onOutput } = request;
    const stdout = new CapturedOutput(capBytes);
    const stderr = new CapturedOutput(capBytes);
    let child: Child;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      // Some failures (E2BIG: more argv than one exec takes) are thrown rather than emitted.
      return notStarted(error as NodeJS.ErrnoException, argv[0], cwd);
    }
    let timedOut = false;
    let stopping: Promise<void> | undefined;
    const stopGroup = (): Promise<void> => {
      stopping ??= child.pid === undefined ? Promise.resolve() : stopGroups([child.pid], killGraceMs);
      return stopping;
    };
    this.stopGroup = () => void stopGroup();
    const timer = setTimeout(() => {
      // Past its exit the program ended by itself; only what it left in its group is still being stopped.
      if (child.exitCode === null && child.signalCode === null) timedOut = true;
      void stopGroup();
    }, timeoutMs);

    let listener = onOutput;
    const tell = (stream: 'stdout' | 'stderr', text: string) => {
      if (!text || !listener) return;
      try {
        listener(stream, text);
      } catch {
        // A listener that fails (say, its client went away) gets nothing more; the command runs on and
        // its output still reaches the ledger. Throwing here would take the whole agent down.
        listener = undefined;
      }
    };
    child.stdout.on('data', (chunk: Buffer) => tell('stdout', stdout.push(chunk)));
    child.stderr.on('data', (chunk: Buffer) => tell('stderr', stderr.push(chunk)));

    try {
      const exit = await ended(child);
      if ('error' in exit) return notStarted(exit.error, argv[0], cwd);
      await stopGroup();
      await pipesClosed(child);
      tell('stdout', stdout.end());
      tell('stderr', stderr.end());
      return {
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
        stdout: stdout.stored(),
        stderr: stderr.stored(),
        truncated: stdout.truncated || stderr.truncated,
      };
    } finally {
      clearTimeout(timer);
      this.stopGroup = undefined;
    }
  }
}

type Child = ChildProcessByStdio<null, Readable, Readable>;
type Exit = { code: number | null; signal: string | null } | { error: NodeJS.ErrnoException };

function ended(child: Child): Promise<Exit> {
  return new Promise((resolve) => {
    // `on`, not `once`: an 'error' with no listener would be thrown, and one may follow the exit.
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function pipesClosed(child: Child): Promise<void> {
  if (child.stdout.closed && child.stderr.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const giveUp = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
    }, PIPE_DRAIN_MS);
    child.once('close', () => {
      clearTimeout(giveUp);
      resolve();
    });
    // 'close' waits for both pipes, destroyed ones included.
  });
}

// Found before spawning, so the message names the real problem (Node reports a missing cwd as a missing program).
function checkStart(request: SpawnRequest): SpawnOutcome | undefined {
  const { argv, cwd, env } = request;
  if (!existsSync(cwd)) return failedStart(`the working directory ${cwd} does not exist (check cwd)`, 126);
  const located = locateProgram(argv[0], cwd, env.PATH);
  // The exit codes a shell gives: 126 found but not runnable, 127 not found.
  if ('error' in located) return failedStart(located.error, /not executable/.test(located.error) ? 126 : 127);
  return undefined;
}

function notStarted(error: NodeJS.ErrnoException, program: string, cwd: string): SpawnOutcome {
  if (error.code === 'ENOENT' && !existsSync(cwd)) return failedStart(`the working directory ${cwd} does not exist (check cwd)`, 126);
  if (error.code === 'ENOENT') return failedStart(`${program} was not found (check the path, or PATH)`, 127);
  if (error.code === 'E2BIG') return failedStart(`${program} could not be started: its arguments and environment are too long for one exec (E2BIG); pass the data in a file instead`, 126);
  return failedStart(`${program} could not be started: ${error.message}`, 126);
}

function failedStart(message: string, exitCode: number): SpawnOutcome {
  return { exitCode, signal: null, timedOut: false, stdout: '', stderr: '', truncated: false, startError: message };
}
