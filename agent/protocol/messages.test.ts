import { describe, expect, it } from 'vitest';
import { agentMessageSchema, clientMessageSchema, methods, runParamsSchema } from './messages';

describe('bridge messages', () => {
  it('takes a hello and a call, and refuses unknown types and extra fields', () => {
    expect(clientMessageSchema.safeParse({ type: 'hello', versions: [1], token: 't' }).success).toBe(true);
    expect(clientMessageSchema.safeParse({ type: 'call', id: 1, method: 'ping', params: {} }).success).toBe(true);
    expect(clientMessageSchema.safeParse({ type: 'shout', id: 1 }).success).toBe(false);
    expect(clientMessageSchema.safeParse({ type: 'call', id: 1, method: 'ping', extra: true }).success).toBe(false);
    expect(clientMessageSchema.safeParse({ type: 'call', id: -1, method: 'ping' }).success).toBe(false);
  });

  it('run takes exactly one of argv and named, and a well-formed command id', () => {
    const base = { commandId: 'cmd-12345678' };
    expect(runParamsSchema.safeParse({ ...base, argv: ['echo', 'hi'] }).success).toBe(true);
    expect(runParamsSchema.safeParse({ ...base, named: 'restart-web' }).success).toBe(true);
    expect(runParamsSchema.safeParse({ ...base }).success).toBe(false);
    expect(runParamsSchema.safeParse({ ...base, argv: ['x'], named: 'y' }).success).toBe(false);
    expect(runParamsSchema.safeParse({ commandId: '../etc', argv: ['x'] }).success).toBe(false);
    expect(runParamsSchema.safeParse({ ...base, argv: [] }).success).toBe(false);
    expect(runParamsSchema.safeParse({ ...base, argv: ['x'], env: { 'BAD NAME': '1' } }).success).toBe(false);
  });

  it('fills method defaults and validates agent frames', () => {
    expect(methods['tmux.send'].params.parse({ session: 'ops', keys: 'ls' })).toEqual({ session: 'ops', keys: 'ls', enter: true });
    expect(methods['tmux.send'].params.safeParse({ session: 'a;b', keys: 'ls' }).success).toBe(false);
    expect(agentMessageSchema.safeParse({ type: 'error', id: null, code: 'BAD_FRAME', message: 'not JSON' }).success).toBe(true);
    expect(agentMessageSchema.safeParse({ type: 'error', id: 1, code: 'NOPE', message: 'x' }).success).toBe(false);
  });
});
