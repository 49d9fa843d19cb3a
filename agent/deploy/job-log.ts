import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogFollower = (text: string) => void;

/**
 * One job's output: appended to its own file up to a size cap, and handed to live followers in full.
 * Writes are synchronous so that the byte offset a step records is exactly where its output begins.
 * Past the cap the file takes nothing more until close, which adds one line saying how much was cut.
 */
export class JobLog {
  private readonly fd: number;
  private size: number;
  private cut = 0;
  /** Set when the file could not be written (say, a full disk); the deploy goes on without it. */
  private writeFailed = false;
  private readonly followers = new Set<{ onText: LogFollower; onEnd?: () => void }>();
  private closed = false;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Appending: a resumed deploy continues the log of its first run.
    this.fd = openSync(file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  /** Bytes stored in the file so far. */
  get offset(): number {
    return this.size;
  }

  write(text: string): void {
    if (this.closed || text === '') return;
    this.tell(text);
    const bytes = Buffer.from(text, 'utf8');
    const room = Math.max(0, this.maxBytes - this.size);
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    if (kept.length > 0 && !this.writeFailed) this.append(kept);
    this.cut += bytes.length - kept.length;
  }

  /** A line of the runner's own, stamped with the time. */
  note(text: string): void {
    this.write(`[${new Date(this.now()).toISOString()}] ${text}\n`);
  }

  /** Live output from now on; `onEnd` runs when the log closes. Returns the unsubscribe function. */
  follow(onText: LogFollower, onEnd?: () => void): () => void {
    const follower = { onText, onEnd };
    this.followers.add(follower);
    return () => this.followers.delete(follower);
  }

  close(): void {
    if (this.closed) return;
    if (this.cut > 0 && !this.writeFailed) {
      this.append(Buffer.from(`\n[lifeline] ${this.cut} bytes of output were not stored: this log is capped at ${this.maxBytes} bytes (live viewers received all of it).\n`));
    }
    this.closed = true;
    closeSync(this.fd);
    for (const follower of this.followers) follower.onEnd?.();
    this.followers.clear();
  }

  private tell(text: string): void {
    for (const follower of this.followers) {
      try {
        follower.onText(text);
      } catch {
        // A viewer that fails (say, a closed connection) loses its feed; the deploy and the file go on.
        this.followers.delete(follower);
      }
    }
  }

  private append(bytes: Buffer): void {
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
      this.size += bytes.length;
    } catch (error) {
      this.writeFailed = true;
      this.tell(`[lifeline] this job's log file ${this.file} cannot be written any more (${(error as Error).message}); output is shown live only.\n`);
    }
  }
}
