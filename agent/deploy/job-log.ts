import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export type LogFollower = (text: string) => void;

/** A line of the agent's own in a log, stamped with the time. */
export function noteLine(at: number, text: string): string {
  return `[${new Date(at).toISOString()}] ${text}\n`;
}

/**
 * One job's output: appended to its own file up to a size cap, and handed to live followers in full.
 * Writes are synchronous so that the byte offset a step records is exactly where its output begins.
 * Past the cap the file takes nothing more until close, which adds one line saying how much was cut.
 */
export class JobLog {
  private readonly fd: number;
  private size: number;
  /** Bytes the file held when it was opened: what an earlier run of the agent had written. */
  readonly sizeWhenOpened: number;
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
    this.sizeWhenOpened = this.size;
  }

  /** Bytes stored in the file so far. */
  get offset(): number {
    return this.size;
  }

  /** Whether the file takes no more output: it reached its cap, or cannot be written. */
  get full(): boolean {
    return this.size >= this.maxBytes || this.writeFailed;
  }

  write(text: string): void {
    this.put(Buffer.from(text, 'utf8'), text);
  }

  /**
   * Output copied from a step's own file: the bytes are stored as they are, so that the file's offsets
   * match the step's, and `text` (their decoding) goes to live followers.
   */
  copy(bytes: Buffer, text: string): void {
    this.put(bytes, text);
  }

  /** A line of the runner's own, stamped with the time. */
  note(text: string): void {
    this.write(noteLine(this.now(), text));
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
      this.store(Buffer.from(`\n[lifeline] ${this.cut} bytes of output were not stored: this log is capped at ${this.maxBytes} bytes (live viewers received all of it).\n`));
    }
    this.closed = true;
    closeSync(this.fd);
    for (const follower of this.followers) follower.onEnd?.();
    this.followers.clear();
  }

  private put(bytes: Buffer, text: string): void {
    if (this.closed) return;
    if (text !== '') this.tell(text);
    const room = Math.max(0, this.maxBytes - this.size);
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    if (kept.length > 0 && !this.writeFailed) this.store(kept);
    this.cut += bytes.length - kept.length;
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

  private store(bytes: Buffer): void {
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
