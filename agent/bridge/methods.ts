import { describeIssues } from '../protocol/client';
import { methods, type ErrorCode, type MethodName, type MethodResult } from '../protocol/messages';
import type { BridgeHandlers, CallParams } from './options';

/** Thrown by a handler to answer a call with this code and message (which says what to do). */
export class BridgeCallError extends Error {
  override readonly name = 'BridgeCallError';

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CallContext {
  /** Sends a run's live output to the caller (dropped once the caller is gone). */
  output(stream: 'stdout' | 'stderr', text: string): void;
}

type MethodTable = { [M in MethodName]: (params: CallParams<M>, call: CallContext) => MethodResult<M> | Promise<MethodResult<M>> };

export type CallOutcome = { ok: true; result: unknown } | { ok: false; code: ErrorCode; message: string; logged?: unknown };

/**
 * Runs calls against the handlers: params checked with the method's schema, the handler's answer checked
 * with the result schema (so the wire carries only what the protocol says), errors turned into codes.
 */
export class MethodDispatcher {
  private readonly table: MethodTable;

  constructor(handlers: BridgeHandlers, deps: { agent: string; clients: () => number; now?: () => number }) {
    const now = deps.now ?? Date.now;
    this.table = {
      ping: () => ({ agent: deps.agent, time: new Date(now()).toISOString() }),
      run: (params, call) => handlers.run(params, (stream, text) => call.output(stream, text)),
      'command.get': (params) => handlers.commandGet(params.commandId),
      status: async () => ({ ...(await handlers.status()), bridgeClients: deps.clients() }),
      'tmux.send': async (params) => {
        await handlers.tmuxSend(params);
        return {};
      },
      'tmux.capture': async (params) => ({ text: await handlers.tmuxCapture(params) }),
      'jobs.list': async (params) => ({ jobs: await handlers.jobsList(params) }),
      'jobs.get': (params) => handlers.jobsGet(params.id),
      'jobs.cancel': async (params) => ({ outcome: await handlers.jobsCancel(params.id) }),
      'jobs.retry': (params) => handlers.jobsRetry(params.id),
      'logs.tail': async (params) => ({ lines: await handlers.logsTail(params.lines) }),
    };
  }

  /** Whether `method` is one the protocol defines (an own key, so "constructor" or "__proto__" are not). */
  knows(method: string): method is MethodName {
    return Object.hasOwn(methods, method);
  }

  /** The params as the method takes them, or the sentence naming what is wrong with them. */
  checkParams(method: MethodName, params: unknown): { ok: true; params: unknown } | { ok: false; message: string } {
    const parsed = methods[method].params.safeParse(params ?? {});
    if (parsed.success) return { ok: true, params: parsed.data };
    return { ok: false, message: `Invalid ${method} call: ${describeIssues(parsed.error.issues, 'params')}. Fix the call and send it again.` };
  }

  async call(method: MethodName, params: unknown, context: CallContext): Promise<CallOutcome> {
    // The table is indexed by a name known only at run time, so TypeScript cannot pair each entry with
    // its params; checkParams ran that entry's own schema on them.
    const handler = this.table[method] as (params: unknown, call: CallContext) => unknown;
    let answer: unknown;
    try {
      answer = await handler(params, context);
    } catch (error) {
      if (error instanceof BridgeCallError) return { ok: false, code: error.code, message: error.message };
      return { ok: false, code: 'INTERNAL', message: `${method} failed on the agent: ${(error as Error)?.message ?? String(error)}`, logged: error };
    }
    const result = methods[method].result.safeParse(answer);
    if (result.success) return { ok: true, result: result.data };
    return {
      ok: false,
      code: 'INTERNAL',
      message: `The agent produced an invalid ${method} result (a bug in the agent; its log has the details). Report it with the agent's version.`,
      logged: describeIssues(result.error.issues, 'result'),
    };
  }
}
