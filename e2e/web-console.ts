import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(__dirname, '..');
const LAUNCHER = resolve(ROOT, 'bin/lifeline.cjs');
// The one line `lifeline web` prints for the user; the tests read it exactly as a person would.
const URL_LINE = /^Lifeline web console: (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]+)$/;
// Generous: the launcher rebuilds out/ first when a source changed since the last build.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const KEEP_OUTPUT_CHARS = 8_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A `lifeline web` process started by a test. */
export class WebConsoleProcess {
  private exited: Exit | null = null;
  private readonly exit: Promise<Exit>;

  private constructor(
    private readonly child: ChildProcess,
    /** The printed link, token included. */
    readonly url: string,
    /** `http://127.0.0.1:<port>`. */
    readonly origin: string,
    readonly output: () => string,
    exit: Promise<Exit>,
  ) {
    this.exit = exit.then((result) => (this.exited = result));
  }

  /** Starts `node bin/lifeline.cjs web --port 0` with its data in `home`, and waits for its link. */
  static async start(home: string): Promise<WebConsoleProcess> {
    const child = spawn(process.execPath, [LAUNCHER, 'web', '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, LIFELINE_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (text: string) => {
      output = (output + text).slice(-KEEP_OUTPUT_CHARS);
    };
    child.stderr?.setEncoding('utf8').on('data', keep);
    const exit = new Promise<Exit>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
    // The reader keeps draining stdout after the link, so the process never blocks on a full pipe.
    const lines = createInterface({ input: child.stdout! });

    const link = await new Promise<RegExpExecArray>((resolveLink, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`lifeline web printed no link within ${START_TIMEOUT_MS / 1000} s. Its output:\n${output}`));
      }, START_TIMEOUT_MS);
      lines.on('line', (line) => {
        keep(`${line}\n`);
        const match = URL_LINE.exec(line);
        if (!match) return;
        clearTimeout(timer);
        resolveLink(match);
      });
      void exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`lifeline web exited (${code ?? signal}) before printing its link. Its output:\n${output}`));
      });
    });
    return new WebConsoleProcess(child, link[0].slice('Lifeline web console: '.length), link[1], () => output, exit);
  }

  get running(): boolean {
    return this.exited === null;
  }

  /** SIGTERM by PID, then waits for the exit; a console that ignores it is killed and reported. */
  async stop(): Promise<Exit> {
    if (this.exited) return this.exited;
    const pid = this.child.pid;
    if (pid === undefined) throw new Error('lifeline web has no PID: it never started.');
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      const result = await this.exit;
      if (result.signal === 'SIGKILL') {
        throw new Error(`lifeline web did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM. Its output:\n${this.output()}`);
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }
}
