import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PendingPrompt } from '../../preload/api';
import { PromptBroker } from './prompts';

const hostKey = {
  host: 'web-1.example.com',
  port: 22,
  keyType: 'ssh-ed25519',
  fingerprint: 'SHA256:abc',
  otherKeys: [{ keyType: 'ssh-rsa', fingerprint: 'SHA256:old', source: { kind: 'trust-store', addedAt: 'then' } as const }],
};
const login = { name: 'Login to web-1', instructions: 'Answer both', prompts: [{ prompt: 'Password: ', echo: false }, { prompt: 'Code: ', echo: true }] };

let broker: PromptBroker;
let announced: PendingPrompt[][];

beforeEach(() => {
  broker = new PromptBroker(1000);
  announced = [];
  broker.onChanged((prompts) => announced.push(prompts));
});

afterEach(() => {
  broker.dispose();
  vi.useRealTimers();
});

describe('PromptBroker', () => {
  it('lists a host key question with what the user needs to decide, and resolves with the answer', async () => {
    const answer = broker.askHostKey(hostKey, 'server-1');
    const [prompt] = broker.list();
    expect(prompt).toEqual({
      id: expect.any(String),
      kind: 'host-key',
      serverId: 'server-1',
      host: 'web-1.example.com',
      port: 22,
      keyType: 'ssh-ed25519',
      fingerprint: 'SHA256:abc',
      otherKeys: [{ keyType: 'ssh-rsa', fingerprint: 'SHA256:old' }],
    });
    expect(await broker.answerPrompt(prompt.id, { kind: 'host-key', decision: 'remember' })).toEqual({ ok: true, value: { id: prompt.id } });
    await expect(answer).resolves.toBe('remember');
    expect(broker.list()).toEqual([]);
    expect(announced).toEqual([[prompt], []]);
  });

  it('asks for credentials in order and hands back the answers in the same order', async () => {
    const answer = broker.askCredentials(login, null);
    const [prompt] = broker.list();
    expect(prompt).toMatchObject({
      kind: 'credentials',
      serverId: null,
      title: 'Login to web-1',
      instructions: 'Answer both',
      prompts: [
        { label: 'Password: ', echo: false },
        { label: 'Code: ', echo: true },
      ],
    });
    await broker.answerPrompt(prompt.id, { kind: 'credentials', values: ['s3cret', '123456'] });
    await expect(answer).resolves.toEqual(['s3cret', '123456']);
  });

  it('lets the first answer win; a second one finds the question gone', async () => {
    const answer = broker.askHostKey(hostKey, 'server-1');
    const [{ id }] = broker.list();
    expect(await broker.answerPrompt(id, { kind: 'host-key', decision: 'once' })).toMatchObject({ ok: true });
    expect(await broker.answerPrompt(id, { kind: 'host-key', decision: 'remember' })).toMatchObject({
      ok: false,
      code: 'NOT_FOUND',
      message: expect.stringContaining('answered in another window'),
    });
    await expect(answer).resolves.toBe('once');
  });

  it('refuses an answer of the wrong kind or with the wrong number of values, and keeps waiting', async () => {
    const answer = broker.askCredentials(login, 'server-1');
    const [{ id }] = broker.list();
    expect(await broker.answerPrompt(id, { kind: 'host-key', decision: 'once' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await broker.answerPrompt(id, { kind: 'credentials', values: ['only one'] })).toMatchObject({
      ok: false,
      code: 'VALIDATION',
      message: expect.stringContaining('asked 2 question(s) but 1 answer(s)'),
    });
    expect(broker.list()).toHaveLength(1);
    await broker.answerPrompt(id, { kind: 'credentials', values: null });
    await expect(answer).resolves.toBeNull();
  });

  it('cancels a question nobody answers within the timeout', async () => {
    vi.useFakeTimers();
    const timed = new PromptBroker(5 * 60 * 1000);
    try {
      const hostAnswer = timed.askHostKey(hostKey, 'server-1');
      const credentials = timed.askCredentials(login, 'server-1');
      vi.advanceTimersByTime(5 * 60 * 1000 - 1);
      expect(timed.list()).toHaveLength(2);
      vi.advanceTimersByTime(1);
      await expect(hostAnswer).resolves.toBe('cancel');
      await expect(credentials).resolves.toBeNull();
      expect(timed.list()).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      timed.dispose();
    }
  });

  it('clears the timeout of an answered question', async () => {
    vi.useFakeTimers();
    const timed = new PromptBroker(1000);
    try {
      const answer = timed.askHostKey(hostKey, null);
      expect(vi.getTimerCount()).toBe(1);
      await timed.answerPrompt(timed.list()[0].id, { kind: 'host-key', decision: 'once' });
      expect(vi.getTimerCount()).toBe(0);
      await expect(answer).resolves.toBe('once');
    } finally {
      timed.dispose();
    }
  });

  it('cancels everything on dispose, and answers later questions with cancel at once', async () => {
    const hostAnswer = broker.askHostKey(hostKey, 'server-1');
    const credentials = broker.askCredentials(login, 'server-1');
    broker.dispose();
    await expect(hostAnswer).resolves.toBe('cancel');
    await expect(credentials).resolves.toBeNull();
    expect(broker.list()).toEqual([]);
    await expect(broker.askHostKey(hostKey, 'server-1')).resolves.toBe('cancel');
    expect(broker.list()).toEqual([]);
  });
});
