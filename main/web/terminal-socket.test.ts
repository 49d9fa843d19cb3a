// The web console's terminal streams end to end: a terminal opened through dispatch to OpenSSH's sshd,
// its bytes over a real WebSocket at /terminals/<id> with a cookie from a real sign-in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { PendingPrompt, Server, TerminalInfo, TerminalServerMessage } from '../../preload/api';
import { addSshdServer, answerHostKeys, call } from '../api/test-ssh-server';
import { makeTestKey, type TestKey } from '../ssh/testing/keys';
import { startSshd, type TestSshd } from '../ssh/testing/sshd';
import { ApiClient, signIn, startTestConsole, upgradeStatus, type TestConsole } from './test-console';

const WAIT = { timeout: 15_000, interval: 20 };

/** A browser tab's terminal stream: output as text (acked as it is "rendered"), server messages, close code. */
class TerminalClient {
  output = '';
  readonly messages: TerminalServerMessage[] = [];
  closeCode: number | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        this.messages.push(JSON.parse(String(data)) as TerminalServerMessage);
        return;
      }
      const bytes = data as Buffer;
      this.output += bytes.toString('utf8');
      this.send({ type: 'ack', bytes: bytes.length });
    });
    ws.on('close', (code) => (this.closeCode = code));
  }

  static connect(tc: TestConsole, id: string, cookie: string): Promise<TerminalClient> {
    const ws = new WebSocket(`ws://${tc.host}/terminals/${id}`, { headers: { origin: tc.web.origin, cookie } });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TerminalClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
      ws.on('error', reject);
    });
  }

  send(message: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  type(text: string): void {
    this.send({ type: 'input', data: text });
  }

  async waitFor(pattern: RegExp): Promise<void> {
    await vi.waitFor(() => expect(this.output).toMatch(pattern), WAIT);
  }

  async closed(): Promise<number> {
    await vi.waitFor(() => expect(this.closeCode).toBeDefined(), WAIT);
    return this.closeCode!;
  }
}

describe('terminal streams over the web console', () => {
  let keyDir: string;
  let key: TestKey;
  let sshd: TestSshd;
  let tc: TestConsole;
  let server: Server;
  let cookie: string;
  let asked: PendingPrompt[];
  let stopAnswering: () => void;

  beforeAll(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'lifeline-terminal-socket-'));
    key = await makeTestKey(keyDir, 'ed25519');
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    tc = await startTestConsole();
    server = await addSshdServer(tc.services.service, sshd, key);
    cookie = await signIn(tc);
    asked = [];
    stopAnswering = answerHostKeys(tc.services.service, 'once', asked);
  });
  afterEach(async () => {
    stopAnswering();
    await tc.close();
  });

  async function openConnected(): Promise<TerminalInfo> {
    const opened = await call<TerminalInfo>(tc.services.service, 'openTerminal', { serverId: server.id, cols: 80, rows: 24, tmuxSession: null });
    await vi.waitFor(async () => {
      const terminals = await call<TerminalInfo[]>(tc.services.service, 'listTerminals');
      expect(terminals.find((t) => t.id === opened.id)?.state).toBe('connected');
    }, WAIT);
    return opened;
  }

  it('runs commands typed into the socket and follows a resize', { timeout: 30_000 }, async () => {
    const terminal = await openConnected();
    // The host key was unknown: the person was asked, with the key sshd really serves.
    expect(asked).toEqual([expect.objectContaining({ kind: 'host-key', serverId: server.id, fingerprint: sshd.hostKeys[0]!.fingerprint })]);

    const client = await TerminalClient.connect(tc, terminal.id, cookie);
    client.type('echo $((6*7))\n');
    await client.waitFor(/^42\r?$/m);

    const resized = await call<TerminalInfo>(tc.services.service, 'resizeTerminal', terminal.id, 100, 30);
    expect(resized).toMatchObject({ cols: 100, rows: 30 });
    client.type('stty size\n');
    await client.waitFor(/^30 100\r?$/m);
    client.ws.close();
    await client.closed();
  });

  it('refuses an attachment without the session cookie or from a foreign page', async () => {
    const terminal = await openConnected();
    const path = `/terminals/${terminal.id}`;
    expect(await upgradeStatus(tc.web.port, { host: tc.host, origin: tc.web.origin }, path)).toBe(401);
    expect(await upgradeStatus(tc.web.port, { host: tc.host, origin: 'http://evil.example', cookie }, path)).toBe(403);
    expect(await upgradeStatus(tc.web.port, { host: `evil.example:${tc.web.port}`, origin: tc.web.origin, cookie }, path)).toBe(421);
    for (const wrong of ['/terminals/', `/terminals/${terminal.id}/x`, '/terminals/%2e%2e%2fapi']) {
      expect(await upgradeStatus(tc.web.port, { host: tc.host, origin: tc.web.origin, cookie }, wrong), wrong).toBe(404);
    }
  });

  it('says "detached" to an attachment of a terminal that does not exist', async () => {
    const client = await TerminalClient.connect(tc, 'no-such-terminal', cookie);
    expect(await client.closed()).toBe(1000);
    expect(client.messages).toEqual([{ type: 'detached', reason: expect.stringContaining('There is no terminal with id "no-such-terminal"') }]);
  });

  it('lets a second attachment take over, repainting it with the recent output', { timeout: 30_000 }, async () => {
    const terminal = await openConnected();
    const first = await TerminalClient.connect(tc, terminal.id, cookie);
    first.type('echo first-$((1+1))\n');
    await first.waitFor(/^first-2\r?$/m);

    const second = await TerminalClient.connect(tc, terminal.id, cookie);
    expect(await first.closed()).toBe(1000);
    expect(first.messages).toEqual([{ type: 'detached', reason: 'Another window took over this terminal.' }]);
    await second.waitFor(/^first-2\r?$/m);
    second.type('echo second-$((2+2))\n');
    await second.waitFor(/^second-4\r?$/m);
    expect(first.output).not.toMatch(/second-4/);
    second.ws.close();
  });

  it('refuses malformed frames by closing the attachment, and the terminal lives on', { timeout: 30_000 }, async () => {
    const terminal = await openConnected();
    const frames: (string | Buffer)[] = [
      'not json',
      JSON.stringify({ type: 'input' }),
      JSON.stringify({ type: 'ack', bytes: -5 }),
      JSON.stringify({ type: 'resize', cols: 1 }),
      Buffer.from('binary input'),
    ];
    for (const frame of frames) {
      const client = await TerminalClient.connect(tc, terminal.id, cookie);
      client.ws.send(frame);
      expect(await client.closed(), String(frame)).toBe(1008);
    }
    const terminals = await call<TerminalInfo[]>(tc.services.service, 'listTerminals');
    expect(terminals.find((t) => t.id === terminal.id)?.state).toBe('connected');

    const client = await TerminalClient.connect(tc, terminal.id, cookie);
    client.type('echo still-$((3*3))\n');
    await client.waitFor(/^still-9\r?$/m);
    client.ws.close();
  });

  it('announces terminals to /api clients and detaches the stream when the terminal closes', { timeout: 30_000 }, async () => {
    const api = await ApiClient.connect(tc, { cookie });
    const opened = await api.call('openTerminal', [{ serverId: server.id, cols: 80, rows: 24 }]);
    expect(opened).toMatchObject({ ok: true, value: { serverId: server.id, state: 'connecting', tmuxSession: null } });
    const id = (opened as { value: TerminalInfo }).value.id;
    await api.next((m) => m.type === 'event' && m.name === 'terminalsChanged' && m.value.some((t) => t.id === id && t.state === 'connected'));

    const client = await TerminalClient.connect(tc, id, cookie);
    expect(await api.call('closeTerminal', [id])).toEqual({ ok: true, value: { id } });
    expect(await client.closed()).toBe(1000);
    expect(client.messages).toEqual([{ type: 'detached', reason: 'The terminal was closed.' }]);
    expect(await api.call('listTerminals', [])).toEqual({ ok: true, value: [] });
    await api.close();
  });

  it('says VAULT_LOCKED when the login key is locked away', async () => {
    await call(tc.services.service, 'lockVault');
    const result = await tc.services.service.listTmuxSessions(server.id);
    expect(result).toMatchObject({ ok: false, code: 'VAULT_LOCKED' });
  });
});

