import type { ApiError, ErrorCode, Result } from '../../preload/api';

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, message: string, fields?: Record<string, string>): ApiError {
  return fields ? { ok: false, code, message, fields } : { ok: false, code, message };
}

/** A VALIDATION failure: `fields` says what to change in each field; the message lists them all. */
export function invalid(fields: Record<string, string>): ApiError {
  return fail('VALIDATION', `Please correct the highlighted fields: ${Object.values(fields).join('; ')}.`, fields);
}
