import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProcess, type ProcessOptions } from './process';
import { isRunning, killGroups, readPids, waitFor } from './testing/processes';

let dir: string;
let pidFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-process-'));
  pidFile = join(dir, 'pids');
});
afterEach(() => {
  killGroups(readPids(pidFile));
  rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[], options: Partial<ProcessOptions> = {}) {
  let output = '';
  const done = runProcess({ argv, cwd: dir, env: process.env, killGraceMs: 500, onOutput: (text) => (output += text), ...options });
  return { done, output: () => output };
}

// A shell that starts a grandchild `sleep`, records both pids, and waits for it.
const withGrandchild = (trap = '') => ['sh', '-c', `${trap} echo $$ >> pids; sleep 300 & echo $! >> pids; wait`];

describe('runProcess', () => {
  it('runs an argv without a shell and gathers stdout and stderr', async () => {
    const { done, output } = run(['sh', '-c', 'echo "out $1"; echo err >&2; exit 3', 'sh', '$(touch injected)']);
    const result = await done;
    expect(result).toMatchObject({ exitCode: 3, exitSignal: null, timedOut: false, aborted: false });
    expect(output()).toContain('out $(touch injected)');
    expect(output()).toContain('err');
    expect(existsSync(join(dir, 'injected'))).toBe(false);
  });

  it('keeps a multi-byte character whole when it arrives split across reads', async () => {
    const { done, output } = run(['sh', '-c', "printf '\\342\\202'; sleep 0.05; printf '\\254 euro\\n'"]);
    await done;
    expect(output()).toBe('€ euro\n');
  });

  it('says clearly when the program or the working directory does not exist', async () => {
    expect((await run(['no-such-program-lifeline']).done).startError).toBe('no-such-program-lifeline was not found (check the path, or PATH)');
    expect((await run(['true'], { cwd: join(dir, 'missing') }).done).startError).toBe(`its working directory ${join(dir, 'missing')} does not exist`);
    expect((await run([]).done).startError).toBe('the command is empty');
  });

  it('stops the whole process group on abort, grandchildren included', async () => {
    const controller = new AbortController();
    const { done } = run(withGrandchild(), { signal: controller.signal });
    await waitFor('both pids', () => readPids(pidFile).length === 2);
    controller.abort();
    const result = await done;
    expect(result).toMatchObject({ aborted: true, timedOut: false, exitSignal: 'SIGTERM' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('stops the whole process group on timeout', async () => {
    // Long enough for the shell to start its grandchild first, even on a busy machine.
    const result = await run(withGrandchild(), { timeoutMs: 1500 }).done;
    expect(readPids(pidFile)).toHaveLength(2);
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitSignal: 'SIGTERM' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('follows SIGTERM with SIGKILL when the group ignores it', async () => {
    const controller = new AbortController();
    const { done } = run(withGrandchild("trap '' TERM;"), { signal: controller.signal });
    await waitFor('both pids', () => readPids(pidFile).length === 2);
    controller.abort();
    const result = await done;
    expect(result).toMatchObject({ aborted: true, exitSignal: 'SIGKILL' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('stops what a program left running in its group when it exits', async () => {
    const result = await run(['sh', '-c', 'sleep 300 & echo $! >> pids; exit 0']).done;
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    const [leftover] = readPids(pidFile);
    expect(isRunning(leftover)).toBe(false);
  });

  it('does not start a program when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run(['sh', '-c', 'echo $$ >> pids'], { signal: controller.signal }).done;
    expect(result.aborted).toBe(true);
    expect(readPids(pidFile)).toEqual([]);
  });
});
