// The terminal manager against OpenSSH's real sshd (main/ssh/testing): flow control under a flood,
// reconnects, tmux, resize, replay and session logs. Nothing here mocks SSH.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectSsh, type SshConnection } from '../ssh/connect';
import { makeTestKey, type TestKey } from '../ssh/testing/keys';
import { run } from '../ssh/testing/run';
import { startSshd, type TestSshd } from '../ssh/testing/sshd';
import { trustKeys } from '../ssh/testing/trust';
import { DEFAULT_FLOW_LIMITS } from './flow';
import { TerminalManager, type TerminalManagerOptions, type TerminalServer } from './manager';
import type { TerminalAttachment, TerminalInfo } from './types';

const SSH_PACKET = 32 * 1024; // the largest chunk an ssh2 channel delivers
const FAST_RETRY = { firstMs: 200, maxMs: 1_000, jitter: 0.2 };
const WAIT = { timeout: 15_000, interval: 20 };

describe('TerminalManager over a real sshd', () => {
  let dir: string;
  let key: TestKey;
  let strangerKey: TestKey;
  let sshd: TestSshd;
  /** The key the next connection logs in with: a test swaps it to make logins fail. */
  let loginKey: TestKey;
  let probe: SshConnection;
  const cleanups: (() => Promise<void>)[] = [];

  const servers = new Map<string, TerminalServer>([
    ['srv-plain', { id: 'srv-plain', name: 'plain', tmuxSession: null, sessionLog: false }],
    ['srv-logged', { id: 'srv-logged', name: 'logged', tmuxSession: null, sessionLog: true }],
  ]);

  const connectTo = (signal?: AbortSignal): Promise<SshConnection> =>
    connectSsh({ host: sshd.host, port: sshd.port, user: sshd.user, auth: { kind: 'key', privateKey: loginKey.privateKey } }, { verifyHostKey: trustKeys(() => sshd.hostKeys).verifyHostKey, signal });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-terminals-'));
    // The test sshd's account (not the one running the tests) writes the flood file here.
    chmodSync(dir, 0o777);
    key = await makeTestKey(dir, 'ed25519');
    strangerKey = await makeTestKey(dir, 'ed25519', 'id_stranger');
    loginKey = key;
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  });
  afterEach(async () => {
    loginKey = key;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function manager(options: Partial<TerminalManagerOptions> = {}): TerminalManager {
    const made = new TerminalManager({ connect: (_serverId, signal) => connectTo(signal), findServer: (id) => servers.get(id), dataDir: dir, retry: FAST_RETRY, ...options });
    cleanups.push(() => made.dispose());
    return made;
  }

  /** A connection of the test's own, to look at the server independently of the manager. */
  async function remote(argv: string[]): Promise<string> {
    if (!probe || probe.isClosed) {
      probe = await connectTo();
      cleanups.push(() => probe.close());
    }
    const channel = await probe.exec(argv);
    channel.stdin.end();
    const chunks: Buffer[] = [];
    for await (const chunk of channel.stdout) chunks.push(chunk as Buffer);
    await channel.exit;
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Everything the terminal printed, as text; acks each chunk right after it is "processed". */
  function screen(terminals: TerminalManager, id: string): { text: () => string; detached: string[]; attachment: TerminalAttachment } {
    let text = '';
    const detached: string[] = [];
    const attachment: TerminalAttachment = terminals.attach(id, {
      onData: (data) => {
        text += Buffer.from(data).toString('utf8');
        setImmediate(() => attachment.ack(data.byteLength));
      },
      onDetach: (reason) => detached.push(reason),
    });
    return { text: () => text, detached, attachment };
  }

  function history(terminals: TerminalManager): TerminalInfo[] {
    const seen: TerminalInfo[] = [];
    cleanups.push(async () => off());
    const off = terminals.onChanged((list) => seen.push(...list));
    return seen;
  }

  const stateOf = (terminals: TerminalManager, id: string): string | undefined => terminals.list().find((t) => t.id === id)?.state;
  const waitForState = (terminals: TerminalManager, id: string, state: string) => vi.waitFor(() => expect(stateOf(terminals, id)).toBe(state), WAIT);
  const waitForText = (read: () => string, pattern: RegExp) => vi.waitFor(() => expect(read()).toMatch(pattern), WAIT);

  it('delivers a 200 MB flood in order to a consumer that acks late, with bounded buffering', { timeout: 300_000 }, async () => {
    // The flood, generated on the server as it streams: no 270 MB file on disk, and the server's
    // own sha256sum and byte count of exactly what it printed to compare with.
    const sumFile = join(dir, 'flood.sha256');
    const countFile = join(dir, 'flood.count');
    const terminals = manager();
    const { id } = terminals.open({ serverId: 'srv-plain', cols: 80, rows: 24 });
    const received = floodReceiver('==FLOOD-START==\n', '==FLOOD-END==\n');
    let unacked = 0;
    const attachment = terminals.attach(id, {
      onData: (data) => {
        received.push(Buffer.from(data));
        unacked += data.byteLength;
      },
      onDetach: () => undefined,
    });
    // A slow renderer: it acknowledges what it has only every few milliseconds.
    const acker = setInterval(() => {
      attachment.ack(unacked);
      unacked = 0;
    }, 3);
    cleanups.push(async () => clearInterval(acker));
    await waitForState(terminals, id, 'connected');
    // The markers are printed in two halves so the echoed command line never contains them whole;
    // -opost keeps the PTY from turning "\n" into "\r\n".
    attachment.write(
      `stty -echo -opost; printf '%s%s\\n' '==FLOOD' '-START=='; ` +
        `head -c 200M /dev/urandom | base64 | tee >(sha256sum > ${sumFile}) >(wc -c > ${countFile}); ` +
        `printf '%s%s\\n' '==FLOOD' '-END=='\n`,
    );
    // Generous: on two loaded cores the PTY and both SSH ends share the CPU with every other test file.
    await vi.waitFor(() => expect(received.ended()).toBe(true), { timeout: 240_000, interval: 50 });

    // tee's helpers may finish just after the end marker.
    const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : '');
    await vi.waitFor(() => expect(read(sumFile)).toMatch(/^[0-9a-f]{64} /), WAIT);
    await vi.waitFor(() => expect(read(countFile)).toMatch(/^\d+$/), WAIT);
    expect(received.bytes()).toBe(Number(read(countFile)));
    expect(received.bytes()).toBeGreaterThan(270_000_000);
    expect(received.sha256()).toBe(read(sumFile).split(' ')[0]);
    const stats = terminals.flowStats(id);
    expect(stats.pauses).toBeGreaterThan(0);
    expect(stats.maxUnacknowledged).toBeLessThanOrEqual(DEFAULT_FLOW_LIMITS.highWatermark + SSH_PACKET);
    expect(stats.held).toBeLessThanOrEqual(DEFAULT_FLOW_LIMITS.replayBytes + SSH_PACKET);
  });

  it('propagates a resize to the PTY', async () => {
    const terminals = manager();
    const { id } = terminals.open({ serverId: 'srv-plain', cols: 80, rows: 24 });
    const view = screen(terminals, id);
    await waitForState(terminals, id, 'connected');
    view.attachment.write('stty size\n');
    await waitForText(view.text, /^24 80\r?$/m);
    expect(terminals.resize(id, 132, 40)).toMatchObject({ cols: 132, rows: 40 });
    view.attachment.write('stty size\n');
    await waitForText(view.text, /^40 132\r?$/m);
  });

  it('replays recent output to a new attachment, which takes over from the previous one', async () => {
    const terminals = manager();
    const { id } = terminals.open({ serverId: 'srv-plain', cols: 80, rows: 24 });
    const first = screen(terminals, id);
    await waitForState(terminals, id, 'connected');
    first.attachment.write('echo replay-$((2+3))\n');
    await waitForText(first.text, /^replay-5\r?$/m);

    const second = screen(terminals, id);
    expect(first.detached).toEqual(['Another window took over this terminal.']);
    expect(second.text()).toMatch(/^replay-5\r?$/m); // repainted before any new output
    first.attachment.write('echo ignored-$((1+1))\n'); // the old window no longer types
    second.attachment.write('echo live-$((3+4))\n');
    await waitForText(second.text, /^live-7\r?$/m);
    expect(second.text()).not.toContain('ignored');

    second.attachment.detach();
    const third = screen(terminals, id);
    expect(second.detached).toEqual([]);
    expect(third.text()).toMatch(/^live-7\r?$/m);
    await terminals.close(id);
    expect(third.detached).toEqual(['The terminal was closed.']);
    expect(terminals.list()).toEqual([]);
  });

  it('reconnects with the same id when sshd restarts, and stops when the login is refused', { timeout: 40_000 }, async () => {
    const terminals = manager();
    const seen = history(terminals);
    const { id } = terminals.open({ serverId: 'srv-plain', cols: 80, rows: 24 });
    const view = screen(terminals, id);
    await waitForState(terminals, id, 'connected');

    await sshd.restart();
    await vi.waitFor(() => expect(seen.some((t) => t.id === id && t.state === 'reconnecting' && t.retryAt !== null)).toBe(true), WAIT);
    const reconnecting = seen.find((t) => t.state === 'reconnecting' && t.retryAt !== null) as TerminalInfo;
    expect(reconnecting.message).toMatch(/retries automatically/);
    await waitForState(terminals, id, 'connected');
    expect(terminals.list().map((t) => t.id)).toEqual([id]);
    view.attachment.write('echo back-$((40+2))\n');
    await waitForText(view.text, /^back-42\r?$/m);

    loginKey = strangerKey;
    await sshd.restart();
    await waitForState(terminals, id, 'failed');
    const failed = terminals.list()[0];
    expect(failed.message).toMatch(/Automatic reconnecting has stopped/);
    expect(failed.retryAt).toBeNull();

    loginKey = key;
    terminals.reconnect(id);
    await waitForState(terminals, id, 'connected');
  });

  it('re-attaches to its tmux session after a reconnect', { timeout: 40_000 }, async () => {
    const socketName = `lifeline-test-${randomBytes(4).toString('hex')}`;
    // The test's private tmux server outlives sshd's restarts (it daemonizes): end it, and its socket, here.
    cleanups.push(async () => {
      await run('tmux', ['-L', socketName, 'kill-server']).catch(() => undefined);
      rmSync(join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, socketName), { force: true });
    });
    const terminals = manager({ tmuxSocketName: socketName });
    const seen = history(terminals);
    expect(await terminals.listTmuxSessions('srv-plain')).toEqual([]);

    const info = terminals.open({ serverId: 'srv-plain', cols: 100, rows: 30, tmuxSession: 'work' });
    expect(info).toMatchObject({ tmuxSession: 'work', title: 'plain (tmux work)', state: 'connecting' });
    const view = screen(terminals, info.id);
    await waitForState(terminals, info.id, 'connected');
    const capture = () => remote(['tmux', '-L', socketName, 'capture-pane', '-p', '-t', 'work']);
    let pane = '';
    await vi.waitFor(async () => {
      pane = await capture();
      expect(pane).toMatch(/\$|#/); // the shell inside tmux has shown its prompt
    }, WAIT);
    view.attachment.write('echo marker-$((0+1))\n');
    await vi.waitFor(async () => expect(await capture()).toMatch(/^marker-1$/m), WAIT);

    await sshd.restart();
    await vi.waitFor(() => expect(seen.some((t) => t.state === 'reconnecting')).toBe(true), WAIT);
    await waitForState(terminals, info.id, 'connected');
    expect(await capture()).toMatch(/^marker-1$/m);
    await vi.waitFor(async () => expect(await terminals.listTmuxSessions('srv-plain')).toEqual([{ name: 'work', windows: 1, attached: true }]), WAIT);
    expect((await remote(['tmux', '-L', socketName, 'list-clients', '-t', 'work'])).trim().split('\n')).toHaveLength(1);
    view.attachment.write('echo marker-$((1+1))\n');
    await vi.waitFor(async () => expect(await capture()).toMatch(/^marker-2$/m), WAIT);
  });

  it('writes the session log under logs/<server>/ and rotates it by size', { timeout: 30_000 }, async () => {
    const terminals = manager({ logRotation: { maxBytes: 4096, files: 3 } });
    const { id } = terminals.open({ serverId: 'srv-logged', cols: 80, rows: 24 });
    const view = screen(terminals, id);
    await waitForState(terminals, id, 'connected');
    view.attachment.write("seq 1 3000 | sed 's/^/log-line-/'\n");
    await waitForText(view.text, /^log-line-3000\r?$/m);
    await terminals.close(id);

    const logDir = join(dir, 'logs', 'srv-logged');
    const name = `${new Date().toISOString().slice(0, 10)}-${id}.log`;
    // Rotated files are named `<stem>.<UTC stamp>.log`, so their sorted names are oldest first.
    const rotated = readdirSync(logDir).filter((file) => file !== name).sort();
    expect(rotated).toHaveLength(2);
    for (const file of rotated) expect(file).toMatch(new RegExp(`^${name.slice(0, -4)}\\.\\d{8}T\\d{6}\\.\\d{3}Z\\.log$`));
    for (const file of readdirSync(logDir)) expect(statSync(join(logDir, file)).size).toBeLessThanOrEqual(4096);
    const kept = [...rotated, name].map((file) => readFileSync(join(logDir, file), 'latin1')).join('');
    expect(kept).toContain('log-line-3000');
    expect(kept).not.toContain('log-line-1\r\n'); // rotated away
  });

  it('goes on without the session log when it cannot be written, and says so', async () => {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    writeFileSync(join(dataDir, 'logs'), 'a file where the logs folder should be');
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    cleanups.push(async () => logged.mockRestore());
    const terminals = manager({ dataDir });
    const { id } = terminals.open({ serverId: 'srv-logged', cols: 80, rows: 24 });
    const view = screen(terminals, id);
    await vi.waitFor(() => expect(terminals.list()[0]).toMatchObject({ state: 'connected', message: expect.stringMatching(/The session log stopped: .*ENOTDIR.*goes on without a log/) }), WAIT);
    view.attachment.write('echo still-$((20+1))\n');
    await waitForText(view.text, /^still-21\r?$/m);
    expect(logged).toHaveBeenCalledWith(expect.stringMatching(/^lifeline: terminal .*: The session log stopped/));
  });

  it('shares one connection per server among its terminals, and closes it with the last one', async () => {
    const opened: SshConnection[] = [];
    const terminals = manager({
      tmuxSocketName: `lifeline-test-${randomBytes(4).toString('hex')}`, // a server that never runs
      connect: async (_serverId, signal) => {
        const connection = await connectTo(signal);
        opened.push(connection);
        return connection;
      },
    });
    const first = terminals.open({ serverId: 'srv-plain', cols: 80, rows: 24 });
    const second = terminals.open({ serverId: 'srv-plain', cols: 80, rows: 24 });
    await waitForState(terminals, first.id, 'connected');
    await waitForState(terminals, second.id, 'connected');
    expect(await terminals.listTmuxSessions('srv-plain')).toEqual([]);
    expect(opened).toHaveLength(1);

    await terminals.close(first.id);
    expect(opened[0].isClosed).toBe(false);
    await terminals.close(second.id);
    await vi.waitFor(() => expect(opened[0].isClosed).toBe(true), WAIT);
  });

  it('refuses unknown servers and terminals, and bad sizes, with what to do', async () => {
    const terminals = manager();
    expect(() => terminals.open({ serverId: 'nope', cols: 80, rows: 24 })).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringMatching(/Refresh the server list/) }));
    expect(() => terminals.open({ serverId: 'srv-plain', cols: 0, rows: 24 })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(() => terminals.resize('gone', 80, 24)).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(terminals.listTmuxSessions('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

/**
 * Hashes what a stream carries between two marker lines, as it arrives: a 270 MB flood is never held
 * whole. The end marker may be split across chunks, so its length in bytes is held back until more come.
 */
function floodReceiver(start: string, end: string): { push(chunk: Buffer): void; ended(): boolean; bytes(): number; sha256(): string } {
  const hash = createHash('sha256');
  let before = '';
  let started = false;
  let done = false;
  let pending = Buffer.alloc(0);
  let bytes = 0;
  let digest = '';
  return {
    push(chunk) {
      if (done) return;
      if (!started) {
        // The echoed prompt may precede the start marker in the same chunk.
        before += chunk.toString('latin1');
        const at = before.indexOf(start);
        if (at < 0) {
          before = before.slice(-start.length);
          return;
        }
        started = true;
        chunk = Buffer.from(before.slice(at + start.length), 'latin1');
      }
      pending = Buffer.concat([pending, chunk]);
      const at = pending.indexOf(end);
      if (at >= 0) {
        hash.update(pending.subarray(0, at));
        bytes += at;
        digest = hash.digest('hex');
        done = true;
        return;
      }
      const keep = Math.min(pending.length, end.length - 1);
      hash.update(pending.subarray(0, pending.length - keep));
      bytes += pending.length - keep;
      pending = Buffer.from(pending.subarray(pending.length - keep));
    },
    ended: () => done,
    bytes: () => bytes,
    sha256: () => digest,
  };
}
