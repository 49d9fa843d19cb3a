import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killGroups, readPids, waitFor } from '../deploy/testing/processes';
import { commandResultSchema } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import { CommandExecutor } from './executor';
import { bundleChild } from './testing/bundle';
import { openCommandsDatabase } from './testing/database';
import { TEST_COMMANDS_OPTIONS } from './testing/options';

// `run-command` as the tmux and exec layers start it: a process of its own with real pipes, sharing the
// agent's database with the agent process (here, this test's executor playing the socket bridge).

let bundleDir: string;
let entry: { script: string; env: NodeJS.ProcessEnv };

beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'lifeline-run-command-entry-'));
  entry = await bundleChild('run-command-entry.ts', bundleDir);
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

let dir: string;
let db: Database;
let bridge: CommandExecutor;
let children: ChildProcess[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-run-command-process-'));
  db = openCommandsDatabase(join(dir, 'agent.db'));
  bridge = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
  children = [];
});
afterEach(async () => {
  await bridge.close();
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  killGroups(readPids(join(dir, 'pids')));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function runCommand(...args: string[]) {
  const child = spawn(process.execPath, [entry.script, join(dir, 'agent.db'), ...args], { env: entry.env });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const done = once(child, 'exit').then(([code]) => ({ code: code as number | null, out, err }));
  return { child, done };
}

const runs = () => readFileSync(join(dir, 'runs'), 'utf8').split('\n').filter(Boolean).length;

describe('run-command in its own process', () => {
  it('passes output and exit code through real pipes, and the bridge then gets the recorded result', async () => {
    const argv = ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; echo out; echo err >&2; exit 5`];
    expect(await runCommand('--id', 'cmd-proc-0001', '--', ...argv).done).toEqual({ code: 5, out: 'out\n', err: 'err\n' });
    expect(await bridge.run({ commandId: 'cmd-proc-0001', argv }, 'bridge')).toMatchObject({ exitCode: 5, stdout: 'out\n', stderr: 'err\n', replayed: true });
    expect(runs()).toBe(1);
  });

  it('replays with --json what the bridge ran first', async () => {
    const argv = ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; echo bridged`];
    const first = await bridge.run({ commandId: 'cmd-proc-0002', argv }, 'bridge');
    const replay = await runCommand('--id', 'cmd-proc-0002', '--json', '--', ...argv).done;
    expect(replay.code).toBe(0);
    expect(commandResultSchema.parse(JSON.parse(replay.out))).toEqual({ ...first, replayed: true });
    expect(runs()).toBe(1);
  });

  it('leaves a command lost when its run-command process is killed mid-run (a killed tmux pane), never running it again', async () => {
    const pids = join(dir, 'pids');
    const argv = ['sh', '-c', `echo ran >> ${join(dir, 'runs')}; echo $$ >> ${pids}; exec sleep 30`];
    const { child, done } = runCommand('--id', 'cmd-proc-0003', '--', ...argv);
    await waitFor('the command to start', () => readPids(pids).length === 1);
    child.kill('SIGKILL');
    await done;
    expect(await bridge.run({ commandId: 'cmd-proc-0003', argv }, 'bridge')).toMatchObject({ state: 'lost', replayed: true });
    const again = await runCommand('--id', 'cmd-proc-0003', '--', ...argv).done;
    expect(again.code).toBe(255);
    expect(again.err).toMatch(/whether it completed is unknown/);
    expect(runs()).toBe(1);
  });
});
