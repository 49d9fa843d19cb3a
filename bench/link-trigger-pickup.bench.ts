// Issue 5, trigger files: how soon the agent's watcher starts a request renamed into its folder, against
// the seed design's bash loop polling every 200 ms.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../agent/commands/executor';
import { openCommandsDatabase } from '../agent/commands/testing/database';
import { collectingLogger } from '../agent/log/testing';
import type { CommandResult, RunParams } from '../agent/protocol/messages';
import type { Database } from '../agent/store/sqlite';
import { requestName, requestTempName, resultName } from '../agent/trigger/names';
import { DEFAULT_TRIGGER_OPTIONS } from '../agent/trigger/options';
import { awaitAnswer } from '../agent/trigger/testing';
import { TriggerWatcher } from '../agent/trigger/watcher';
import { alternate } from './support/alternate';
import { startPollLoop, type PollLoop } from './support/link-poll-loop';
import { p50p99Rows, spread } from './support/link-rows';
import { recordBench } from './support/record';
import { TEST_COMMANDS_OPTIONS } from '../agent/commands/testing/options';

const WARMUP = 3;
// A peer run takes ~200 ms with its random pause; 40 keeps the whole benchmark near 10 s.
const RUNS = 40;
/** The loop's period: a request arrives at a random point of it. */
const LOOP_PERIOD_MS = 200;

describe('trigger file pickup', () => {
  let dir: string;
  let db: Database | undefined;
  let executor: CommandExecutor | undefined;
  let watcher: TriggerWatcher | undefined;
  let loop: PollLoop | undefined;
  const { logger, collector } = collectingLogger({ level: 'warn' });
  /** When each command reached the executor, by id. */
  const started = new Map<string, (at: number) => void>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-bench-trigger-'));
    db = openCommandsDatabase(join(dir, 'agent.db'));
    const commands = new CommandExecutor({ db, options: TEST_COMMANDS_OPTIONS });
    executor = commands;
    const run = (params: RunParams): Promise<CommandResult> => {
      started.get(params.commandId)?.(performance.now());
      return commands.run(params, 'trigger');
    };
    watcher = new TriggerWatcher({ ...DEFAULT_TRIGGER_OPTIONS, dir: join(dir, 'trigger') }, run, logger);
    await watcher.start();
    mkdirSync(join(dir, 'polled'), { mode: 0o700 });
    loop = startPollLoop(join(dir, 'polled'), join(dir, 'polled.log'));
  });
  afterAll(async () => {
    await loop?.stop();
    await watcher?.stop();
    await executor?.close();
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('trigger pickup: TriggerWatcher (fs.watch) vs a bash loop polling every 200 ms', async ({ task }) => {
    const folder = join(dir, 'trigger');
    const polled = join(dir, 'polled');
    const poller = loop as PollLoop;
    const samples = await alternate({
      warmup: WARMUP,
      runs: RUNS,
      ours: async () => {
        const id = randomUUID();
        writeFileSync(join(folder, requestTempName(id)), JSON.stringify({ commandId: id, argv: ['true'] }), { mode: 0o600 });
        const reached = new Promise<number>((resolve) => started.set(id, resolve));
        const renamedAt = performance.now();
        renameSync(join(folder, requestTempName(id)), join(folder, requestName(id)));
        const pickup = (await reached) - renamedAt;
        started.delete(id);
        // The answer is awaited (not timed) so that no run overlaps the next one.
        const answer = await awaitAnswer(folder, id);
        if (answer.exitCode !== 0 || answer.replayed) throw new Error(`The trigger request ${id} ended ${JSON.stringify(answer)}`);
        unlinkSync(join(folder, resultName(id)));
        return pickup;
      },
      peer: async () => {
        const id = randomUUID();
        writeFileSync(join(polled, requestTempName(id)), JSON.stringify({ commandId: id, argv: ['true'] }), { mode: 0o600 });
        // Untimed: without it every request would arrive just after the loop's last look (the rounds
        // follow its pickups), always at the worst point of its cycle.
        await sleep(Math.random() * LOOP_PERIOD_MS);
        const renamedAt = performance.timeOrigin + performance.now();
        renameSync(join(polled, requestTempName(id)), join(polled, requestName(id)));
        return (await poller.pickedUp(requestName(id))) - renamedAt;
      },
    });
    expect(collector.lines).toEqual([]);
    recordBench(task, {
      rows: p50p99Rows('trigger pickup: rename into the folder → executor start vs a bash loop polling every 200 ms', samples, { atMost: 1, absolute: true }),
      method: `a request \`<id>.json.tmp\` written, then timed from just before its rename to \`<id>.json\` until the command reaches the executor. Lifeline: TriggerWatcher with the agent's default options (fs.watch plus a rescan every ${DEFAULT_TRIGGER_OPTIONS.rescanMs / 1000} s) in this process, which lstat-checks and reads the request, then calls CommandExecutor.run (\`true\`; its answer is awaited untimed before the next run). Peer: the seed design's loop as a bash process of its own (\`for f in dir/*.json …; sleep 0.2\`), which stamps each file it finds with $EPOCHREALTIME and removes it; each peer request is renamed after an untimed random pause of 0–200 ms, so it arrives at a random point of the loop's cycle, as requests do; its time is that stamp minus the rename's wall-clock time (performance.timeOrigin + now). ${RUNS} runs a side after ${WARMUP} warm-up rounds, alternating. Ours ${spread(samples.ours)}; peer ${spread(samples.peer)}. Goal: p50 ≤ 1 ms absolute.`,
    });
  });
});
