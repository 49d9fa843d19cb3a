import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { DeployRecord } from '../deploy/deploy-store';
import type { Job, JobState } from '../queue/job';
import type { SseChannel } from './sse';

/** What following a job's log needs from the queue and the deploy runner. */
export interface JobLogSource {
  job(jobId: number): Job | undefined;
  deploys(jobId: number): DeployRecord[];
  logFile(jobId: number): string;
  /** DeployRunner.followLog: the stored log, then live output while this process runs the deploy. */
  followLog(jobId: number, onChunk: (text: string) => void, onEnd?: () => void): () => void;
  /** Whether this process runs the job's deploy now, so that its output can be followed live. */
  runsHere(jobId: number): boolean;
}

// States in which more output is still to come: waiting to start (or to resume), or running elsewhere.
const UNFINISHED: readonly JobState[] = ['queued', 'running'];
const READ_BYTES = 64 * 1024;

/**
 * Feeds one job's log to an SSE channel as `log` events: what its file holds, then live output while
 * this process runs the deploy, then one `end` event with the job's state and its last deploy's outcome
 * once the job is neither queued nor running (a `failed` job's retry comes later: follow it again then).
 * A job that waits, or runs in another agent process, is watched by polling its state and file every
 * `pollMs`. The file is read in pieces, each after the client has taken the last, so a long log never
 * piles up in memory; `sent` counts the file's bytes delivered, so nothing is sent twice or skipped when
 * the feed switches between the file and live output.
 */
export class JobLogFeed {
  private sent = 0;
  private readonly decoder = new StringDecoder('utf8');
  private unfollow: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly channel: SseChannel,
    private readonly jobId: number,
    private readonly source: JobLogSource,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.channel.onClose((why) => {
      clearTimeout(this.timer);
      this.unfollow?.();
      this.unfollow = undefined;
      if (why === 'agent-stopping') {
        const message = `The agent is stopping. Job ${this.jobId}'s log is kept; connect again once the agent is back to follow the rest.`;
        this.channel.send('stopping', JSON.stringify({ jobId: this.jobId, message }));
      }
    });
    void this.step();
  }

  private async step(): Promise<void> {
    try {
      await this.catchUp();
      if (this.channel.closed) return;
      if (this.source.runsHere(this.jobId) && this.follow()) return;
      const job = this.source.job(this.jobId);
      if (job && UNFINISHED.includes(job.state)) {
        this.timer = setTimeout(() => void this.step(), this.pollMs);
        return;
      }
      this.finish(job);
    } catch (error) {
      const message = `The log of job ${this.jobId} could not be read (${error instanceof Error ? error.message : String(error)}); it is ${this.source.logFile(this.jobId)} on the agent's machine.`;
      this.channel.send('problem', JSON.stringify({ jobId: this.jobId, message }));
      this.channel.end();
    }
  }

  /** Sends the file from `sent` to its end, a piece at a time, waiting for a lagging client. */
  private async catchUp(): Promise<void> {
    while (!this.channel.closed) {
      const text = this.readMore(READ_BYTES);
      if (text === undefined) return;
      if (!this.send(text)) await this.channel.drained();
    }
  }

  /**
   * Subscribes to the live output; false when the deploy is not (or no longer) running here. followLog
   * reads the file and subscribes in one tick, and the rest of the file is read here in that same tick,
   * so the live output continues exactly where the file leaves off.
   */
  private follow(): boolean {
    let subscribing = true;
    let live = true;
    const unfollow = this.source.followLog(
      this.jobId,
      (text) => {
        // The first call is the stored log, which this feed reads itself (from `sent`, by bytes).
        if (!subscribing) this.send(text);
      },
      () => {
        live = false;
        this.unfollow = undefined;
        // Not running here after all: the next poll reads on from `sent`.
        if (subscribing) return;
        // What the live feed delivered (all of it, even past the file's cap) stands for the file so far.
        this.sent = fileSize(this.source.logFile(this.jobId)) ?? this.sent;
        // The deploy ended; its worker settles the job's state right after, within this turn.
        setImmediate(() => void this.step());
      },
    );
    subscribing = false;
    if (!live) return false;
    this.unfollow = unfollow;
    this.send(this.readMore(Number.MAX_SAFE_INTEGER) ?? '');
    return true;
  }

  private finish(job: Job | undefined): void {
    const deploy = this.source.deploys(this.jobId).at(-1);
    const end = {
      jobId: this.jobId,
      state: job?.state ?? 'deleted',
      lastError: job?.lastError ?? null,
      deploy: deploy ? { attempt: deploy.attempt, phase: deploy.phase, error: deploy.error } : null,
    };
    this.channel.send('end', JSON.stringify(end));
    this.channel.end();
  }

  private send(text: string): boolean {
    return text === '' || this.channel.send('log', text);
  }

  /** Up to `limit` bytes of the file past `sent`; undefined when there are none. */
  private readMore(limit: number): string | undefined {
    const file = this.source.logFile(this.jobId);
    const size = fileSize(file);
    if (size === undefined || size <= this.sent) return undefined;
    const length = Math.min(size - this.sent, limit);
    const bytes = Buffer.alloc(length);
    const fd = openSync(file, 'r');
    let read = 0;
    try {
      while (read < length) {
        const got = readSync(fd, bytes, read, length - read, this.sent + read);
        if (got === 0) break;
        read += got;
      }
    } finally {
      closeSync(fd);
    }
    this.sent += read;
    // A character cut at the end of a piece is held back until the next one.
    return this.decoder.write(bytes.subarray(0, read));
  }
}

function fileSize(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
