import type { ApiError, ErrorCode, Result } from '../../preload/api';

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail(code: ErrorCode, message: string, fields?: Record<string, string>): ApiError {
  return fields ? { ok: false, code, message, fields } : { ok: false, code, message };
}
