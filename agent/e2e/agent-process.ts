import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning } from '../deploy/testing/processes';

const ROOT = resolve(__dirname, '../..');
const LAUNCHER = join(ROOT, 'bin', 'lifeline.cjs');
const LISTENING = /Lifeline agent listening on (http:\/\/127\.0\.0\.1:\d+) /;
// The launcher may rebuild out/ first (a few seconds here, much more on a loaded machine).
const START_LIMIT_MS = 90_000;
const STOP_LIMIT_MS = 15_000;
const OUTPUT_KEPT = 64 * 1024;

export interface AgentExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `lifeline agent` child process, listening on 127.0.0.1. */
export interface AgentProcess {
  readonly pid: number;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly exited: Promise<AgentExit>;
  /** What it printed so far (stdout and stderr, the last 64 KB), for failure messages. */
  output(): string;
  /** SIGTERM, as systemd stops it; SIGKILL when it has not ended within 15 s. */
  stop(): Promise<AgentExit>;
  /** kill -9: no chance to clean up, as in a crash. */
  kill(): Promise<AgentExit>;
}

/**
 * Starts agents as `node bin/lifeline.cjs agent --config F --port 0` and owns them: `stopAll` ends every
 * one still running, so a failed test leaves none behind.
 */
export class AgentProcesses {
  private readonly started: AgentChild[] = [];

  /** Resolves once the agent prints its listening line; rejects with its output when it exits first. */
  async start(configFile: string, env: NodeJS.ProcessEnv = {}): Promise<AgentProcess> {
    // Launches are one at a time, across test files too: a launcher that finds the sources newer than
    // out/ rebuilds it, and two rebuilding at once would read each other's half-written files.
    return withLaunchLock(async () => {
      const child = spawn(process.execPath, [LAUNCHER, 'agent', '--config', configFile, '--port', '0'], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const agent = new AgentChild(child);
      this.started.push(agent);
      await agent.listening();
      return agent;
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.started.splice(0).map((agent) => agent.stop()));
  }
}

class AgentChild implements AgentProcess {
  readonly pid: number;
  url = '';
  readonly exited: Promise<AgentExit>;
  private text = '';

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid ?? -1;
    this.exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
    const keep = (chunk: Buffer) => (this.text = (this.text + chunk.toString('utf8')).slice(-OUTPUT_KEPT));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  output(): string {
    return this.text;
  }

  stop(): Promise<AgentExit> {
    return this.end('SIGTERM');
  }

  kill(): Promise<AgentExit> {
    return this.end('SIGKILL');
  }

  listening(): Promise<void> {
    return new Promise((resolveStart, rejectStart) => {
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.child.stdout?.off('data', look);
        if (error) rejectStart(error);
        else resolveStart();
      };
      const fail = (why: string) => {
        if (settled) return;
        this.child.kill('SIGKILL');
        settle(new Error(`the agent ${why}; its output:\n${this.text}`));
      };
      const timer = setTimeout(() => fail(`printed no listening line within ${START_LIMIT_MS / 1000} s`), START_LIMIT_MS);
      // Registered after the constructor's listener, so `text` already holds the chunk.
      const look = () => {
        const match = LISTENING.exec(this.text);
        if (!match) return;
        this.url = match[1];
        settle();
      };
      this.child.stdout?.on('data', look);
      this.child.once('error', (error) => settle(error));
      void this.exited.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal}) before listening`));
    });
  }

  private async end(signal: NodeJS.Signals): Promise<AgentExit> {
    // A no-op once it has exited: node never signals a process it has already reaped.
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_LIMIT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

const LOCK = join(tmpdir(), 'lifeline-e2e-launch.lock');
const LOCK_WAIT_MS = 180_000;
// A lock folder without its owner file yet is being taken right now; one older than this was abandoned.
const OWNERLESS_STALE_MS = 5_000;

/** Runs `work` holding a lock folder shared by every test process on this machine. */
async function withLaunchLock<T>(work: () => Promise<T>): Promise<T> {
  const until = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'owner'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockIsStale()) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > until) throw new Error(`${LOCK} was held for more than ${LOCK_WAIT_MS / 1000} s; remove it if no test is running.`);
      else await sleep(50);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function lockIsStale(): boolean {
  try {
    return !isRunning(Number(readFileSync(join(LOCK, 'owner'), 'utf8')));
  } catch {
    try {
      return Date.now() - statSync(LOCK).mtimeMs > OWNERLESS_STALE_MS;
    } catch {
      return false;
    }
  }
}
