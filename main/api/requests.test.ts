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
    openTerminal: record('openTerminal'),
    resizeTerminal: record('resizeTerminal'),
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

  it('names a nested field by its object and by its whole path', async () => {
    const { handlers } = recordingHandlers();
    const link = { agent: { host: 'agent.example.com', port: 8899, tlsFingerprint: 'SHA1:abc' }, layers: ['bridge', 'bridge'] };
    const result = await dispatch(handlers, 'createServer', [{ name: 'web', host: 'h', user: 'u', link }]);
    if (result.ok) throw new Error('a bad link was accepted');
    expect(result.fields).toMatchObject({ link: expect.stringContaining('SHA256'), 'link.agent.tlsFingerprint': expect.stringContaining('SHA256'), 'link.layers': expect.any(String) });
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

describe('terminal requests', () => {
  it('passes a valid terminal to the handler, with or without a tmux session', async () => {
    const { handlers, calls } = recordingHandlers();
    for (const tmuxSession of ['main-1', null, undefined]) {
      const input = { serverId: 's1', cols: 80, rows: 24, ...(tmuxSession === undefined ? {} : { tmuxSession }) };
      expect(await dispatch(handlers, 'openTerminal', [input])).toMatchObject({ ok: true });
    }
    expect(calls.map(([, [input]]) => (input as { tmuxSession?: string | null }).tmuxSession)).toEqual(['main-1', null, undefined]);
  });

  it('names the field of a size or tmux name no terminal can have, without calling the handler', async () => {
    const { handlers, calls } = recordingHandlers();
    const open = (input: Record<string, unknown>) => dispatch(handlers, 'openTerminal', [{ serverId: 's1', cols: 80, rows: 24, ...input }]);
    expect(await open({ cols: 1 })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { cols: expect.any(String) } });
    expect(await open({ rows: 24.5 })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { rows: expect.stringContaining('whole number') } });
    expect(await open({ tmuxSession: 'a.b' })).toMatchObject({ ok: false, code: 'VALIDATION', fields: { tmuxSession: expect.stringContaining('tmux would rename') } });
    expect(await open({ shell: '/bin/sh' })).toMatchObject({ ok: false });
    expect(await dispatch(handlers, 'resizeTerminal', ['t1', 80, 5000])).toMatchObject({ ok: false, code: 'VALIDATION', fields: { rows: expect.any(String) } });
    expect(await dispatch(handlers, 'resizeTerminal', ['t1', '80', 24])).toMatchObject({ ok: false, code: 'VALIDATION', fields: { cols: expect.any(String) } });
    expect(calls).toEqual([]);
  });
});

