// Load from wrk (Debian's `wrk` package), pinned to its own core: signed GitHub push deliveries, each with
// a delivery id of its own, so that a server that deduplicates makes a job of every one.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// wrk runs one Lua state per thread. Each thread builds every request itself so that its delivery id is
// new: "<tag>-<thread>-<counter>". done() runs once at the end and prints the summary as one JSON line,
// which is read instead of wrk's human-readable report. Latencies there are microseconds.
const SCRIPT = `
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

local body, headers, tag
local counter = 0
function init(args)
  local file = assert(io.open(args[1], "rb"))
  body = file:read("*a")
  file:close()
  tag = args[3]
  headers = {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "GitHub-Hookshot/bench",
    ["X-GitHub-Event"] = "push",
    ["X-GitHub-Hook-ID"] = "1",
    ["X-Hub-Signature-256"] = args[2],
  }
end

function request()
  counter = counter + 1
  headers["X-GitHub-Delivery"] = tag .. "-" .. thread_id .. "-" .. counter
  return wrk.format("POST", nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
`;

export interface WrkRun {
  /** The full URL of the hook. */
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Starts every delivery id of the run, so the run's deliveries can be counted in a database afterwards. */
  readonly tag: string;
}

export interface WrkResult {
  /** Responses received in full. */
  readonly requests: number;
  /** Responses with a status of 400 or more (wrk's "Non-2xx or 3xx responses"). */
  readonly refused: number;
  /** Connections that failed to open, read or write. */
  readonly socketErrors: number;
  /** Requests without an answer within 10 s, GitHub's own limit: a sender counts them as failed deliveries. */
  readonly timeouts: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** A load generator bound to one delivery body and signature; its files live in `dir`. */
export class WrkLoad {
  private readonly script: string;
  private readonly bodyFile: string;

  constructor(
    dir: string,
    body: string,
    private readonly signature: string,
    /** The CPU wrk runs on (taskset), apart from the servers'. */
    private readonly cpu: number,
  ) {
    this.script = join(dir, 'deliveries.lua');
    this.bodyFile = join(dir, 'delivery.json');
    writeFileSync(this.script, SCRIPT);
    writeFileSync(this.bodyFile, body);
  }

  /** One wrk run; rejects when wrk fails or prints no summary. */
  async run(run: WrkRun): Promise<WrkResult> {
    // One thread: wrk has one core, and a run at one connection cannot have more threads than connections.
    // --latency adds the distribution to wrk's own report, which failure messages quote.
    const wrk = ['wrk', '-t1', `-c${run.connections}`, `-d${run.seconds}s`, '--timeout', '10s', '--latency', '-s', this.script, run.url];
    const output = await runToEnd('taskset', ['-c', String(this.cpu), ...wrk, '--', this.bodyFile, this.signature, run.tag]);
    const line = /^WRK_RESULT (.*)$/m.exec(output)?.[1];
    if (!line) throw new Error(`wrk printed no summary. Its output:\n${output}`);
    const raw = JSON.parse(line) as Record<'requests' | 'durationUs' | 'p50Us' | 'p99Us' | 'maxUs' | 'connect' | 'read' | 'write' | 'status' | 'timeout', number>;
    return {
      requests: raw.requests,
      refused: raw.status,
      socketErrors: raw.connect + raw.read + raw.write,
      timeouts: raw.timeout,
      perSecond: raw.requests / (raw.durationUs / 1e6),
      p50Ms: raw.p50Us / 1000,
      p99Ms: raw.p99Us / 1000,
      maxMs: raw.maxUs / 1000,
    };
  }
}

/** Runs a command to its exit; resolves with stdout and stderr together, rejects on a non-zero exit. */
function runToEnd(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.once('error', (error) => reject(new Error(`${command} could not start: ${error.message}.`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}. Its output:\n${output}`));
    });
  });
}
