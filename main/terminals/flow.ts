import type { Readable } from 'node:stream';

export interface FlowLimits {
  /** Unacknowledged bytes above which the source is paused. */
  readonly highWatermark: number;
  /** Unacknowledged bytes at or below which a paused source resumes. */
  readonly lowWatermark: number;
  /**
   * Recent output kept to repaint a new attachment. Without a consumer it is also the most the source
   * may run ahead: the source is paused when that much is waiting, never trimmed.
   */
  readonly replayBytes: number;
}

// Bytes, not characters: what crosses the wire and what memory holds. The window must cover what is in
// flight during one ack round trip (the renderer parses a batch, its ack crosses back, the channel
// resumes, sshd refills): at xterm.js's tens of MB/s that is hundreds of KiB. Measured here, a 128 KiB
// window left the page idle between batches; 1 MiB with a resume at 256 KiB keeps it busy and still
// bounds what one terminal holds to about a megabyte. (VS Code's 100k characters suit its smaller,
// per-5k-character acks; ours ack whole parsed batches.)
export const DEFAULT_FLOW_LIMITS: FlowLimits = { highWatermark: 1024 * 1024, lowWatermark: 256 * 1024, replayBytes: 256 * 1024 };

/** Read-only counters, for tests and diagnostics. */
export interface FlowStats {
  /** Bytes handed to the consumer and not yet acknowledged. */
  readonly unacknowledged: number;
  /** The most `unacknowledged` has been since this FlowControl was made. */
  readonly maxUnacknowledged: number;
  /** Bytes of recent output held for replay. */
  readonly held: number;
  /** Whether the source is paused now. */
  readonly paused: boolean;
  /** How many times the source has been paused. */
  readonly pauses: number;
}

export interface FlowConsumer {
  /** `bytes` more have been processed. Acks beyond what was delivered are ignored. */
  ack(bytes: number): void;
  detach(): void;
}

// Pause reasons owned by this class; callers add their own (a session log's backpressure) with `hold`.
const CONSUMER_BEHIND = 'consumer-behind';
const REPLAY_FULL = 'replay-full';

/**
 * Flow control between one pausable source (a terminal's SSH channel; it may be replaced on reconnect)
 * and at most one consumer that acknowledges processed bytes. Nothing from the source is dropped: with
 * a consumer every byte is delivered in order, without one the source is paused once `replayBytes` are
 * waiting, and the next consumer receives them first.
 */
export class FlowControl {
  private source: Readable | undefined;
  private readonly holds = new Set<string>();
  private sourcePaused = false;
  private consumer: { readonly deliver: (chunk: Buffer) => void } | undefined;
  private unacknowledged = 0;
  private maxUnacknowledged = 0;
  /** The newest bytes of `recent` that no consumer has received yet. */
  private undelivered = 0;
  private readonly recent: Buffer[] = [];
  private recentBytes = 0;
  private pauses = 0;

  constructor(private readonly limits: FlowLimits = DEFAULT_FLOW_LIMITS) {
    if (!(limits.lowWatermark < limits.highWatermark)) throw new Error('The low watermark must be below the high watermark, or the source would never resume.');
  }

  get stats(): FlowStats {
    return { unacknowledged: this.unacknowledged, maxUnacknowledged: this.maxUnacknowledged, held: this.recentBytes, paused: this.sourcePaused, pauses: this.pauses };
  }

  /** Reads `source` from now on, in place of any previous one; the returned function stops reading it. */
  connect(source: Readable): () => void {
    this.source = source;
    const onData = (chunk: Buffer | string): void => this.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    source.on('data', onData);
    // Adding a 'data' listener may have set the stream flowing: the current holds apply to it at once.
    this.apply(true);
    return () => {
      source.off('data', onData);
      if (this.source === source) this.source = undefined;
    };
  }

  /**
   * Becomes the consumer, replacing any previous one (whose acks are then ignored). The recent output
   * is delivered first, before this returns, and counts as unacknowledged like any other bytes.
   */
  attach(deliver: (chunk: Buffer) => void): FlowConsumer {
    const consumer = { deliver };
    this.consumer = consumer;
    const replay = Buffer.concat(this.recent, this.recentBytes);
    this.unacknowledged = 0;
    this.undelivered = 0;
    if (replay.length > 0) this.deliver(replay);
    this.apply();
    return {
      ack: (bytes) => {
        if (this.consumer !== consumer || !Number.isSafeInteger(bytes) || bytes <= 0) return;
        this.unacknowledged = Math.max(0, this.unacknowledged - bytes);
        this.apply();
      },
      detach: () => {
        if (this.consumer !== consumer) return;
        this.consumer = undefined;
        // What it did not acknowledge was delivered all the same: nothing is owed to the next consumer but the replay.
        this.unacknowledged = 0;
        this.apply();
      },
    };
  }

  /** Pauses the source for `reason` until the returned function is called. */
  hold(reason: string): () => void {
    this.holds.add(reason);
    this.apply();
    return () => {
      this.holds.delete(reason);
      this.apply();
    };
  }

  /** Stops reading and forgets the consumer and the replay. */
  dispose(): void {
    this.source = undefined;
    this.consumer = undefined;
    this.recent.length = 0;
    this.recentBytes = 0;
  }

  private push(chunk: Buffer): void {
    if (!this.consumer) this.undelivered += chunk.length;
    this.remember(chunk);
    if (this.consumer) this.deliver(chunk);
    this.apply();
  }

  private deliver(chunk: Buffer): void {
    this.unacknowledged += chunk.length;
    this.maxUnacknowledged = Math.max(this.maxUnacknowledged, this.unacknowledged);
    this.consumer?.deliver(chunk);
  }

  /** Keeps at least the last `replayBytes` (whole chunks) and everything undelivered. */
  private remember(chunk: Buffer): void {
    this.recent.push(chunk);
    this.recentBytes += chunk.length;
    while (this.recent.length > 1) {
      const rest = this.recentBytes - this.recent[0].length;
      if (rest < this.limits.replayBytes || rest < this.undelivered) break;
      this.recentBytes = rest;
      this.recent.shift();
    }
  }

  /** Brings the source's state in line with the holds; `force` also when it seems to be already. */
  private apply(force = false): void {
    if (!this.consumer) this.holds.delete(CONSUMER_BEHIND);
    else if (this.unacknowledged > this.limits.highWatermark) this.holds.add(CONSUMER_BEHIND);
    else if (this.unacknowledged <= this.limits.lowWatermark) this.holds.delete(CONSUMER_BEHIND);
    if (!this.consumer && this.undelivered >= this.limits.replayBytes) this.holds.add(REPLAY_FULL);
    else this.holds.delete(REPLAY_FULL);

    const pause = this.holds.size > 0;
    if (!this.source || (pause === this.sourcePaused && !force)) return;
    if (pause && !this.sourcePaused) this.pauses++;
    this.sourcePaused = pause;
    if (pause) this.source.pause();
    else this.source.resume();
  }
}
