import { describe, expect, it, vi } from 'vitest';
import type { Result, Server } from '../../preload/api';
import { ok } from './errors';
import { dispatch, type RequestHandlers } from './requests';

// Handlers that record what reached them: dispatch's job is to let only validated, normalized calls through.
function recordingHandlers() {
  const calls: Array<[string, unknown[]]> = [];
  const server = { id: 's1' } as Server;
  const record = (name: string) => async (...args: unknown[]): Promise<Result<never>> => {
    calls.push([name, args]);
    return ok(server as never);
  };
  const handlers = {
    getAppInfo: record('getAppInfo'),
    listServers: record('listServers'),
    createServer: record('createServer'),
    updateServer: record('updateServer'),
    deleteServer: record('deleteServer'),
  } as unknown as RequestHandlers;
  return { handlers, calls };
}

describe('dispatch', () => {
  it('passes normalized arguments to the handler', async () => {
    const { handlers, calls } = recordingHandlers();
    const result = await dispatch(handlers, 'createServer', [{ name: ' a ', host: 'h', user: 'u' }]);
    expect(result.ok).toBe(true);
    expect(calls).toEqual([
      [
        'createServer',
        [
          {
            name: 'a',
            host: 'h',
            port: 22,
            user: 'u',
            tags: [],
            group: null,
            auth: 'agent',
            keyId: null,
            jumpServerId: null,
            agentForwarding: false,
            strictHostKeyChecking: 'ask',
            keepaliveInterval: 10,
            keepaliveCountMax: 3,
            tmuxSession: null,
            sessionLog: false,
          },
        ],
      ],
    ]);
  });

  it('turns rule violations into VALIDATION with per-field messages, without calling the handler', async () => {
    const { handlers, calls } = recordingHandlers();
    const result = await dispatch(handlers, 'updateServer', ['id-1', { name: '', host: 'h', port: 70000, user: 'u' }]);
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION' });
    if (result.ok) throw new Error('unreachable');
    expect(result.fields).toEqual({ name: 'Name is required', port: 'Port must be between 1 and 65535' });
    expect(calls).toEqual([]);
  });

  it('refuses unknown methods, prototype names and wrong shapes as BAD_REQUEST', async () => {
    const { handlers, calls } = recordingHandlers();
    for (const [method, args] of [
      ['dropTables', []],
      ['constructor', []],
      ['__proto__', []],
      [42, []],
      ['deleteServer', []],
      ['deleteServer', [7]],
      ['listServers', ['extra']],
      ['createServer', 'not-an-array'],
      ['createServer', [null]],
    ] as Array<[unknown, unknown]>) {
      const result = await dispatch(handlers, method, args);
      expect(result, `${String(method)} ${JSON.stringify(args)}`).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    }
    expect(calls).toEqual([]);
  });

  it('turns a throwing handler into INTERNAL instead of rejecting', async () => {
    const { handlers } = recordingHandlers();
    handlers.listServers = async () => {
      throw new Error('disk on fire');
    };
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const result = await dispatch(handlers, 'listServers', []);
      expect(result).toMatchObject({ ok: false, code: 'INTERNAL' });
      if (!result.ok) expect(result.message).toContain('disk on fire');
      // The stack goes to the log, where the message tells the user to look.
      expect(logged).toHaveBeenCalledWith('lifeline: listServers failed:', expect.any(Error));
    } finally {
      logged.mockRestore();
    }
  });
});
