// A PTY is read 4 KiB at a time, so a flood reaches us as thousands of small SSH packets a second.
// Sent one by one, each costs the renderer a task, an event and an ack of its own, which measured here
// capped a terminal at a quarter of what xterm.js parses. Packets that arrive in the same turn of the
// event loop (one TCP read holds many) are joined and cross as one message; typing stays immediate,
// since the flush is the next turn, not a timer.
export const MAX_BATCH_BYTES = 256 * 1024;

/** Joins the chunks pushed within one event-loop turn (up to `maxBytes`) into one delivery. */
export class ChunkBatcher {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly deliver: (chunk: Buffer) => void,
    private readonly maxBytes = MAX_BATCH_BYTES,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    if (this.bytes >= this.maxBytes) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Delivers what is waiting now. */
  flush(): void {
    this.cancelSchedule();
    if (this.bytes === 0) return;
    const chunk = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bytes);
    this.chunks = [];
    this.bytes = 0;
    this.deliver(chunk);
  }

  /** Forgets what is waiting: its consumer is gone. */
  discard(): void {
    this.cancelSchedule();
    this.chunks = [];
    this.bytes = 0;
  }

  private cancelSchedule(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
  }
}
