import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killGroups, readPids, waitFor } from '../deploy/testing/processes';
import type { CommandResult, RunParams } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import { CommandExecutor } from './executor';
import { bundleChild } from './testing/bundle';
import { openCommandsDatabase } from './testing/database';
import { TEST_COMMANDS_OPTIONS } from './testing/options';

// Several agent processes on one database file (the bridge's agent and a `run-command` started over
// tmux or SSH exec): an id still runs once, a process that dies while running it leaves it lost, and a
// second process waits for the first one's result.

const ROOT = resolve(__dirname, '../..');
let bundleDir: string;
let child: { script: string; env: NodeJS.ProcessEnv };

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'lifeline-executor-child-'));
  child = await bundleChild('executor-child.ts', bundleDir);
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

let dir: string;
let dbFile: string;
let db: Database;
let children: ChildProcessWithoutNullStreams[];
let executor: CommandExecutor;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-executor-processes-'));
  dbFile = join(dir, 'agent.db');
  db = openCommandsDatabase(dbFile);
  executor = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
  children = [];
});
afterEach(async () => {
  await executor.close();
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  killGroups(readPids(join(dir, 'pids')));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Child {
  process: ChildProcessWithoutNullStreams;
  go(): void;
  result: Promise<CommandResult>;
}

async function startChild(params: RunParams): Promise<Child> {
  const started = spawn(process.execPath, [child.script, dbFile, JSON.stringify(params)], { cwd: ROOT, env: child.env });
  children.push(started);
  let stderr = '';
  started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: started.stdout });
  const ended = new Promise<never>((_resolve, reject) => {
    started.once('exit', (code, signal) => reject(new Error(`the child ended (${code ?? signal}) early: ${stderr}`)));
  });
  ended.catch(() => undefined);
  const ready = new Promise<void>((resolveReady) => lines.once('line', () => resolveReady()));
  const result = Promise.race([
    new Promise<CommandResult>((resolveResult) => {
      lines.on('line', (line) => {
        if (line !== 'ready') resolveResult(JSON.parse(line) as CommandResult);
      });
    }),
    ended,
  ]);
  result.catch(() => undefined);
  await Promise.race([ready, ended]);
  return { process: started, go: () => started.stdin.write('go\n'), result };
}

const runs = () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;

describe('CommandExecutor across processes', () => {
  it('runs an id once when three processes claim it at the same moment', async () => {
    const command: RunParams = { commandId: 'cmd-race-0001', argv: ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; sleep 0.2; echo once`] };
    const racers = await Promise.all([startChild(command), startChild(command), startChild(command)]);
    racers.forEach((racer) => racer.go());
    const results = await Promise.all(racers.map((racer) => racer.result));
    expect(runs()).toBe(1);
    expect(results.filter((result) => !result.replayed)).toHaveLength(1);
    results.forEach((result) => expect(result).toMatchObject({ state: 'finished', stdout: 'once\n', exitCode: 0 }));
  });

  it('waits for the process that runs it and replays that result', async () => {
    const command: RunParams = { commandId: 'cmd-wait-0001', argv: ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; sleep 0.5; echo theirs`] };
    const other = await startChild(command);
    other.go();
    await waitFor('the other process to start the command', () => existsSync(join(dir, 'runs')));
    const mine = await executor.run(command, 'bridge');
    const theirs = await other.result;
    expect(theirs).toMatchObject({ stdout: 'theirs\n', replayed: false });
    expect(mine).toEqual({ ...theirs, replayed: true });
    expect(runs()).toBe(1);
  });

  it('reports a command whose process was killed mid-run as lost, and never runs it again', async () => {
    const pids = join(dir, 'pids');
    const command: RunParams = { commandId: 'cmd-lost-0001', argv: ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; echo $$ >> ${pids}; exec sleep 30`] };
    const other = await startChild(command);
    other.go();
    await waitFor('the command to start', () => readPids(pids).length === 1);
    other.process.kill('SIGKILL');
    await once(other.process, 'exit');

    const lost = await executor.run(command, 'bridge');
    expect(lost).toMatchObject({ state: 'lost', replayed: true, exitCode: null, message: expect.stringContaining(`pid ${other.process.pid}`) });
    expect(await executor.run(command, 'trigger')).toEqual(lost);
    expect(runs()).toBe(1);
  });
});
