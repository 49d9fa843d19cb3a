// Test support: a sink that keeps the lines it is given, and a logger writing to one.
import { Writable } from 'node:stream';
import { Logger, LogOutput, type LogOutputOptions } from './logger';

/** Keeps every line; a `stuck` one holds each write's callback until release(), like a full disk. */
export class LogCollector extends Writable {
  readonly lines: string[] = [];
  private held: (() => void)[] = [];

  constructor(private stuck = false) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.lines.push(chunk.toString('utf8'));
    if (this.stuck) this.held.push(() => callback());
    else callback();
  }

  release(): void {
    this.stuck = false;
    const held = this.held;
    this.held = [];
    for (const callback of held) callback();
  }

  /** The lines as objects; throws on a line that is not one whole JSON object. */
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => {
      if (!line.endsWith('\n') || line.slice(0, -1).includes('\n')) throw new Error(`not one line: ${JSON.stringify(line)}`);
      return JSON.parse(line) as Record<string, unknown>;
    });
  }
}

/** A logger whose lines land in the returned collector. */
export function collectingLogger(options: Omit<LogOutputOptions, 'sinks'> = {}): { logger: Logger; collector: LogCollector } {
  const collector = new LogCollector();
  return { logger: new Logger(new LogOutput({ ...options, sinks: [collector] })), collector };
}
