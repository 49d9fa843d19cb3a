import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TmuxControl, type TmuxControlOptions } from './control';
import { tmuxCapture, tmuxSend } from './send-capture';
import { startTmuxServer, type TestTmuxServer } from './testing';
import { runTmux, TmuxError } from './tmux-command';

let tmux: TestTmuxServer | undefined;
const opened: TmuxControl[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((control) => control.close()));
  await tmux?.kill();
  tmux = undefined;
});

/** What a control client delivered, and a way to wait for more. */
class Recorder {
  readonly chunks: Buffer[] = [];
  pauses = 0;
  exits: string[] = [];
  private wake: (() => void) | null = null;

  readonly events = {
    output: (data: Buffer) => {
      this.chunks.push(data);
      this.poke();
    },
    paused: () => {
      this.pauses++;
      this.poke();
    },
    exit: (reason: string) => {
      this.exits.push(reason);
      this.poke();
    },
  };

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  async until(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far: ${JSON.stringify(this.text().slice(-300))}`);
      await Promise.race([new Promise<void>((resolve) => (this.wake = resolve)), sleep(50)]);
    }
  }

  private poke(): void {
    this.wake?.();
    this.wake = null;
  }
}

async function open(options: Partial<TmuxControlOptions> = {}): Promise<{ control: TmuxControl; recorder: Recorder }> {
  if (!tmux) throw new Error('start tmux first');
  const recorder = new Recorder();
  const control = await TmuxControl.open({ socketName: tmux.socketName, target: tmux.session, pauseAfterSeconds: 1, ...options }, recorder.events);
  opened.push(control);
  return { control, recorder };
}

const clients = async () => {
  if (!tmux) throw new Error('start tmux first');
  return (await runTmux({ socketName: tmux.socketName }, ['list-clients', '-F', '#{client_flags}'])).split('\n').filter(Boolean);
};

describe('TmuxControl', () => {
  it('streams the pane\'s bytes, escapes undone, and sets pause-after on its client', async () => {
    tmux = await startTmuxServer(['cat']);
    const { control, recorder } = await open();
    expect(control.paneId).toMatch(/^%\d+$/);
    expect((await clients()).join(' ')).toContain('pause-after=1');

    await tmuxSend({ socketName: tmux.socketName, session: tmux.session, keys: 'héllo\\wörld', enter: true });
    // The terminal's echo, then cat's copy, each ending in CR LF: bytes below 0x20 and "\" arrive decoded.
    await recorder.until('both copies', () => recorder.text().split('héllo\\wörld').length === 3);
    expect(recorder.text()).toBe('héllo\\wörld\r\nhéllo\\wörld\r\n');
  });

  it('delivers only its target pane\'s output', async () => {
    tmux = await startTmuxServer(['cat']);
    const server = { socketName: tmux.socketName };
    await runTmux(server, ['new-window', '-d', '-t', 'main:1', '--', 'sh', '-c', 'read line; echo "other:$line"; exec cat']);
    const first = await open({ target: 'main:0' });
    const second = await open({ target: 'main:1' });
    expect(first.control.paneId).not.toBe(second.control.paneId);

    await tmuxSend({ ...server, session: 'main:1', keys: 'x', enter: true });
    await second.recorder.until('window 1\'s output', () => second.recorder.text().includes('other:x'));
    await tmuxSend({ ...server, session: 'main:0', keys: 'mine', enter: true });
    await first.recorder.until('window 0\'s output', () => first.recorder.text().split('mine').length === 3);

    expect(first.recorder.text()).not.toContain('other');
    expect(second.recorder.text()).not.toContain('mine');
  });

  it('lets tmux pause a flooding pane while the consumer does not read, and continues only when asked', async () => {
    tmux = await startTmuxServer(['yes', 'flood']);
    // A second client that keeps up: were the slow one alone, tmux would stop reading the pane instead
    // (its program then waits), and the age that triggers %pause would not grow while nothing is read.
    await open({ pauseAfterSeconds: 1 });
    const { control, recorder } = await open({ pauseAfterSeconds: 1 });
    control.pauseReading();
    // Long enough for tmux to see this client more than a second behind.
    await sleep(2500);
    control.resumeReading();
    await recorder.until('%pause', () => recorder.pauses === 1);

    const chunksAtPause = recorder.chunks.length;
    expect(chunksAtPause).toBeGreaterThan(0);
    await sleep(500);
    expect(recorder.chunks.length).toBe(chunksAtPause); // paused: the pane's output stays with tmux

    await control.continue();
    await recorder.until('output after continue', () => recorder.chunks.length > chunksAtPause);
    expect(recorder.text()).toContain('flood\r\nflood\r\n');
  });

  it('says what is wrong when the session, the pane or the target is bad', async () => {
    tmux = await startTmuxServer(['cat']);
    await expect(open({ target: 'nosuch' })).rejects.toThrow(/has no session, window or pane "nosuch"/);
    await expect(open({ target: 'main:7' })).rejects.toThrow(/has no session, window or pane "7"/);
    await expect(open({ target: 'main:0.5' })).rejects.toThrow(/has no session, window or pane "5"/);
    await expect(open({ target: "main'; kill-server" })).rejects.toThrow(TmuxError);
    await expect(open({ target: "main'; kill-server" })).rejects.toThrow(/is not a tmux target/);
    // Nothing stays attached after a failed open, and the server is untouched.
    expect(await clients()).toEqual([]);
    expect(await tmuxCapture({ socketName: tmux.socketName, session: 'main', lines: 1 })).toBeTypeOf('string');
  });

  it('says when no tmux server is running', async () => {
    tmux = await startTmuxServer(['cat']);
    const socketName = tmux.socketName;
    await tmux.kill();
    await expect(TmuxControl.open({ socketName, target: 'main', pauseAfterSeconds: 1 }, new Recorder().events)).rejects.toThrow(/No tmux server is running/);
  });

  it('reports the end when its session goes away', async () => {
    tmux = await startTmuxServer(['cat']);
    await tmux.addSession('spare', ['cat']); // keeps the server up when main goes
    const { recorder } = await open();
    await runTmux({ socketName: tmux.socketName }, ['kill-session', '-t', 'main']);
    await recorder.until('exit', () => recorder.exits.length === 1);
    expect(recorder.exits[0]).toMatch(/ended|exit|server/);
  });

  it('detaches on close, twice without harm', async () => {
    tmux = await startTmuxServer(['cat']);
    const { control, recorder } = await open();
    expect(await clients()).toHaveLength(1);
    await control.close();
    await control.close();
    expect(await clients()).toEqual([]);
    expect(recorder.exits).toEqual(['closed']);
    await expect(control.continue()).resolves.toBeUndefined(); // not paused: nothing to ask tmux
  });
});
