import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../commands/executor';
import { openCommandsDatabase } from '../commands/testing/database';
import { collectingLogger } from '../log/testing';
import type { CommandResult, RunParams } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import { TriggerError } from './folder';
import { refusalName, resultName } from './names';
import type { TriggerOptions } from './options';
import { awaitAnswer, submitRequest } from './testing';
import { TriggerWatcher } from './watcher';
import { TEST_COMMANDS_OPTIONS } from '../commands/testing/options';

let base: string;
let dir: string;
let db: Database;
let executor: CommandExecutor;
let watchers: TriggerWatcher[];
/** Every request the watcher handed to the executor. */
let calls: RunParams[];
let logged: ReturnType<typeof collectingLogger>;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'lifeline-trigger-'));
  dir = join(base, 'trigger');
  db = openCommandsDatabase(join(base, 'agent.db'));
  executor = new CommandExecutor({ db, options: { ...TEST_COMMANDS_OPTIONS, timeoutSeconds: 30 }, env: { ...process.env, HOME: base } });
  watchers = [];
  calls = [];
  logged = collectingLogger();
});

afterEach(async () => {
  await Promise.all(watchers.map((watcher) => watcher.stop()));
  await executor.close();
  db.close();
  rmSync(base, { recursive: true, force: true });
});

const run = (params: RunParams): Promise<CommandResult> => {
  calls.push(params);
  return executor.run(params, 'trigger');
};

/** A watcher on `dir`; rescans rarely unless a test is about rescans, so pickups come from fs.watch. */
async function started(options: Partial<TriggerOptions> = {}, runner = run): Promise<TriggerWatcher> {
  const watcher = new TriggerWatcher({ dir, rescanMs: 60_000, retentionMs: 3_600_000, maxFileBytes: 4096, ...options }, runner, logged.logger);
  watchers.push(watcher);
  await watcher.start();
  return watcher;
}

async function waitUntil(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}; folder: ${readdirSync(dir).join(', ')}`);
    await sleep(10);
  }
}

async function waitUntilExists(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} was never made again`);
    await sleep(10);
  }
}

const id = (n: number) => `cmd-${String(n).padStart(8, '0')}`;

describe('TriggerWatcher', () => {
  it('runs a request renamed into place, answers it atomically and removes it', async () => {
    await started();
    await submitRequest(dir, { commandId: id(1), argv: ['sh', '-c', 'echo out; echo err >&2; exit 3'], requestedBy: 'test' });
    const result = await awaitAnswer(dir, id(1));

    expect(result).toMatchObject({ commandId: id(1), state: 'finished', exitCode: 3, stdout: 'out\n', stderr: 'err\n', replayed: false });
    await waitUntil('the request is removed', () => !existsSync(join(dir, `${id(1)}.json`)));
    expect(readdirSync(dir)).toEqual([resultName(id(1))]);
    expect(statSync(join(dir, resultName(id(1)))).mode & 0o777).toBe(0o600);
    expect(calls.map((call) => call.commandId)).toEqual([id(1)]);
  });

  it('answers requests left in the folder while it was stopped, and leaves half-written ones alone', async () => {
    mkdirSync(dir, { mode: 0o700 });
    await submitRequest(dir, { commandId: id(2), argv: ['echo', 'left'] });
    writeFileSync(join(dir, `${id(3)}.json.tmp`), '{"commandId": "cmd-000'); // a client still writing
    await started();
    expect((await awaitAnswer(dir, id(2))).stdout).toBe('left\n');
    expect(readFileSync(join(dir, `${id(3)}.json.tmp`), 'utf8')).toBe('{"commandId": "cmd-000');
    expect(calls).toHaveLength(1);
  });

  it('never runs an id twice: the same request again gets the recorded result', async () => {
    await started();
    const sideEffect = join(base, 'ran');
    const request = { commandId: id(4), argv: ['sh', '-c', `echo once >> ${sideEffect}; echo done`] };
    await submitRequest(dir, request);
    expect((await awaitAnswer(dir, id(4))).replayed).toBe(false);
    rmSync(join(dir, resultName(id(4))));
    await waitUntil('the request is removed', () => !existsSync(join(dir, `${id(4)}.json`)));

    await submitRequest(dir, request);
    const again = await awaitAnswer(dir, id(4));
    expect(again).toMatchObject({ replayed: true, state: 'finished', exitCode: 0, stdout: 'done\n' });
    expect(readFileSync(sideEffect, 'utf8')).toBe('once\n');
    expect(calls).toHaveLength(2); // the watcher passed both on; the executor ran one
  });

  it('refuses links, odd files, oversize and invalid requests with an answer saying why, running nothing', async () => {
    mkdirSync(dir, { mode: 0o700 });
    const sideEffect = join(base, 'ran');
    const wouldRun = (commandId: string) => JSON.stringify({ commandId, argv: ['sh', '-c', `echo ran >> ${sideEffect}`] });
    // A link to a valid request outside the folder: it must be neither followed nor changed.
    writeFileSync(join(base, 'outside.json'), wouldRun(id(10)));
    symlinkSync(join(base, 'outside.json'), join(dir, `${id(10)}.json`));
    writeFileSync(join(dir, `${id(11)}.json`), wouldRun(id(11)).padEnd(4097, ' '));
    writeFileSync(join(dir, `${id(12)}.json`), '{"commandId": ');
    writeFileSync(join(dir, `${id(13)}.json`), JSON.stringify({ commandId: id(13), argv: [], shell: 'rm -rf /' }));
    writeFileSync(join(dir, `${id(14)}.json`), wouldRun(id(99)));
    mkdirSync(join(dir, `${id(15)}.json`));
    execFileSync('mkfifo', [join(dir, `${id(16)}.json`)]);
    writeFileSync(join(dir, `${id(17)}.json`), Buffer.from([0xff, 0xfe, 0x7b]));
    const before = readdirSync(base).sort();

    await started();
    const expected: [string, RegExp][] = [
      [id(10), /is a symbolic link; the agent reads only regular files/],
      [id(11), /over the agent's limit of 4096/],
      [id(12), /is not valid JSON \(.*\); write the command's RunParams as one JSON object/],
      [id(13), /is not a valid request: request.argv: argv needs at least the program; request has unknown field\(s\) shell\./],
      [id(14), /carries commandId "cmd-00000099" but is named after "cmd-00000014"; name the file after its command id \(cmd-00000099.json\)/],
      [id(15), /is a folder, not a regular file/],
      [id(16), /is a FIFO, not a regular file/],
      [id(17), /is not UTF-8 text/],
    ];
    for (const [commandId, message] of expected) {
      const answer = await awaitAnswer(dir, commandId);
      expect(answer).toMatchObject({ commandId, state: 'refused', exitCode: null, replayed: false });
      expect(answer.message).toMatch(message);
    }
    await waitUntil('every refused entry is removed', () => readdirSync(dir).every((name) => name.endsWith('.result.json')));
    expect(readdirSync(dir)).toHaveLength(expected.length);
    expect(calls).toEqual([]);
    expect(existsSync(sideEffect)).toBe(false);
    expect(readFileSync(join(base, 'outside.json'), 'utf8')).toBe(wouldRun(id(10)));
    expect(readdirSync(base).sort()).toEqual(before);
  });

  it('answers a file that is not named as a request in <name>.refused.json, inside the folder only', async () => {
    mkdirSync(dir, { mode: 0o700 });
    const strangers = ['..json', '.json', 'a.b.c.json', 'short.json', 'notes.txt', '..%2F..%2Fetc%2Fpasswd.json', `${id(20)}.JSON`, `-${id(21)}.json`];
    for (const name of strangers) writeFileSync(join(dir, name), JSON.stringify({ commandId: id(20), argv: ['touch', join(base, 'ran')] }));
    // A name that is not UTF-8 cannot be named in an answer: it is only removed.
    writeFileSync(Buffer.from(`${dir}/\xff\xfe.json`, 'latin1'), '{}');
    const before = readdirSync(base).sort();

    await started();
    for (const name of strangers) {
      const answer = await awaitAnswer(dir, name, refusalName(name));
      expect(answer).toMatchObject({ commandId: name, state: 'refused' });
      expect(answer.message).toContain(`${name} is not a trigger request: a request is named <id>.json`);
    }
    await waitUntil('the strangers are removed', () => readdirSync(dir).length === strangers.length);
    expect(readdirSync(dir).sort()).toEqual(strangers.map(refusalName).sort());
    expect(readdirSync(base).sort()).toEqual(before);
    expect(calls).toEqual([]);
    expect(logged.collector.records().some((record) => String(record.msg).includes('not UTF-8'))).toBe(true);
  });

  it('takes a change to the folder itself (a chmod, reported under its own name) for no file at all', async () => {
    mkdirSync(dir, { mode: 0o700 });
    await started();
    chmodSync(dir, 0o700);
    // A request after the chmod is answered; had the chmod counted as a stranger, its refusal would be there first.
    const params = { commandId: id(30), argv: ['true'] };
    await submitRequest(dir, params);
    await awaitAnswer(dir, params.commandId);
    expect(readdirSync(dir).filter((name) => name.endsWith('.refused.json'))).toEqual([]);
  });

  it('retries at the next rescan a request whose run failed', async () => {
    let failures = 1;
    const flaky = (params: RunParams) => (failures-- > 0 ? Promise.reject(new Error('database is locked')) : run(params));
    await started({ rescanMs: 50 }, flaky);
    await submitRequest(dir, { commandId: id(30), argv: ['echo', 'second try'] });
    expect((await awaitAnswer(dir, id(30))).stdout).toBe('second try\n');
    const failure = logged.collector.records().find((record) => record.msg === 'trigger request failed; the next rescan retries it');
    expect(failure).toMatchObject({ level: 'error', file: `${id(30)}.json` });
  });

  it('deletes answers and abandoned partial files once they are older than the retention', async () => {
    mkdirSync(dir, { mode: 0o700 });
    const old = (Date.now() - 2 * 3_600_000) / 1000;
    for (const name of [resultName(id(40)), refusalName('notes.txt'), `${id(41)}.json.tmp`]) {
      writeFileSync(join(dir, name), '{}');
      utimesSync(join(dir, name), old, old);
    }
    writeFileSync(join(dir, resultName(id(42))), '{}');
    await started({ rescanMs: 50, retentionMs: 3_600_000 });
    await waitUntil('old files are deleted', () => readdirSync(dir).length === 1);
    expect(readdirSync(dir)).toEqual([resultName(id(42))]);
  });

  it('refuses to start on a folder other users can reach', async () => {
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o777);
    await submitRequest(dir, { commandId: id(50), argv: ['echo', 'never'] });
    await expect(started()).rejects.toThrow(TriggerError);
    expect(calls).toEqual([]);
    expect(existsSync(join(dir, `${id(50)}.json`))).toBe(true);
  });

  it('makes the folder again when it is deleted, and picks up requests in the new one', async () => {
    await started({ rescanMs: 50 });
    rmSync(dir, { recursive: true });
    await waitUntilExists(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await submitRequest(dir, { commandId: id(70), argv: ['echo', 'new folder'] });
    expect((await awaitAnswer(dir, id(70))).stdout).toBe('new folder\n');
  });

  it('picks up nothing while other users can reach the folder, and carries on once it is fixed', async () => {
    await started({ rescanMs: 50 });
    chmodSync(dir, 0o733);
    const problem = () => logged.collector.records().find((record) => record.msg === 'trigger folder cannot be used; requests wait until it can');
    await waitUntil('the rescan notices', () => problem() !== undefined);
    expect(JSON.stringify(problem())).toContain('chmod 700');
    await submitRequest(dir, { commandId: id(71), argv: ['echo', 'waited'] });
    await sleep(200);
    expect(calls).toEqual([]);

    chmodSync(dir, 0o700);
    expect((await awaitAnswer(dir, id(71))).stdout).toBe('waited\n');
  });

  it('stop waits for a running command, then picks up nothing more', async () => {
    const watcher = await started();
    await submitRequest(dir, { commandId: id(60), argv: ['sh', '-c', 'sleep 0.3; echo finished'] });
    await waitUntil('the command starts', () => calls.length === 1);
    await watcher.stop();
    expect(JSON.parse(readFileSync(join(dir, resultName(id(60))), 'utf8'))).toMatchObject({ stdout: 'finished\n' });

    await submitRequest(dir, { commandId: id(61), argv: ['echo', 'late'] });
    await sleep(200);
    expect(calls).toHaveLength(1);
    expect(existsSync(join(dir, `${id(61)}.json`))).toBe(true);
  });
});
