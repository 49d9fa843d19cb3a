import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { convertFields, looksSecret, type LoggableOptions } from './loggable';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Readonly<Record<string, unknown>>;

export interface LogOutputOptions {
  /** Each line goes to every sink: the rotating log file, process.stderr, or both. */
  readonly sinks: readonly Writable[];
  /** Lines below it are not written; default 'info'. At 'debug', errors carry their stacks. */
  readonly level?: LogLevel;
  /** Epoch milliseconds; defaults to Date.now. */
  readonly now?: () => number;
  /** Whether a field of this name holds a secret; default: named like secret, token, password, signature, authorization… */
  readonly redact?: (key: string) => boolean;
  /**
   * A sink with more than this queued (a stuck disk) gets no more lines until it drains — they are
   * counted, and the count is written when it takes lines again — so memory stays bounded. Default 8 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Where a failing sink is reported, once per sink; defaults to stderr. */
  readonly report?: (message: string) => void;
}

interface SinkState {
  readonly stream: Writable;
  readonly onError: (error: Error) => void;
  failed: boolean;
  dropped: number;
}

/**
 * Turns log records into JSON lines and writes them to the sinks. It listens for the sinks' errors, so it
 * is closed (after the sinks finish; their owners end them) to let go of them. Writing never throws:
 * a log call must not be what breaks a request.
 */
export class LogOutput {
  readonly level: LogLevel;
  private readonly minimum: number;
  private readonly now: () => number;
  private readonly maxBufferedBytes: number;
  private readonly report: (message: string) => void;
  private readonly loggable: LoggableOptions;
  private readonly sinks: SinkState[];
  private closed = false;

  constructor(options: LogOutputOptions) {
    this.level = options.level ?? 'info';
    this.minimum = LOG_LEVELS.indexOf(this.level);
    this.now = options.now ?? Date.now;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.report = options.report ?? ((message) => process.stderr.write(`lifeline: ${message}\n`));
    this.loggable = { redact: options.redact ?? looksSecret, stacks: this.level === 'debug' };
    this.sinks = options.sinks.map((stream) => {
      const sink: SinkState = { stream, failed: false, dropped: 0, onError: (error) => this.fail(sink, error) };
      stream.on('error', sink.onError);
      return sink;
    });
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= this.minimum;
  }

  /** Writes one line `{time, level, msg, ...fields, ...more}` if the level passes. */
  write(level: LogLevel, msg: string, fields: LogFields, more?: LogFields): void {
    if (this.closed || !this.enabled(level)) return;
    let line: string;
    try {
      line = this.format(level, msg, convertFields(more ? { ...fields, ...more } : fields, this.loggable));
    } catch (error) {
      // A toJSON or getter that throws: the event is still worth a line.
      line = this.format(level, msg, { logError: `the fields of this line could not be written: ${describe(error)}` });
    }
    for (const sink of this.sinks) this.send(sink, line);
  }

  /**
   * Stops writing (later lines are dropped: the process is stopping, and whatever still runs, such as a
   * deploy step left to resume, says nothing more here) and lets go of the sinks' error events.
   */
  close(): void {
    this.closed = true;
    for (const sink of this.sinks) sink.stream.off('error', sink.onError);
  }

  private format(level: LogLevel, msg: string, fields: Record<string, unknown>): string {
    const head = { time: new Date(this.now()).toISOString(), level, msg };
    // The head's keys stay first and keep their values: a field cannot pass for the time or the level.
    return `${JSON.stringify(Object.assign({ ...head }, fields, head))}\n`;
  }

  private send(sink: SinkState, line: string): void {
    const { stream } = sink;
    if (sink.failed) return;
    if (stream.destroyed || stream.writableEnded) {
      this.fail(sink, stream.errored ?? new Error('it was closed while the logger still used it'));
      return;
    }
    if (stream.writableLength > this.maxBufferedBytes) {
      sink.dropped += 1;
      return;
    }
    try {
      if (sink.dropped > 0) {
        const count = sink.dropped;
        sink.dropped = 0;
        stream.write(this.format('warn', 'log lines were dropped: this log could not keep up', { dropped: count }));
      }
      stream.write(line);
    } catch (error) {
      this.fail(sink, error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(sink: SinkState, error: Error): void {
    if (sink.failed) return;
    sink.failed = true;
    const { path } = sink.stream as { path?: unknown };
    const where = typeof path === 'string' ? path : sink.stream === process.stderr ? 'stderr' : 'one of its outputs';
    const advice = typeof path === 'string' ? ` Check the free space and permissions of ${dirname(path)}.` : '';
    try {
      this.report(`Writing the log to ${where} failed (${error.message}); lines are lost there until the agent restarts.${advice}`);
    } catch {
      // Nowhere left to say it.
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
