import type { AgentResponse } from './route';

/** A JSON response. Health and status answers describe this instant, so no cache may keep them. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): AgentResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(value),
  };
}

/** The body of every error answer: a stable code for scripts, a sentence for people, the id to find the log line. */
export function errorResponse(
  status: number,
  error: string,
  message: string,
  requestId: string,
  headers?: Record<string, string>,
): AgentResponse {
  return jsonResponse(status, { error, message, requestId }, headers);
}
