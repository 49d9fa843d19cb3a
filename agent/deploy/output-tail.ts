import { closeSync, constants, fstatSync, openSync, readSync, truncateSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { JobLog } from './job-log';

export interface TailFiles {
  /** The step's output file (see step-log.ts). */
  output: string;
  /** Where the copy's progress is kept. */
  progress: string;
}

const CHUNK_BYTES = 64 * 1024;
const POLL_MS = 100;
// A step that floods its file cannot hold the event loop for longer than copying this much takes.
const BYTES_PER_POLL = 64 * CHUNK_BYTES;
// Past the job log's cap, the step's file is emptied once it holds this much that has been copied.
const EMPTY_AT_BYTES = 1024 * 1024;
// Two numbers of up to 16 digits each, overwritten in place.
const PROGRESS_BYTES = 40;

/**
 * Copies a step's output file into the job log as it grows, 64 KiB at a time, so memory stays bounded
 * whatever the step prints; the job log applies its cap, and live followers get everything.
 *
 * The progress (bytes of the step's file copied, and the job log's size right after) is saved next to
 * the file after every chunk, so an agent that starts again continues where a killed one stopped: no
 * output copied twice, none lost.
 */
export class OutputTail {
  private readonly outputFd: number;
  private readonly progressFd: number;
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private readonly decoder = new StringDecoder('utf8');
  private position: number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly files: TailFiles,
    private readonly log: JobLog,
  ) {
    this.outputFd = openSync(files.output, constants.O_RDONLY | constants.O_CREAT, 0o600);
    this.progressFd = openSync(files.progress, constants.O_RDWR | constants.O_CREAT, 0o600);
    this.position = this.startPosition();
    // From here on, whatever the job log gains past its current size was copied by this tail.
    this.save();
  }

  /** Copies what the file gains from now on, a few times a second, until stop(). */
  start(): void {
    this.timer ??= setInterval(() => {
      try {
        this.copy(this.position + BYTES_PER_POLL);
      } catch (error) {
        this.fail(error);
      }
    }, POLL_MS);
  }

  /** Copies the rest of what the file holds now and lets go of it. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    try {
      // Up to its size now: a process the step left behind outside its group may write on forever.
      this.copy(fstatSync(this.outputFd).size);
    } catch (error) {
      this.fail(error);
    }
    const rest = this.decoder.end();
    if (rest) this.log.copy(Buffer.alloc(0), rest);
    closeSync(this.outputFd);
    closeSync(this.progressFd);
  }

  private copy(until: number): void {
    while (this.position < until) {
      const read = readSync(this.outputFd, this.buffer, 0, Math.min(CHUNK_BYTES, until - this.position), this.position);
      if (read === 0) {
        this.emptyIfSpent();
        return;
      }
      const bytes = this.buffer.subarray(0, read);
      this.log.copy(bytes, this.decoder.write(bytes));
      this.position += read;
      this.save();
    }
  }

  /**
   * Past the job log's cap nothing more is stored, so the copied part of the step's file is not needed
   * again, and emptying it keeps a chatty step from filling the disk. Output the step writes between the
   * last read and the truncation is lost; only live viewers would have seen it.
   */
  private emptyIfSpent(): void {
    if (!this.log.full || this.position < EMPTY_AT_BYTES) return;
    truncateSync(this.files.output, 0);
    this.position = 0;
    this.save();
  }

  private startPosition(): number {
    const saved = this.readProgress();
    if (!saved) return 0;
    // A killed agent may have added one more chunk to the job log before it could save that: whatever
    // the log gained past the saved size before this agent opened it.
    const unsaved = Math.max(0, this.log.sizeWhenOpened - saved.logSize);
    return Math.min(saved.copied + unsaved, fstatSync(this.outputFd).size);
  }

  private readProgress(): { copied: number; logSize: number } | undefined {
    const bytes = Buffer.alloc(PROGRESS_BYTES);
    const read = readSync(this.progressFd, bytes, 0, PROGRESS_BYTES, 0);
    const match = /^(\d+) (\d+)/.exec(bytes.subarray(0, read).toString('latin1'));
    return match ? { copied: Number(match[1]), logSize: Number(match[2]) } : undefined;
  }

  private save(): void {
    const line = Buffer.from(`${this.position} ${this.log.offset}`.padEnd(PROGRESS_BYTES - 1) + '\n', 'latin1');
    try {
      writeSync(this.progressFd, line, 0, line.length, 0);
    } catch {
      // Without it, an agent that starts again after a crash may copy up to one chunk a second time.
    }
  }

  private fail(error: unknown): void {
    clearInterval(this.timer);
    this.log.write(`[lifeline] the step's output file ${this.files.output} cannot be read any more (${(error as Error).message}); its output is missing from here on.\n`);
  }
}
