import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptProcess, runProcess, type ProcessOptions } from './process';
import { supervisedArgv } from './supervisor';
import { isRunning, killGroups, readPids, waitFor } from './testing/processes';

let dir: string;
let pidFile: string;
let outputFd: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-process-'));
  pidFile = join(dir, 'pids');
  outputFd = openSync(join(dir, 'output'), 'a');
});
afterEach(() => {
  killGroups(readPids(pidFile));
  closeSync(outputFd);
  rmSync(dir, { recursive: true, force: true });
});

const output = () => readFileSync(join(dir, 'output'), 'utf8');

function run(argv: string[], options: Partial<ProcessOptions> = {}) {
  return runProcess({ argv, cwd: dir, env: process.env, killGraceMs: 500, output: outputFd, ...options });
}

// A shell that starts a grandchild `sleep`, records both pids, and waits for it.
const withGrandchild = (trap = '') => ['sh', '-c', `${trap} echo $$ >> pids; sleep 300 & echo $! >> pids; wait`];

describe('runProcess', () => {
  it('runs an argv without a shell, its stdout and stderr going to the output file', async () => {
    const result = await run(['sh', '-c', 'echo "out $1"; echo err >&2; exit 3', 'sh', '$(touch injected)']);
    expect(result).toMatchObject({ exitCode: 3, exitSignal: null, timedOut: false, aborted: false });
    expect(output()).toContain('out $(touch injected)');
    expect(output()).toContain('err');
    expect(existsSync(join(dir, 'injected'))).toBe(false);
  });

  it('says clearly when the program or the working directory does not exist', async () => {
    expect((await run(['no-such-program-lifeline'])).startError).toBe('no-such-program-lifeline was not found (check the path, or PATH)');
    expect((await run(['true'], { cwd: join(dir, 'missing') })).startError).toBe(`its working directory ${join(dir, 'missing')} does not exist`);
    expect((await run([])).startError).toBe('the command is empty');
  });

  it('stops the whole process group on abort, grandchildren included', async () => {
    const controller = new AbortController();
    const done = run(withGrandchild(), { signal: controller.signal });
    await waitFor('both pids', () => readPids(pidFile).length === 2);
    controller.abort();
    const result = await done;
    expect(result).toMatchObject({ aborted: true, timedOut: false, exitSignal: 'SIGTERM' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('stops the whole process group on timeout', async () => {
    // Long enough for the shell to start its grandchild first, even on a busy machine.
    const result = await run(withGrandchild(), { timeoutMs: 1500 });
    expect(readPids(pidFile)).toHaveLength(2);
    expect(result).toMatchObject({ timedOut: true, aborted: false, exitSignal: 'SIGTERM' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('follows SIGTERM with SIGKILL when the group ignores it', async () => {
    const controller = new AbortController();
    const done = run(withGrandchild("trap '' TERM;"), { signal: controller.signal });
    await waitFor('both pids', () => readPids(pidFile).length === 2);
    controller.abort();
    const result = await done;
    expect(result).toMatchObject({ aborted: true, exitSignal: 'SIGKILL' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('stops what a program left running in its group when it exits, even what ignores SIGTERM', async () => {
    const result = await run(['sh', '-c', "(trap '' TERM; sleep 300) & echo $! >> pids; sleep 300 & echo $! >> pids; exit 0"]);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, aborted: false });
    expect(readPids(pidFile)).toHaveLength(2);
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('does not start a program when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await run(['sh', '-c', 'echo $$ >> pids'], { signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(readPids(pidFile)).toEqual([]);
  });
});

describe('runProcess under a supervisor', () => {
  const statusFile = () => join(dir, 'status');

  it('records the exit code in the status file and reports it', async () => {
    const result = await run(['sh', '-c', 'echo "$LIFELINE_TEST"; exit 4'], { statusFile: statusFile(), env: { ...process.env, LIFELINE_TEST: 'passed on' } });
    expect(result).toMatchObject({ exitCode: 4, exitSignal: null });
    expect(readFileSync(statusFile(), 'utf8')).toBe('4');
    expect(output()).toBe('passed on\n');
  });

  it('finds the program itself, so a missing one or a shell builtin name is reported as not found', async () => {
    expect((await run(['no-such-program-lifeline'], { statusFile: statusFile() })).startError).toBe('no-such-program-lifeline was not found (check the path, or PATH)');
    expect((await run(['exit', '0'], { statusFile: statusFile() })).startError).toBe('exit was not found (check the path, or PATH)');
    expect((await run(['true'], { statusFile: statusFile(), cwd: join(dir, 'missing') })).startError).toBe(`its working directory ${join(dir, 'missing')} does not exist`);
    expect(existsSync(statusFile())).toBe(false);
  });

  it('records nothing when the group is stopped', async () => {
    const controller = new AbortController();
    const done = run(withGrandchild(), { statusFile: statusFile(), signal: controller.signal });
    await waitFor('both pids', () => readPids(pidFile).length === 2);
    controller.abort();
    expect(await done).toMatchObject({ aborted: true, exitSignal: 'SIGTERM' });
    expect(existsSync(statusFile())).toBe(false);
  });
});

describe('adoptProcess', () => {
  const statusFile = () => join(dir, 'status');
  const go = () => join(dir, 'go');

  /** A supervised program started as an agent would have, waiting for the test's go file, then exiting with `code`. */
  function startOrphan(code: number, before = ''): number {
    const script = `echo $$ >> pids; ${before} while [ ! -e go ]; do sleep 0.05; done; echo done; exit ${code}`;
    const [program, ...args] = supervisedArgv(statusFile(), ['/bin/sh', '-c', script]);
    const child = spawn(program, args, { cwd: dir, detached: true, stdio: ['ignore', outputFd, outputFd] });
    child.unref();
    if (child.pid === undefined) throw new Error('the orphan did not start');
    return child.pid;
  }

  const adopt = (leader: number | undefined, options: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
    adoptProcess({ leader, statusFile: statusFile(), killGraceMs: 500, ...options });

  it('waits for the program and reports the exit code its supervisor recorded, stopping what it left behind', async () => {
    const leader = startOrphan(5, 'sleep 300 & echo $! >> pids;');
    await waitFor('both pids', () => readPids(pidFile).length === 2);
    const adopted = adopt(leader);
    writeFileSync(go(), '');
    expect(await adopted).toMatchObject({ exitCode: 5, timedOut: false, aborted: false, unreported: false });
    expect(output()).toContain('done');
    for (const pid of [leader, ...readPids(pidFile)]) expect(isRunning(pid)).toBe(false);
  });

  it('takes the recorded exit code of a program that already ended', async () => {
    writeFileSync(statusFile(), '0');
    expect(await adopt(undefined)).toMatchObject({ exitCode: 0, unreported: false });
  });

  it('says the end went unreported when the program and its supervisor are killed', async () => {
    const leader = startOrphan(0);
    await waitFor('the program', () => readPids(pidFile).length === 1);
    const adopted = adopt(leader);
    process.kill(-leader, 'SIGKILL');
    expect(await adopted).toMatchObject({ exitCode: null, unreported: true });
  });

  it('stops the group at once when the step’s time is already up, and on abort', async () => {
    const late = startOrphan(0);
    await waitFor('the first program', () => readPids(pidFile).length === 1);
    expect(await adopt(late, { timeoutMs: -1000 })).toMatchObject({ timedOut: true, exitCode: null, unreported: false });
    expect(isRunning(late)).toBe(false);

    const cancelled = startOrphan(0);
    await waitFor('the second program', () => readPids(pidFile).length === 2);
    const controller = new AbortController();
    const adopted = adopt(cancelled, { signal: controller.signal });
    controller.abort();
    expect(await adopted).toMatchObject({ aborted: true, unreported: false });
    for (const pid of [cancelled, ...readPids(pidFile)]) expect(isRunning(pid)).toBe(false);
    expect(existsSync(statusFile())).toBe(false);
  });
});
