// A webhook server under benchmark: started pinned to one CPU, its output in a file (nobody has to read
// a pipe while it is measured), ready once it answers over HTTP, stopped by its PID.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { descendantPids, signalAll } from '../../main/ssh/testing/process-tree';
import { isRunning } from '../../agent/deploy/testing/processes';

const READY_POLL_MS = 100;
const STOP_TIMEOUT_MS = 20_000;
const CHILDREN_GRACE_MS = 2_000;
const OUTPUT_TAIL_CHARS = 4_000;

export interface PinnedServerOptions {
  /** For messages: "adnanh/webhook", "lifeline agent". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** The CPU the server and every process it starts run on (taskset). */
  readonly cpu: number;
  /** Where its stdout and stderr go. */
  readonly outputFile: string;
  /** A URL that answers `readyStatus` once the server takes requests. */
  readonly readyUrl: string;
  readonly readyStatus: number;
  readonly startTimeoutMs: number;
}

export interface PinnedServer {
  /** The server's own process (taskset replaces itself with it). */
  readonly pid: number;
  /** The end of what it printed, for failure messages. */
  output(): string;
  /**
   * SIGTERM by PID and waits for the exit, SIGKILL after 20 s. Processes it started that outlive it are
   * killed, and reported by a rejection: a server must not leave work running behind it.
   */
  stop(): Promise<void>;
}

export async function startPinnedServer(options: PinnedServerOptions): Promise<PinnedServer> {
  const out = openSync(options.outputFile, 'w');
  const child = spawn('taskset', ['-c', String(options.cpu), options.command, ...options.args], {
    cwd: options.cwd,
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not start: ${error.message}`));
    child.once('exit', (code, signal) => resolve(`exited with ${code ?? signal}`));
  });
  let gone: string | undefined;
  void exited.then((how) => (gone = how));
  const output = () => {
    try {
      return readFileSync(options.outputFile, 'utf8').slice(-OUTPUT_TAIL_CHARS);
    } catch {
      return '';
    }
  };

  const stop = async (): Promise<void> => {
    const pid = child.pid;
    if (pid === undefined || gone !== undefined) return;
    const children = descendantPids(pid);
    process.kill(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (killed) {
      signalAll([pid, ...children], 'SIGKILL');
      await exited;
      throw new Error(`${options.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM and was killed. Its output:\n${output()}`);
    }
    // A process per request (adnanh/webhook) may still be finishing; one that stays was left behind.
    const until = Date.now() + CHILDREN_GRACE_MS;
    while (children.some(isRunning) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    const left = children.filter(isRunning);
    if (left.length > 0) {
      signalAll(left, 'SIGKILL');
      throw new Error(`${options.name} left ${left.length} process(es) running after it stopped (PIDs ${left.join(', ')}); they were killed.`);
    }
  };

  const until = Date.now() + options.startTimeoutMs;
  for (;;) {
    if (gone !== undefined) throw new Error(`${options.name} ${gone} before it was ready. Its output:\n${output()}`);
    if ((await statusOf(options.readyUrl)) === options.readyStatus) break;
    if (Date.now() > until) {
      await stop().catch(() => {});
      throw new Error(`${options.name} did not answer ${options.readyUrl} with ${options.readyStatus} within ${options.startTimeoutMs / 1000} s. Its output:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  if (child.pid === undefined) throw new Error(`${options.name} has no PID.`);
  return { pid: child.pid, output, stop };
}

/** The status a GET gets, or undefined while nothing listens. */
async function statusOf(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return undefined;
  }
}
