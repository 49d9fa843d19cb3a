import { z } from 'zod';
import type { LifelineRequests, RequestName, Result } from '../../preload/api';
import { fail, invalid } from './errors';
import { serverInputSchema } from './server-rules';

const recordId = z.string({ error: 'id must be text' }).min(1, { error: 'id is required' }).max(64);

/**
 * The argument schemas of every request, by method name. Both transports (IPC and WebSocket) run each
 * incoming call through `dispatch`, so nothing reaches a handler unvalidated.
 */
export const requestSchemas = {
  getAppInfo: z.tuple([]),
  listServers: z.tuple([]),
  createServer: z.tuple([serverInputSchema]),
  updateServer: z.tuple([recordId, serverInputSchema]),
  deleteServer: z.tuple([recordId]),
} satisfies Record<RequestName, z.ZodTuple>;

export type ParsedArgs<K extends RequestName> = z.output<(typeof requestSchemas)[K]>;

/** What `main/api` implements: each request with its arguments already validated and normalized. */
export type RequestHandlers = {
  [K in RequestName]: (...args: ParsedArgs<K>) => ReturnType<LifelineRequests[K]>;
};

export const requestNames = Object.keys(requestSchemas) as RequestName[];

export function isRequestName(value: unknown): value is RequestName {
  return typeof value === 'string' && Object.hasOwn(requestSchemas, value);
}

/** Validates a call from a transport and runs it. Never throws: every failure is a typed result. */
export async function dispatch(handlers: RequestHandlers, method: unknown, args: unknown): Promise<Result<unknown>> {
  if (!isRequestName(method)) {
    return fail('BAD_REQUEST', `Unknown method ${JSON.stringify(String(method)).slice(0, 80)}.`);
  }
  const parsed = requestSchemas[method].safeParse(args);
  if (!parsed.success) return describeInvalid(method, parsed.error);
  try {
    const handler = handlers[method] as (...a: unknown[]) => Promise<Result<unknown>>;
    return await handler.apply(handlers, parsed.data as unknown[]);
  } catch (error) {
    console.error(`lifeline: ${method} failed:`, error);
    return fail('INTERNAL', `${method} failed unexpectedly: ${(error as Error)?.message ?? String(error)}. Details are in the log.`);
  }
}

// Issues inside an object argument are the user's field errors (shown next to each field); anything else
// means the caller sent the wrong shape, which is a bug in the caller.
function describeInvalid(method: RequestName, error: z.ZodError): Result<never> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const [, field] = issue.path;
    if (issue.path.length >= 2 && typeof field === 'string') fields[field] ??= issue.message;
    else {
      const where = issue.path.length ? ` at ${issue.path.join('.')}` : '';
      return fail('BAD_REQUEST', `Invalid arguments for ${method}${where}: ${issue.message}.`);
    }
  }
  return invalid(fields);
}
