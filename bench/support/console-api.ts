// The contract of a running `lifeline web` process, called from Node the way the page calls it: over
// its /api WebSocket, with the session a browser got by opening the sign-in link.
import type { BrowserContext } from 'playwright-core';
import type { WebConsoleProcess } from '../../e2e/web-console';
import { ApiClient, type TestConsole } from '../../main/web/test-console';
import type { RequestName, Result } from '../../preload/api';

/** The `Cookie` header value of the session `context` holds for the console at `origin`. */
export async function sessionCookie(context: BrowserContext, origin: string): Promise<string> {
  const session = (await context.cookies(origin)).find((cookie) => cookie.name.startsWith('lifeline_session_'));
  if (!session) throw new Error(`The browser holds no Lifeline session for ${origin}: open the console's sign-in link in it first.`);
  return `${session.name}=${session.value}`;
}

/**
 * An ApiClient on the console process. ApiClient.connect reads only the console's host and origin from
 * its TestConsole argument, which a separate process has no more of.
 */
export function connectConsoleApi(web: WebConsoleProcess, cookie: string): Promise<ApiClient> {
  const where = { host: new URL(web.origin).host, web: { origin: web.origin } } as TestConsole;
  return ApiClient.connect(where, { cookie });
}

/** Calls `method` and returns its value; a refused call throws with the console's own message. */
export async function callOk<T>(api: ApiClient, method: RequestName, args: unknown[]): Promise<T> {
  const result = (await api.call(method, args)) as Result<T>;
  if (!result.ok) throw new Error(`The console refused ${method}: ${result.code}: ${result.message}`);
  return result.value;
}
