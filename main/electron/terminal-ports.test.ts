// attachTerminal over IPC: the sender is validated like every call, and the port goes only to the frame
// that asked. Electron is the recording fake; the service, its SQLite store and sshd are real.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebContents } from 'electron';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result, Server, TerminalInfo } from '../../preload/api';
import { addSshdServer, answerHostKeys, call } from '../api/test-ssh-server';
import { openServices, type MainServices } from '../services';
import { makeTestKey, type TestKey } from '../ssh/testing/keys';
import { startSshd, type TestSshd } from '../ssh/testing/sshd';
import { FakeFrame, FakeWebContents, fakeElectron, resetFakeElectron, type FakeMessagePortMain } from './fake-electron';
import { createIpcTransport, type IpcTransport } from './ipc';

vi.mock('electron', () => import('./fake-electron').then((m) => m.fakeElectron));

const WAIT = { timeout: 15_000, interval: 20 };

describe('attachTerminal over IPC', () => {
  let keyDir: string;
  let key: TestKey;
  let sshd: TestSshd;
  let dataDir: string;
  let services: MainServices;
  let transport: IpcTransport;
  let window: FakeWebContents;
  let server: Server;
  let stopAnswering: () => void;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'lifeline-terminal-ports-'));
    key = await makeTestKey(keyDir, 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    resetFakeElectron();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    dataDir = mkdtempSync(join(tmpdir(), 'lifeline-terminal-ports-data-'));
    services = openServices({ dataDir, mode: 'desktop' });
    transport = createIpcTransport(services.service);
    window = new FakeWebContents('lifeline://app/index.html');
    transport.attach(window as unknown as WebContents);
    server = await addSshdServer(services.service, sshd, key);
    stopAnswering = answerHostKeys(services.service, 'once');
  });
  afterEach(async () => {
    stopAnswering();
    transport.dispose();
    await services.close();
    rmSync(dataDir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  const attach = (sender: { contents: FakeWebContents; frame: FakeFrame | null }, ...args: unknown[]) =>
    fakeElectron.ipcMain.invoke('lifeline:attachTerminal', sender, ...args) as Promise<Result<null>>;

  async function openConnected(): Promise<TerminalInfo> {
    const opened = await call<TerminalInfo>(services.service, 'openTerminal', { serverId: server.id, cols: 80, rows: 24 });
    await vi.waitFor(async () => {
      const terminals = await call<TerminalInfo[]>(services.service, 'listTerminals');
      expect(terminals.find((t) => t.id === opened.id)?.state).toBe('connected');
    }, WAIT);
    return opened;
  }

  /** The preload's end of a posted port: output as text (acked), other messages, and whether it closed. */
  function preloadEnd(port: FakeMessagePortMain) {
    const seen = { output: '', messages: [] as unknown[], closed: false };
    port.on('message', ({ data }: { data: unknown }) => {
      if (data instanceof Uint8Array) {
        seen.output += Buffer.from(data).toString('utf8');
        port.postMessage({ type: 'ack', bytes: data.byteLength });
      } else seen.messages.push(data);
    });
    port.on('close', () => (seen.closed = true));
    port.start();
    return seen;
  }

  it('posts a port to the asking frame only, which carries input, output and acks', { timeout: 30_000 }, async () => {
    const terminal = await openConnected();
    expect(await attach({ contents: window, frame: window.mainFrame }, terminal.id, 7)).toEqual({ ok: true, value: null });
    const [posted] = window.mainFrame.posted;
    expect(window.mainFrame.posted).toHaveLength(1);
    expect(posted).toMatchObject({ channel: 'lifeline:terminalPort', message: { attachment: 7 } });
    expect(posted!.ports).toHaveLength(1);

    const end = preloadEnd(posted!.ports[0]!);
    posted!.ports[0]!.postMessage({ type: 'input', data: 'echo $((6*7))\n' });
    await vi.waitFor(() => expect(end.output).toMatch(/^42\r?$/m), WAIT);

    // A malformed message ends this attachment; the terminal stays connected.
    posted!.ports[0]!.postMessage({ type: 'input', data: 42 });
    await vi.waitFor(() => expect(end.closed).toBe(true), WAIT);
    expect(end.messages).toEqual([{ type: 'detached', reason: expect.stringContaining('not terminal input or an ack') }]);
    const terminals = await call<TerminalInfo[]>(services.service, 'listTerminals');
    expect(terminals.find((t) => t.id === terminal.id)?.state).toBe('connected');
  });

  it('refuses other windows, subframes, foreign pages and gone frames, posting no port', { timeout: 30_000 }, async () => {
    const terminal = await openConnected();
    const stranger = new FakeWebContents('lifeline://app/index.html');
    const subframe = new FakeFrame('lifeline://app/index.html');
    const refusals: Array<[{ contents: FakeWebContents; frame: FakeFrame | null }, RegExp]> = [
      [{ contents: stranger, frame: stranger.mainFrame }, /not a Lifeline window/],
      [{ contents: window, frame: subframe }, /subframe/],
      [{ contents: window, frame: null }, /frame is gone/],
    ];
    for (const [sender, why] of refusals) {
      expect(await attach(sender, terminal.id, 1)).toMatchObject({ ok: false, code: 'BAD_REQUEST', message: expect.stringMatching(why) });
    }
    window.mainFrame.url = 'https://evil.example/';
    expect(await attach({ contents: window, frame: window.mainFrame }, terminal.id, 1)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    for (const frame of [stranger.mainFrame, subframe, window.mainFrame]) expect(frame.posted).toEqual([]);
    expect(console.warn).toHaveBeenCalledWith(expect.stringContaining('refused IPC call attachTerminal'));
  });

  it('refuses malformed arguments and unknown terminals, posting no port', async () => {
    const own = { contents: window, frame: window.mainFrame };
    expect(await attach(own, 'id with spaces', 1)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await attach(own, 'term-1', -1)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await attach(own, 'term-1')).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await attach(own, 'no-such-terminal', 1)).toMatchObject({ ok: false, code: 'NOT_FOUND', message: expect.stringContaining('no terminal') });
    expect(window.mainFrame.posted).toEqual([]);
  });

  it('closes its ports when disposed, leaving the terminal running', { timeout: 30_000 }, async () => {
    const terminal = await openConnected();
    await attach({ contents: window, frame: window.mainFrame }, terminal.id, 1);
    const end = preloadEnd(window.mainFrame.posted[0]!.ports[0]!);
    transport.dispose();
    await vi.waitFor(() => expect(end.closed).toBe(true), WAIT);
    const terminals = await call<TerminalInfo[]>(services.service, 'listTerminals');
    expect(terminals.find((t) => t.id === terminal.id)?.state).toBe('connected');
  });
});
