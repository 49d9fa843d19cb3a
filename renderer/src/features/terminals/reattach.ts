// A tab whose stream's line dropped attaches again by itself, so output resumes without a click: at once
// when the console connection comes back, or — when the connection stayed up and only this stream was
// closed (the console let go of a reader that fell far behind) — after a growing pause. A stream that
// keeps dropping without delivering anything stops being retried: then the tab's Reattach button is the way.
export const REATTACH_DELAYS_MS: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000];

/** Decides when one tab's stream is attached again after its line dropped. */
export class Reattacher {
  private lost = false;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly reattach: () => void) {}

  /** The stream's line dropped; `connectionOpen`: the console connection itself is still up. */
  lineLost(connectionOpen: boolean): void {
    this.cancel();
    this.lost = true;
    if (!connectionOpen) return;
    const delay = REATTACH_DELAYS_MS[this.failures];
    if (delay === undefined) return;
    this.failures++;
    this.timer = setTimeout(() => this.fire(), delay);
  }

  /** The console connection is open again. */
  connectionOpened(): void {
    if (this.lost) this.fire();
  }

  /** Output arrived: the stream works, so a later drop starts the pauses from the shortest again. */
  flowing(): void {
    this.failures = 0;
  }

  /** Attached by hand, or detached for a reason that reattaching would not fix. */
  settle(): void {
    this.cancel();
    this.lost = false;
  }

  dispose(): void {
    this.settle();
  }

  private fire(): void {
    this.settle();
    this.reattach();
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
