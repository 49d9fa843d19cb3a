import { SshError } from './errors';

/**
 * The time limit of one login (TCP connect, handshake, authentication), exposed as an AbortSignal that
 * also follows the caller's own signal. It stops counting while a person answers a host key question or
 * a prompt, and resumes with the time that was left.
 */
export class LoginDeadline {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private startedAt = 0;
  private pauses = 0;
  private disposed = false;

  constructor(
    private readonly limitMs: number,
    private readonly where: string,
    private readonly outer?: AbortSignal,
  ) {
    this.remainingMs = limitMs;
    if (outer?.aborted) this.cancel();
    else {
      outer?.addEventListener('abort', this.cancel);
      this.start();
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The SshError the signal was aborted with (TIMEOUT or CANCELLED). */
  get reason(): SshError {
    return this.controller.signal.reason as SshError;
  }

  readonly pause = (): void => {
    if (this.pauses++ > 0 || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remainingMs -= performance.now() - this.startedAt;
  };

  readonly resume = (): void => {
    if (--this.pauses > 0 || this.disposed) return;
    this.start();
  };

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.outer?.removeEventListener('abort', this.cancel);
  }

  private start(): void {
    clearTimeout(this.timer);
    this.startedAt = performance.now();
    this.timer = setTimeout(this.expire, Math.max(0, this.remainingMs));
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const seconds = Math.round(this.limitMs / 100) / 10;
    this.abort(new SshError('TIMEOUT', `${this.where} did not complete the login within ${seconds} s. Check that the host is up and answers SSH on that port; on a slow link, raise the timeout.`));
  };

  private readonly cancel = (): void => {
    this.abort(new SshError('CANCELLED', `Connecting to ${this.where} was cancelled.`, { cause: this.outer?.reason }));
  };

  private abort(reason: SshError): void {
    this.dispose();
    this.controller.abort(reason);
  }
}
