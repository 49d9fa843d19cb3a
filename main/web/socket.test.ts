import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Server, WireReply } from '../../preload/api';
import { serverInputSchema } from '../api/server-rules';
import { openLifelineStore } from '../store';
import { ApiClient, signIn, startTestConsole, upgradeStatus, type TestConsole } from './test-console';

const server = { name: 'web-1', host: 'web-1.example.com', user: 'deploy' };

describe('web console WebSocket', () => {
  let tc: TestConsole;
  let cookie: string;
  beforeEach(async () => {
    tc = await startTestConsole();
    cookie = await signIn(tc);
  });
  afterEach(async () => {
    await tc.close();
  });

  it('refuses an upgrade without a session cookie', async () => {
    expect(await upgradeStatus(tc.web.port, { origin: tc.web.origin })).toBe(401);
    expect(await upgradeStatus(tc.web.port, { origin: tc.web.origin, cookie: `${cookie.split('=')[0]}=forged` })).toBe(401);
  });

  it('refuses an upgrade from a foreign or missing Origin', async () => {
    expect(await upgradeStatus(tc.web.port, { cookie, origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(tc.web.port, { cookie, origin: `http://127.0.0.1:${tc.web.port + 1}` })).toBe(403);
    expect(await upgradeStatus(tc.web.port, { cookie })).toBe(403);
  });

  it('refuses an upgrade with a foreign Host, or away from /api', async () => {
    expect(await upgradeStatus(tc.web.port, { cookie, origin: tc.web.origin, host: `evil.example:${tc.web.port}` })).toBe(421);
    expect(await upgradeStatus(tc.web.port, { cookie, origin: tc.web.origin }, '/other')).toBe(404);
  });

  it('accepts the page served from localhost when the browser used that name', async () => {
    const origin = `http://localhost:${tc.web.port}`;
    expect(await upgradeStatus(tc.web.port, { cookie, origin, host: `localhost:${tc.web.port}` })).toBe(0);
  });

  it('runs calls through the contract and tells every client about the change', async () => {
    const first = await ApiClient.connect(tc, { cookie });
    const second = await ApiClient.connect(tc, { cookie });
    const created = await first.call('createServer', [server]);
    expect(created).toMatchObject({ ok: true, value: { name: 'web-1', port: 22, tags: [], group: null } });

    const event = await second.next((m) => m.type === 'event');
    expect(event).toMatchObject({ type: 'event', name: 'serversChanged', value: [{ name: 'web-1' }] });

    const listed = await second.call('listServers', []);
    expect(listed.ok && (listed.value as Server[]).map((s) => s.name)).toEqual(['web-1']);
    // What the socket wrote is in the SQLite file, not only in memory.
    const reopened = openLifelineStore(tc.services.dataDir);
    expect(reopened.servers.list().map((s) => s.name)).toEqual(['web-1']);
    reopened.close();
    await Promise.all([first.close(), second.close()]);
  });

  it('returns VALIDATION with the fields to fix', async () => {
    const client = await ApiClient.connect(tc, { cookie });
    const result = await client.call('createServer', [{ ...server, port: 0, host: 'not a host' }]);
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION' });
    expect(!result.ok && Object.keys(result.fields ?? {}).sort()).toEqual(['host', 'port']);
    await client.close();
  });

  it('answers an unknown method with BAD_REQUEST for that call', async () => {
    const client = await ApiClient.connect(tc, { cookie });
    expect(await client.call('dropEverything', [])).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    await client.close();
  });

  it('answers malformed JSON with an error message and stays usable', async () => {
    const client = await ApiClient.connect(tc, { cookie });
    client.sendRaw('{not json');
    const error = await client.next((m) => m.type === 'error');
    expect(error).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message: expect.stringContaining('not valid JSON') });
    expect(await client.call('listServers', [])).toEqual({ ok: true, value: [] });
    await client.close();
  });

  it('answers a readable id with a bad envelope as that call', async () => {
    const client = await ApiClient.connect(tc, { cookie });
    client.sendRaw(JSON.stringify({ type: 'call', id: 7, method: 'listServers' }));
    const reply = (await client.next((m) => m.type === 'result' && m.id === 7)) as Extract<WireReply, { type: 'result' }>;
    expect(reply.result).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: expect.stringContaining('args') });
    await client.close();
  });

  it('closes the socket with 1008 after 20 bad messages', async () => {
    const client = await ApiClient.connect(tc, { cookie });
    for (let i = 0; i < 19; i += 1) client.sendRaw('[]');
    expect(await client.call('listServers', [])).toEqual({ ok: true, value: [] });
    client.sendRaw('[]');
    expect(await client.closed()).toBe(1008);
  });

  it('unsubscribes a client from the events when it goes away', async () => {
    const events = tc.services.service.events;
    const subscribe = events.serversChanged;
    let subscribed = 0;
    events.serversChanged = (listener) => {
      subscribed += 1;
      const unsubscribe = subscribe(listener);
      return () => {
        subscribed -= 1;
        unsubscribe();
      };
    };
    const client = await ApiClient.connect(tc, { cookie });
    const watcher = await ApiClient.connect(tc, { cookie });
    expect(subscribed).toBe(2);
    await client.close();
    await vi.waitFor(() => expect(subscribed).toBe(1));
    await watcher.close();
    await vi.waitFor(() => expect(subscribed).toBe(0));
  });

  it('closes a client that stops reading (1013) instead of buffering without bound', async () => {
    const slow = await ApiClient.connect(tc, { cookie });
    slow.ws.pause();
    // Each change sends the whole list, so a few hundred servers make tens of MiB of events for a
    // client that reads nothing: far past the 8 MiB limit plus what the kernel buffers.
    const tags = Array.from({ length: 20 }, (_, i) => `tag-${i}-${'x'.repeat(24)}`);
    for (let i = 0; i < 300; i += 1) {
      const created = await tc.services.service.createServer(serverInputSchema.parse({ ...server, name: `web-${i}`, tags }));
      expect(created.ok).toBe(true);
    }
    slow.ws.resume();
    expect(await slow.closed()).toBe(1013);
  });

  it('close() ends open sockets with 1001', async () => {
    const client = await ApiClient.connect(tc, { cookie });
    const code = client.closed();
    await tc.web.close();
    expect(await code).toBe(1001);
    expect(await upgradeStatus(tc.web.port, { cookie, origin: tc.web.origin }).catch((e: Error) => e.message)).toMatch(/ECONNREFUSED/);
  });
});
