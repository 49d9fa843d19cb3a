import { StringDecoder } from 'node:string_decoder';

/**
 * One stream of a command: every chunk decoded for live listeners (a character split across chunks is
 * held back until it is whole), and the first `capBytes` kept for the ledger, so a command that prints
 * gigabytes costs the agent no more memory than the cap.
 */
export class CapturedOutput {
  private readonly live = new StringDecoder('utf8');
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private dropped = false;

  constructor(private readonly capBytes: number) {}

  /** Takes a chunk; returns its text for live listeners ('' when it ends inside a character). */
  push(chunk: Buffer): string {
    const room = this.capBytes - this.keptBytes;
    if (chunk.length > room) this.dropped = true;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    return this.live.write(chunk);
  }

  /** The rest of the live text once the stream has ended (an unfinished character, as U+FFFD). */
  end(): string {
    return this.live.end();
  }

  get truncated(): boolean {
    return this.dropped;
  }

  /** What the ledger stores: whole characters only, so a cut never ends in half of one. */
  stored(): string {
    const decoder = new StringDecoder('utf8');
    const text = decoder.write(Buffer.concat(this.kept));
    return this.dropped ? text : text + decoder.end();
  }
}
