import type { LogFields, LogLevel, LogOutput } from './log-output';

export { LOG_LEVELS, LogOutput, type LogFields, type LogLevel, type LogOutputOptions } from './log-output';

/**
 * Writes structured lines to a LogOutput, each carrying this logger's fields; `child` adds more (a
 * request id, a job id, a site) for everything logged within that scope. Errors go in a field
 * (`{ error }`) and are written as { name, message, code, stack at debug, cause }. Never throws.
 */
export class Logger {
  constructor(
    private readonly output: LogOutput,
    private readonly fields: LogFields = {},
  ) {}

  /** A logger whose lines also carry `fields`; a field given again replaces the parent's. */
  child(fields: LogFields): Logger {
    return new Logger(this.output, { ...this.fields, ...fields });
  }

  /** Whether a line of this level would be written: skip building costly fields when it would not. */
  enabled(level: LogLevel): boolean {
    return this.output.enabled(level);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  log(level: LogLevel, msg: string, fields?: LogFields): void {
    this.output.write(level, msg, this.fields, fields);
  }
}
