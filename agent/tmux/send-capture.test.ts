import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { literalArgument, tmuxCapture, tmuxSend } from './send-capture';
import { startTmuxServer, type TestTmuxServer } from './testing';
import { runTmux, TmuxError, tmuxArgv } from './tmux-command';

let tmux: TestTmuxServer;

beforeEach(async () => {
  // `cat` echoes each line back, so every typed line shows twice: the terminal's echo and cat's copy.
  tmux = await startTmuxServer(['cat']);
});

afterEach(async () => {
  await tmux.kill();
});

/** Captures until `predicate` holds (tmux draws asynchronously); fails with the last screen after 5 s. */
async function captureUntil(predicate: (screen: string) => boolean): Promise<string> {
  let screen = '';
  for (let attempt = 0; attempt < 250; attempt++) {
    screen = await tmuxCapture({ socketName: tmux.socketName, session: tmux.session, lines: 100 });
    if (predicate(screen)) return screen;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the pane never showed what was expected; last screen:\n${screen}`);
}

const lines = (screen: string) => screen.split('\n').filter((line) => line !== '');

describe('tmuxSend and tmuxCapture', () => {
  it('types keys literally, Enter included, and captures them back', async () => {
    await tmuxSend({ socketName: tmux.socketName, session: tmux.session, keys: 'echo hello $HOME #{pane_id}', enter: true });
    const screen = await captureUntil((text) => lines(text).length >= 2);
    expect(lines(screen)).toEqual(['echo hello $HOME #{pane_id}', 'echo hello $HOME #{pane_id}']);
  });

  it('keeps a final ";" and other text tmux would otherwise parse', async () => {
    const typed = [';', 'a;', 'b\\;', '-x', '{', "it's", 'ünïcødé ✓'];
    for (const keys of typed) await tmuxSend({ socketName: tmux.socketName, session: tmux.session, keys, enter: true });
    const screen = await captureUntil((text) => lines(text).length >= typed.length * 2);
    expect(lines(screen)).toEqual(typed.flatMap((keys) => [keys, keys]));
  });

  it('leaves the line open without enter', async () => {
    await tmuxSend({ socketName: tmux.socketName, session: tmux.session, keys: 'pending', enter: false });
    await tmuxSend({ socketName: tmux.socketName, session: tmux.session, keys: ' more', enter: true });
    const screen = await captureUntil((text) => lines(text).length >= 2);
    expect(lines(screen)).toEqual(['pending more', 'pending more']);
  });

  it('includes history above the visible screen up to `lines`', async () => {
    // 40 numbered lines in a 30-row pane: the first ones have scrolled into history.
    await tmux.addSession('numbers', ['sh', '-c', 'seq 1 40; exec cat']);
    let screen = '';
    for (let attempt = 0; attempt < 250 && !screen.includes('40'); attempt++) {
      screen = await tmuxCapture({ socketName: tmux.socketName, session: 'numbers', lines: 5 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const numbers = lines(screen);
    expect(numbers.at(-1)).toBe('40');
    // The 30 rows show 12..40 and the cursor's blank line; 7..11 are the 5 history lines above them.
    expect(numbers[0]).toBe('7');
    const all = await tmuxCapture({ socketName: tmux.socketName, session: 'numbers', lines: 100 });
    expect(lines(all)[0]).toBe('1');
  });

  it('says which session is missing and how to start it', async () => {
    const sending = tmuxSend({ socketName: tmux.socketName, session: 'nosuch', keys: 'x', enter: true });
    await expect(sending).rejects.toThrow(TmuxError);
    await expect(sending).rejects.toThrow(/has no session, window or pane "nosuch".*tmux new-session -d -s NAME/);
  });

  it('says when no tmux server is running', async () => {
    await tmux.kill();
    await expect(tmuxCapture({ socketName: tmux.socketName, session: 'main', lines: 10 })).rejects.toThrow(/No tmux server is running.*start the session first/);
  });
});

describe('tmuxArgv', () => {
  it('selects the private socket and refuses names that would leave tmux\'s socket folder', async () => {
    expect(tmuxArgv({ socketName: 'ops' }, ['ls'])).toEqual(['tmux', '-L', 'ops', 'ls']);
    expect(tmuxArgv({}, ['ls'])).toEqual(['tmux', 'ls']);
    for (const socketName of ['..', '../x', 'a/b', '', '.']) {
      expect(() => tmuxArgv({ socketName }, ['ls'])).toThrow(/is not a tmux socket name/);
    }
    await expect(runTmux({ socketName: '../etc' }, ['ls'])).rejects.toThrow(TmuxError);
  });
});

describe('literalArgument', () => {
  it('escapes only a final ";"', () => {
    expect(literalArgument('a;')).toBe('a\\;');
    expect(literalArgument(';')).toBe('\\;');
    expect(literalArgument('a;b')).toBe('a;b');
    expect(literalArgument('')).toBe('');
  });
});
