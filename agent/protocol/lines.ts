import { StringDecoder } from 'node:string_decoder';

// JSON lines off a byte stream. TCP delivers arbitrary slices, so a line may span many chunks and a chunk
// may hold many lines; a line longer than the limit is dropped as it streams in (never buffered whole), so
// a peer cannot grow the reader's memory past the limit by never sending a newline.

export type LineEvent = { kind: 'line'; text: string } | { kind: 'too-long'; bytes: number };

/** Splits a byte stream into lines of at most `maxBytes` bytes (the newline not counted). */
export class LineReader {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private pendingBytes = 0;
  /** Bytes of an over-long line seen so far; its remainder is skipped up to the next newline. */
  private skipping: number | null = null;

  constructor(private readonly maxBytes: number) {}

  /** The complete lines (and over-long ones, as events) the chunk finishes, in order. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(start, end));
      if (newline === -1) break;
      events.push(this.finishLine());
      start = newline + 1;
    }
    return events;
  }

  private take(part: Buffer): void {
    if (this.skipping !== null) {
      this.skipping += part.length;
      return;
    }
    if (this.pendingBytes + part.length > this.maxBytes) {
      this.skipping = this.pendingBytes + part.length;
      this.pending = '';
      this.pendingBytes = 0;
      this.decoder.end();
      return;
    }
    this.pending += this.decoder.write(part);
    this.pendingBytes += part.length;
  }

  private finishLine(): LineEvent {
    if (this.skipping !== null) {
      const bytes = this.skipping;
      this.skipping = null;
      return { kind: 'too-long', bytes };
    }
    const text = (this.pending + this.decoder.end()).replace(/\r$/, '');
    this.pending = '';
    this.pendingBytes = 0;
    return { kind: 'line', text };
  }
}

/** One message as a line. JSON.stringify never emits a raw newline, so the framing cannot break. */
export function toLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
