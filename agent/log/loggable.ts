/** Field names whose values never reach a log, at any depth (`headers.authorization`, `hook.secret`, `apiToken`…). */
const SECRET_NAME = /secret|token|passw(or)?d|passphrase|signature|authori[sz]ation|cookie|api[-_]?key|private[-_]?key|credential/i;

export const REDACTED = '[redacted]';

export function looksSecret(key: string): boolean {
  return SECRET_NAME.test(key);
}

export interface LoggableOptions {
  /** Whether a field of this name holds a secret. */
  readonly redact: (key: string) => boolean;
  /** Include errors' stacks (they are long; worth it when debugging). */
  readonly stacks: boolean;
}

// Deep enough for a request's headers or a job's payload; a cap keeps a huge object from stalling a log call.
const MAX_DEPTH = 8;

/**
 * A copy of `value` that JSON.stringify cannot choke on and that holds no secret: errors become
 * { name, message, code, stack?, cause? }, secret-named fields "[redacted]", cycles "[circular]",
 * bigints strings and byte buffers their length.
 */
export function toLoggable(value: unknown, options: LoggableOptions): unknown {
  return convert(value, options, 0, new Set());
}

function convert(value: unknown, options: LoggableOptions, depth: number, ancestors: Set<object>): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  ancestors.add(value);
  try {
    if (value instanceof Error) return convertError(value, options, depth, ancestors);
    if (Array.isArray(value)) return value.map((item) => convert(item, options, depth + 1, ancestors));
    const withJson = value as { toJSON?: unknown };
    // Dates, URLs and the like know their own JSON form.
    if (typeof withJson.toJSON === 'function') return convert((withJson.toJSON as () => unknown)(), options, depth + 1, ancestors);
    return convertFields(value as Record<string, unknown>, options, depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

/** Converts each field of an object, redacting those named like secrets. */
export function convertFields(fields: Readonly<Record<string, unknown>>, options: LoggableOptions, depth = 0, ancestors = new Set<object>()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    const field = fields[key];
    out[key] = field !== undefined && options.redact(key) ? REDACTED : convert(field, options, depth + 1, ancestors);
  }
  return out;
}

function convertError(error: Error, options: LoggableOptions, depth: number, ancestors: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (code !== undefined) out.code = convert(code, options, depth + 1, ancestors);
  if (options.stacks && error.stack) out.stack = error.stack;
  // Node's fetch says only "fetch failed"; the reason (ECONNREFUSED, a certificate…) is the cause.
  if (cause !== undefined) out.cause = convert(cause, options, depth + 1, ancestors);
  return out;
}
