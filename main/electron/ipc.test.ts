import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebContents } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result, Server } from '../../preload/api';
import { requestNames } from '../api/requests';
import { serverInputSchema } from '../api/server-rules';
import { openServices, type MainServices } from '../services';
import { FakeFrame, FakeWebContents, fakeElectron, resetFakeElectron } from './fake-electron';
import { createIpcTransport, type IpcTransport } from './ipc';

// The Electron runtime binary cannot be downloaded here, so 'electron' is replaced by a recording fake.
// Everything behind the transport is real: the service and its SQLite store in a temp folder.
vi.mock('electron', () => import('./fake-electron').then((m) => m.fakeElectron));

const server = { name: 'web-1', host: 'web-1.example.com', user: 'deploy' };

let dataDir: string;
let services: MainServices;
let transport: IpcTransport;
let window: FakeWebContents;

beforeEach(() => {
  resetFakeElectron();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  dataDir = mkdtempSync(join(tmpdir(), 'lifeline-ipc-'));
  services = openServices({ dataDir, mode: 'desktop' });
  transport = createIpcTransport(services.service);
  window = new FakeWebContents('lifeline://app/index.html');
  // The fake imitates only the parts of WebContents the transport uses.
  transport.attach(window as unknown as WebContents);
});

afterEach(async () => {
  transport.dispose();
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const call = (sender: { contents: FakeWebContents; frame: FakeFrame | null }, method: string, ...args: unknown[]) =>
  fakeElectron.ipcMain.invoke(`lifeline:${method}`, sender, ...args) as Promise<Result<unknown>>;

const fromMainFrame = () => ({ contents: window, frame: window.mainFrame });

async function expectRefused(sender: { contents: FakeWebContents; frame: FakeFrame | null }, why: RegExp) {
  const result = await call(sender, 'createServer', server);
  expect(result).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  if (result.ok) return;
  expect(result.message).toMatch(why);
  // Nothing reached the store.
  expect(await call(fromMainFrame(), 'listServers')).toEqual({ ok: true, value: [] });
  expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('refused IPC call createServer'));
}

describe('IPC transport', () => {
  it('registers exactly one handler per request method, and one to attach terminals', () => {
    expect([...fakeElectron.ipcMain.handlers.keys()].sort()).toEqual([...requestNames, 'attachTerminal'].map((name) => `lifeline:${name}`).sort());
  });

  it('runs calls from the main frame of its own window against the real store', async () => {
    const created = await call(fromMainFrame(), 'createServer', server);
    expect(created).toMatchObject({ ok: true, value: { name: 'web-1', port: 22, tags: [], group: null } });

    const listed = await call(fromMainFrame(), 'listServers');
    expect(listed.ok && (listed.value as Server[]).map((s) => s.name)).toEqual(['web-1']);

    const info = await call(fromMainFrame(), 'getAppInfo');
    expect(info).toMatchObject({ ok: true, value: { mode: 'desktop', dataDir } });
  });

  it('validates arguments through dispatch', async () => {
    const result = await call(fromMainFrame(), 'createServer', { ...server, port: 70000 });
    expect(result).toMatchObject({ ok: false, code: 'VALIDATION', fields: { port: expect.stringContaining('65535') } });

    const extra = await call(fromMainFrame(), 'listServers', 'unexpected');
    expect(extra).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
  });

  it('refuses a window it did not create', async () => {
    const stranger = new FakeWebContents('lifeline://app/index.html');
    await expectRefused({ contents: stranger, frame: stranger.mainFrame }, /not a Lifeline window/);
  });

  it('refuses a subframe of its own window', async () => {
    await expectRefused({ contents: window, frame: new FakeFrame('lifeline://app/index.html') }, /subframe/);
  });

  it('refuses its own window once it shows a page of another origin', async () => {
    for (const url of ['https://evil.example/', 'lifeline://app.evil.example/', 'lifeline://other/index.html', 'file:///tmp/x.html']) {
      window.mainFrame.url = url;
      const result = await call(fromMainFrame(), 'listServers');
      expect(result, url).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    }
  });

  it('refuses a call whose frame is gone', async () => {
    await expectRefused({ contents: window, frame: null }, /frame is gone/);
  });

  it('sends every change to attached windows until their contents are destroyed', async () => {
    await call(fromMainFrame(), 'createServer', server);
    expect(window.sent).toEqual([{ channel: 'lifeline:event:serversChanged', value: [expect.objectContaining({ name: 'web-1' })] }]);

    window.destroy();
    await call(fromMainFrame(), 'listServers').then((result) => expect(result).toMatchObject({ ok: false, code: 'BAD_REQUEST' }));
    await services.service.createServer(serverInputSchema.parse({ ...server, name: 'web-2' }));
    expect(window.sent).toHaveLength(1);
    expect(window.listenerCount('destroyed')).toBe(0);
  });

  it('removes its handlers and subscriptions when disposed', async () => {
    transport.dispose();
    expect(fakeElectron.ipcMain.handlers.size).toBe(0);
    expect(window.listenerCount('destroyed')).toBe(0);
    await services.service.createServer(serverInputSchema.parse(server));
    expect(window.sent).toEqual([]);
  });
});
