import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunning, killGroups, readPids, waitFor } from '../deploy/testing/processes';
import type { CommandResult, RunParams } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import { CommandExecutor } from './executor';
import { CommandLedger } from './ledger';
import type { CommandsOptions } from './options';
import { startTimeOf } from './owner';
import { openCommandsDatabase } from './testing/database';
import { TEST_COMMANDS_OPTIONS } from './testing/options';

let dir: string;
let db: Database;
let executors: CommandExecutor[];
let children: ChildProcess[];


beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-commands-'));
  db = openCommandsDatabase(join(dir, 'agent.db'));
  executors = [];
  children = [];
});
afterEach(async () => {
  await Promise.all(executors.map((executor) => executor.close()));
  killGroups(readPids(join(dir, 'pids')));
  children.filter((child) => child.exitCode === null && child.signalCode === null).forEach((child) => child.kill('SIGKILL'));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function executor(extra: Partial<CommandsOptions> = {}, env: NodeJS.ProcessEnv = { ...process.env, HOME: dir }): CommandExecutor {
  const created = new CommandExecutor({ db, options: { ...TEST_COMMANDS_OPTIONS, ...extra }, env });
  executors.push(created);
  return created;
}

let counter = 0;
function params(extra: Partial<RunParams>): RunParams {
  counter += 1;
  return { commandId: `cmd-test-${String(counter).padStart(4, '0')}`, ...extra } as RunParams;
}

/** A command that leaves a mark each time it really runs, so a second run cannot hide. */
function marking(extra: Partial<RunParams> = {}): RunParams {
  return params({ argv: ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; echo out; echo err >&2; exit 3`], ...extra });
}

const runs = () => (existsSync(join(dir, 'runs')) ? readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length : 0);

describe('CommandExecutor.run', () => {
  it('runs argv without a shell, streams its output live and records the result', async () => {
    const live: string[] = [];
    const result = await executor().run(params({ argv: ['echo', 'hello; $(rm -rf /)'] }), 'bridge', (stream, text) => live.push(`${stream}:${text}`));
    expect(result).toMatchObject({ state: 'finished', exitCode: 0, signal: null, stdout: 'hello; $(rm -rf /)\n', stderr: '', truncated: false, replayed: false });
    expect(live.join('')).toBe('stdout:hello; $(rm -rf /)\n');
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(result.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(result.startedAt));
  });

  it('never runs an id twice: a second arrival, over any layer, gets the recorded result', async () => {
    const command = marking();
    const first = await executor().run(command, 'bridge');
    expect(first).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', replayed: false });
    const again = await executor().run(command, 'trigger', () => {
      throw new Error('a replay has no live output');
    });
    expect(again).toEqual({ ...first, replayed: true });
    expect(runs()).toBe(1);
  });

  it('lets a second call of a running id wait for the same run', async () => {
    const runner = executor();
    const command = params({ argv: ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; sleep 0.3; echo done`] });
    const [a, b] = await Promise.all([runner.run(command, 'bridge'), runner.run(command, 'cli')]);
    expect(runs()).toBe(1);
    expect(a).toMatchObject({ stdout: 'done\n', replayed: false });
    expect(b).toEqual({ ...a, replayed: true });
  });

  it('adds the request env to its own, starts in HOME unless told, and takes a cwd (a relative one from HOME)', async () => {
    const runner = executor({}, { PATH: process.env.PATH, HOME: dir, FROM_AGENT: 'agent' });
    const env = await runner.run(params({ argv: ['sh', '-c', 'echo "$FROM_AGENT $FROM_CALLER"; pwd'], env: { FROM_CALLER: 'caller' } }), 'bridge');
    expect(env.stdout).toBe(`agent caller\n${dir}\n`);
    mkdirSync(join(dir, 'work'));
    expect((await runner.run(params({ argv: ['pwd'], cwd: join(dir, 'work') }), 'bridge')).stdout).toBe(`${join(dir, 'work')}\n`);
    expect((await runner.run(params({ argv: ['pwd'], cwd: 'work' }), 'bridge')).stdout).toBe(`${join(dir, 'work')}\n`);
  });

  it('says why a program could not start, with the exit codes a shell gives', async () => {
    const missing = await executor().run(params({ argv: ['no-such-program-here'] }), 'bridge');
    expect(missing).toMatchObject({ state: 'finished', exitCode: 127, message: expect.stringMatching(/no-such-program-here was not found \(check the path, or PATH\)/) });
    const noCwd = await executor().run(params({ argv: ['true'], cwd: join(dir, 'gone') }), 'bridge');
    expect(noCwd).toMatchObject({ exitCode: 126, message: expect.stringContaining(`the working directory ${join(dir, 'gone')} does not exist`) });
    // Within the protocol's limits (64 KiB per argument) but past the kernel's for one exec.
    const tooLong = await executor().run(params({ argv: ['echo', ...Array.from({ length: 64 }, () => 'x'.repeat(64 * 1024))] }), 'bridge');
    expect(tooLong).toMatchObject({ exitCode: 126, message: expect.stringMatching(/echo could not be started: .*E2BIG/) });
  });

  it('records a refusal with the rule that refused it, and replays it even once the policy allows it', async () => {
    const strict = executor({ allow: [{ argv: ['echo', '**'] }] });
    const command = marking();
    const refused = await strict.run(command, 'bridge');
    expect(refused).toMatchObject({ state: 'refused', exitCode: null, replayed: false, message: expect.stringContaining('commands.allow') });
    expect(runs()).toBe(0);
    expect(await strict.run(params({ argv: ['echo', 'fine'] }), 'bridge')).toMatchObject({ state: 'finished', stdout: 'fine\n' });
    expect(await executor().run(command, 'bridge')).toEqual({ ...refused, replayed: true });
    expect(runs()).toBe(0);
  });

  it('runs a named command from the config', async () => {
    const runner = executor({ named: { greet: { argv: ['sh', '-c', 'echo "hi $WHO"'], env: { WHO: 'ops' } } } });
    expect(await runner.run(params({ named: 'greet' }), 'bridge')).toMatchObject({ state: 'finished', stdout: 'hi ops\n' });
  });

  it('stops a command at its time limit, its whole process group included, even one ignoring SIGTERM', async () => {
    const pids = join(dir, 'pids');
    const result = await executor().run(
      params({ argv: ['sh', '-c', `trap "" TERM; echo $$ >> ${pids}; sleep 30 & echo $! >> ${pids}; echo started; wait`], timeoutSeconds: 1 }),
      'bridge',
    );
    expect(result).toMatchObject({ state: 'timeout', exitCode: null, signal: 'SIGKILL', stdout: 'started\n', message: expect.stringContaining('time limit of 1 s') });
    const started = readPids(pids);
    expect(started).toHaveLength(2);
    expect(started.filter(isRunning)).toEqual([]);
  });

  it('stops what a command left running in its group once it exits', async () => {
    const pids = join(dir, 'pids');
    const result = await executor().run(params({ argv: ['sh', '-c', `sleep 30 & echo $! >> ${pids}; echo left`] }), 'bridge');
    expect(result).toMatchObject({ state: 'finished', exitCode: 0, stdout: 'left\n' });
    expect(readPids(pids).filter(isRunning)).toEqual([]);
  });

  it('stores output up to the cap and says so, while live output gets all of it', async () => {
    let liveBytes = 0;
    const result = await executor({ outputCapBytes: 1000 }).run(params({ argv: ['sh', '-c', "head -c 300000 /dev/zero | tr '\\0' a"] }), 'bridge', (_stream, text) => {
      liveBytes += text.length;
    });
    expect(liveBytes).toBe(300_000);
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.truncated).toBe(true);
  });

  it('goes on running a command whose live listener throws', async () => {
    const result = await executor().run(params({ argv: ['sh', '-c', 'echo one; sleep 0.1; echo two'] }), 'bridge', () => {
      throw new Error('client gone');
    });
    expect(result).toMatchObject({ state: 'finished', stdout: 'one\ntwo\n' });
  });
});

describe('CommandExecutor with a command owned by another process', () => {
  it('marks it lost when its owner is dead and never runs it', async () => {
    const child = spawn('true');
    const start = await new Promise<string | undefined>((resolve) => child.once('spawn', () => resolve(startTimeOf(child.pid ?? 0))));
    await once(child, 'exit');
    const command = marking();
    new CommandLedger(db).claim({ state: 'running', commandId: command.commandId, via: 'bridge', request: '{}', requestedBy: null, owner: { pid: child.pid ?? 0, start: start ?? '1' }, at: Date.now() });
    const runner = executor();
    expect(runner.get(command.commandId)).toMatchObject({ state: 'lost', replayed: true });
    const lost = await runner.run(command, 'bridge');
    expect(lost).toMatchObject({ state: 'lost', exitCode: null, replayed: true, message: expect.stringMatching(/whether it completed is unknown.*new id/) });
    expect(runs()).toBe(0);
  });

  it('takes a live pid with another start time for a new process, not the owner', async () => {
    const command = marking();
    new CommandLedger(db).claim({ state: 'running', commandId: command.commandId, via: 'cli', request: '{}', requestedBy: null, owner: { pid: process.pid, start: 'an earlier boot' }, at: Date.now() });
    expect(await executor().run(command, 'bridge')).toMatchObject({ state: 'lost' });
    expect(runs()).toBe(0);
  });

  it('waits for a live owner to finish and replays its result, or reports lost if it dies first', async () => {
    const sleeper = spawn('sleep', ['30']);
    children.push(sleeper);
    await once(sleeper, 'spawn');
    const owner = { pid: sleeper.pid ?? 0, start: startTimeOf(sleeper.pid ?? 0) ?? '' };
    const ledger = new CommandLedger(db);
    const finished = marking();
    const dies = marking();
    for (const command of [finished, dies]) {
      ledger.claim({ state: 'running', commandId: command.commandId, via: 'bridge', request: '{}', requestedBy: null, owner, at: Date.now() });
    }
    const runner = executor();
    expect(runner.get(finished.commandId)).toBeNull();
    const waiting = runner.run(finished, 'trigger');
    const waitingForDead = runner.run(dies, 'trigger');
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);

    ledger.finish(finished.commandId, owner, { state: 'finished', exitCode: 0, signal: null, stdout: 'theirs\n', stderr: '', truncated: false, message: null, at: Date.now() });
    expect(await waiting).toMatchObject({ state: 'finished', stdout: 'theirs\n', replayed: true });

    sleeper.kill('SIGKILL');
    await once(sleeper, 'exit');
    expect(await waitingForDead).toMatchObject({ state: 'lost', replayed: true });
    expect(runs()).toBe(0);
  });
});

describe('CommandExecutor.get and close', () => {
  it('has nothing for an unknown id or a running one, and the result once it ended', async () => {
    const runner = executor();
    const command = params({ argv: ['sh', '-c', 'sleep 0.2; echo ok'] });
    expect(runner.get(command.commandId)).toBeNull();
    const running = runner.run(command, 'bridge');
    expect(runner.get(command.commandId)).toBeNull();
    const result = await running;
    expect(runner.get(command.commandId)).toEqual({ ...result, replayed: true });
  });

  it('stops running commands on close, records how they ended and takes no more', async () => {
    const runner = executor();
    const command = params({ argv: ['sh', '-c', `echo $$ >> ${join(dir, 'pids')}; exec sleep 30`] });
    const running: Promise<CommandResult> = runner.run(command, 'bridge');
    await waitFor('the command to start', () => readPids(join(dir, 'pids')).length === 1);
    await runner.close();
    expect(await running).toMatchObject({ state: 'finished', signal: 'SIGTERM', message: 'The agent stopped it while shutting down.' });
    await expect(runner.run(params({ argv: ['true'] }), 'bridge')).rejects.toThrow(/takes no more commands/);
    expect(executor().get(command.commandId)).toMatchObject({ signal: 'SIGTERM', replayed: true });
  });
});
