import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { noteLine } from './job-log';

/**
 * The output file of one run of one step. Its programs write their stdout and stderr straight into it
 * (its descriptor is theirs), so they can go on when the agent is gone; the step's own notes are appended
 * between them. The runner copies the file into the job log as it grows (see output-tail.ts).
 */
export class StepLog {
  readonly fd: number;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // Appending, for both the agent and the programs: each write lands at the end, whoever makes it.
    this.fd = openSync(file, 'a', 0o600);
  }

  write(text: string): void {
    if (this.closed) return;
    const bytes = Buffer.from(text, 'utf8');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
    } catch {
      // A full disk loses the note, as it loses the programs' own output; the step goes on regardless.
    }
  }

  /** A line of the step's own, stamped with the time. */
  note(text: string): void {
    this.write(noteLine(this.now(), text));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
