import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface ProcessOptions {
  /** The program and its arguments; never a shell string. */
  argv: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** How long the process group gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
  onOutput?: (text: string) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Why the program could not be started at all. */
  startError?: string;
}

/**
 * Runs one program in its own process group and resolves when it and everything holding its output have
 * ended. A timeout or an abort stops the whole group (SIGTERM, then SIGKILL after the grace time), and
 * so does the program's own exit: whatever it left running in its group is stopped too, so no step
 * leaves stray processes behind. Services meant to outlive a step are started through systemd or Compose,
 * which run them outside this group.
 */
export function runProcess(options: ProcessOptions): Promise<ProcessResult> {
  const { argv, cwd, env, signal, timeoutMs, killGraceMs, onOutput } = options;
  const result: ProcessResult = { exitCode: null, exitSignal: null, timedOut: false, aborted: false };
  if (argv.length === 0 || argv[0] === '') return Promise.resolve({ ...result, startError: 'the command is empty' });
  if (signal?.aborted) return Promise.resolve({ ...result, aborted: true });

  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let timeoutTimer: NodeJS.Timeout | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let exited = false;

    const stopGroup = () => {
      if (killTimer || child.pid === undefined) return;
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), killGraceMs);
    };
    const onAbort = () => {
      if (!exited) result.aborted = true;
      stopGroup();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timeoutTimer = setTimeout(() => {
        if (!exited) result.timedOut = true;
        stopGroup();
      }, timeoutMs);
    }

    for (const stream of [child.stdout, child.stderr]) {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => onOutput?.(decoder.write(chunk)));
      stream.on('end', () => {
        const rest = decoder.end();
        if (rest) onOutput?.(rest);
      });
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      // Node reports a missing working directory as the program being missing; say which one it is.
      if (error.code === 'ENOENT' && !existsSync(cwd)) result.startError = `its working directory ${cwd} does not exist`;
      else if (error.code === 'ENOENT') result.startError = `${argv[0]} was not found (check the path, or PATH)`;
      else if (error.code === 'EACCES') result.startError = `${argv[0]} is not executable (check its permissions)`;
      else result.startError = error.message;
    });
    child.on('exit', (code, exitSignal) => {
      exited = true;
      result.exitCode = code;
      result.exitSignal = exitSignal;
      stopGroup();
    });
    child.on('close', () => {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      resolve(result);
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has already ended, which is what we wanted. Nothing else can be done about another
    // error here, and throwing from a timer would take the whole agent down.
  }
}
