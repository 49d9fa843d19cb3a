import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../store/sqlite';
import { DeployRunner } from './runner';
import type { CrashChildInput } from './testing/crash-child';
import { openDeployDatabase } from './testing/database';
import { TestRepository } from './testing/git-repo';
import { HealthServer } from './testing/health-server';
import { isRunning, killGroups, readPids, waitFor } from './testing/processes';
import { testRequest, testSite } from './testing/site';
import type { SiteConfig } from './types';

// A deploy in a child process is killed with SIGKILL in the middle of a step; a new runner on the same
// database file must take over the step's program if it outlived the agent (or take the exit code it
// recorded), run it again only if it died too, and never run the steps before it again.

const ROOT = resolve(__dirname, '../..');
let bundleDir: string;
let childScript: string;

beforeAll(async () => {
  // Node 20 cannot run TypeScript, so the child is bundled first (better-sqlite3 stays a require).
  bundleDir = mkdtempSync(join(tmpdir(), 'lifeline-crash-child-'));
  await build({
    configFile: false,
    root: ROOT,
    logLevel: 'warn',
    build: {
      ssr: join(__dirname, 'testing', 'crash-child.ts'),
      outDir: bundleDir,
      emptyOutDir: true,
      minify: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  });
  childScript = join(bundleDir, 'crash-child.cjs');
});
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }));

let dir: string;
let server: HealthServer;
let child: ChildProcess | undefined;
let db: Database | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-crash-'));
  server = await HealthServer.start();
});
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  killGroups(readPids(join(dir, 'pids')));
  db?.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

type TestEnv = { MARKS: string; PIDS: string; GO: string; STEP_GATES: string };

const testEnv = (): TestEnv => ({ MARKS: join(dir, 'marks'), PIDS: join(dir, 'pids'), GO: join(dir, 'go'), STEP_GATES: join(dir, 'gates') });

/** Starts the deploy in a child process, as an agent would run it. */
function startChild(input: CrashChildInput, env: TestEnv): void {
  mkdirSync(env.STEP_GATES, { recursive: true });
  child = spawn(process.execPath, [childScript, JSON.stringify(input)], {
    env: { ...process.env, ...env, NODE_PATH: join(ROOT, 'node_modules') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function killChild(): Promise<void> {
  child?.kill('SIGKILL');
  if (child) await once(child, 'exit');
}

/**
 * Starts the deploy in a child process and kills it with SIGKILL once `running` holds and its step has
 * started. Returns the pid of the step's program, which lives on in its own process group, as it would
 * after a real crash.
 */
async function runAndKill(input: CrashChildInput, env: TestEnv, running: () => boolean): Promise<number> {
  const pidsBefore = readPids(env.PIDS).length;
  startChild(input, env);
  await waitFor('the step to start in the child', () => running() && readPids(env.PIDS).length > pidsBefore);
  await killChild();
  const orphan = readPids(env.PIDS)[pidsBefore];
  expect(isRunning(orphan)).toBe(true);
  return orphan;
}

function resumeRunner(input: CrashChildInput, env: TestEnv): DeployRunner {
  db = openDeployDatabase(input.dbFile);
  return new DeployRunner({ db, logsDir: input.logsDir, jobLogMaxBytes: 1_000_000, killGraceMs: 500, env: { ...process.env, ...env } });
}

const gate = (env: TestEnv, name: string) => writeFileSync(join(env.STEP_GATES, name), '');
const passed = (env: TestEnv, name: string) => existsSync(join(env.STEP_GATES, name));
const jobLog = (input: CrashChildInput) => (existsSync(join(input.logsDir, `${input.jobId}.log`)) ? readFileSync(join(input.logsDir, `${input.jobId}.log`), 'utf8') : '');
const count = (text: string, part: string) => text.split(part).length - 1;

/** The files of the job's step runs that exist now (see step-runs.ts), e.g. every `status`. */
function stepRunFiles(input: CrashChildInput, name: string): string[] {
  const runs = join(input.logsDir, `${input.jobId}.steps`);
  if (!existsSync(runs)) return [];
  return readdirSync(runs)
    .map((run) => join(runs, run, name))
    .filter((file) => existsSync(file));
}

// Waits for the test on its first run; after that, the test has let it through.
const WAITS = 'echo $$ >> "$PIDS"; while [ ! -e "$GO" ]; do sleep 0.05; done';
// Waits for the test's gate file $1 to appear.
const waitGate = (name: string) => `while [ ! -e "$STEP_GATES/${name}" ]; do sleep 0.05; done`;

describe('a deploy whose agent was killed', () => {
  let env: TestEnv;
  let site: SiteConfig;
  let input: CrashChildInput;

  /** A site whose second command appends to MARKS, then prints `line 1..gates` as the test opens each gate. */
  function setUp(gates: number): void {
    const upstream = new TestRepository(join(dir, 'upstream'));
    const commit = upstream.commit({ 'index.html': 'hello\n' });
    env = testEnv();
    const lines = Array.from({ length: gates }, (_, index) => `${waitGate(`go${index + 1}`)}; echo "line ${index + 1}"; touch "$STEP_GATES/wrote${index + 1}"`);
    site = testSite(dir, upstream.dir, {
      steps: [
        { kind: 'git' },
        { kind: 'command', name: 'first', argv: ['sh', '-c', 'echo first >> "$MARKS"'] },
        { kind: 'command', name: 'second', argv: ['sh', '-c', ['echo second >> "$MARKS"', 'echo $$ >> "$PIDS"', 'echo "line 0"', ...lines].join('; ')] },
        { kind: 'health', url: server.url, retries: 2, intervalSeconds: 0.05, deadlineSeconds: 10 },
      ],
    });
    input = { dbFile: join(dir, 'agent.db'), logsDir: join(dir, 'logs'), jobId: 7, site, request: testRequest(commit) };
  }

  const secondStarted = () => existsSync(env.MARKS) && readFileSync(env.MARKS, 'utf8').includes('second');

  it('takes over a step still running: it runs once, and what it wrote while the agent was down is logged once', async () => {
    setUp(2);
    const orphan = await runAndKill(input, env, secondStarted);
    gate(env, 'go1');
    await waitFor('the step to write while no agent runs', () => passed(env, 'wrote1'));

    const runner = resumeRunner(input, env);
    expect(runner.deploys(7)[0].steps.map((step) => step.state)).toEqual(['succeeded', 'succeeded', 'running', 'pending']);
    const resumed = runner.run(7, site, input.request, new AbortController().signal);
    await waitFor('the runner to take the step over', () => jobLog(input).includes('waiting for it rather than starting it again'));
    expect(isRunning(orphan)).toBe(true);
    gate(env, 'go2');

    expect(await resumed).toEqual({ status: 'succeeded', releaseId: expect.any(Number) });
    expect(readFileSync(env.MARKS, 'utf8')).toBe('first\nsecond\n');
    expect(runner.deploys(7)[0].steps.map((step) => [step.name, step.state, step.runs, step.exitCode])).toEqual([
      ['git checkout', 'succeeded', 1, 0],
      ['command "first"', 'succeeded', 1, 0],
      ['command "second"', 'succeeded', 1, 0],
      [`health GET ${server.url}`, 'succeeded', 1, null],
    ]);
    const log = jobLog(input);
    for (const line of ['line 0\n', 'line 1\n', 'line 2\n']) expect(count(log, line)).toBe(1);
    expect(log.indexOf('line 1\n')).toBeLessThan(log.indexOf('line 2\n'));
    expect(log).toContain('Resuming the deploy of job 7 (attempt 1) where it stopped.');
    expect(log).not.toContain('starting again');
    // The step's own files are gone once its output is in the job log.
    expect(existsSync(join(input.logsDir, '7.steps'))).toBe(false);
  });

  it('takes the exit code of a step that ended while the agent was down, without running it again', async () => {
    setUp(1);
    await runAndKill(input, env, secondStarted);
    gate(env, 'go1');
    await waitFor('the step to end and record its exit code', () => stepRunFiles(input, 'status').length === 1);
    expect(readFileSync(stepRunFiles(input, 'status')[0], 'utf8')).toBe('0');

    const runner = resumeRunner(input, env);
    const outcome = await runner.run(7, site, input.request, new AbortController().signal);
    expect(outcome).toEqual({ status: 'succeeded', releaseId: expect.any(Number) });
    expect(readFileSync(env.MARKS, 'utf8')).toBe('first\nsecond\n');
    expect(runner.deploys(7)[0].steps.map((step) => [step.state, step.runs, step.exitCode])).toEqual([
      ['succeeded', 1, 0],
      ['succeeded', 1, 0],
      ['succeeded', 1, 0],
      ['succeeded', 1, null],
    ]);
    const log = jobLog(input);
    expect(log).toContain('Step 3/4 command "second": ended with exit code 0 while the agent was stopped; taking that result rather than running it again.');
    expect(count(log, 'line 1\n')).toBe(1);
  });

  it('copies each line once however often the agent is killed, even while it waits for an adopted step', async () => {
    setUp(3);
    await runAndKill(input, env, secondStarted);
    gate(env, 'go1');
    await waitFor('line 1', () => passed(env, 'wrote1'));

    // A second agent takes the step over, copies some of its output, and is killed too.
    startChild(input, env);
    await waitFor('the second agent to take the step over', () => jobLog(input).includes('waiting for it rather than starting it again'));
    gate(env, 'go2');
    await waitFor('the second agent to copy line 2', () => jobLog(input).includes('line 2\n'));
    await killChild();
    gate(env, 'go3');
    await waitFor('line 3', () => passed(env, 'wrote3'));

    const runner = resumeRunner(input, env);
    expect(await runner.run(7, site, input.request, new AbortController().signal)).toMatchObject({ status: 'succeeded' });
    expect(readFileSync(env.MARKS, 'utf8')).toBe('first\nsecond\n');
    const log = jobLog(input);
    for (const line of ['line 0\n', 'line 1\n', 'line 2\n', 'line 3\n']) expect(count(log, line)).toBe(1);
    // The second agent waited for the step; by the time of the third, it had ended.
    expect(count(log, 'waiting for it rather than starting it again')).toBe(1);
    expect(count(log, 'ended with exit code 0 while the agent was stopped')).toBe(1);
    expect(runner.deploys(7)[0].steps[2]).toMatchObject({ state: 'succeeded', runs: 1, exitCode: 0 });
  });

  it('stops the process group of a step it took over when the deploy is cancelled', async () => {
    setUp(1);
    const orphan = await runAndKill(input, env, secondStarted);
    const runner = resumeRunner(input, env);
    const controller = new AbortController();
    const resumed = runner.run(7, site, input.request, controller.signal);
    await waitFor('the runner to take the step over', () => jobLog(input).includes('waiting for it rather than starting it again'));
    controller.abort();

    expect(await resumed).toMatchObject({ status: 'cancelled', error: 'The deploy was cancelled.' });
    expect(isRunning(orphan)).toBe(false);
    expect(readFileSync(env.MARKS, 'utf8')).toBe('first\nsecond\n');
    expect(runner.deploys(7)[0].steps.map((step) => [step.state, step.runs])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
      ['cancelled', 1],
      ['pending', 0],
    ]);
  });

  it('runs a step again when its program was killed with the agent, keeping what it wrote', async () => {
    setUp(1);
    const orphan = await runAndKill(input, env, secondStarted);
    killGroups([orphan]);
    gate(env, 'go1');

    const runner = resumeRunner(input, env);
    const outcome = await runner.run(7, site, input.request, new AbortController().signal);
    expect(outcome).toEqual({ status: 'succeeded', releaseId: expect.any(Number) });
    expect(readFileSync(env.MARKS, 'utf8')).toBe('first\nsecond\nsecond\n');
    const [attempt] = runner.deploys(7);
    expect(attempt.steps.map((step) => [step.name, step.state, step.runs])).toEqual([
      ['git checkout', 'succeeded', 1],
      ['command "first"', 'succeeded', 1],
      ['command "second"', 'succeeded', 2],
      [`health GET ${server.url}`, 'succeeded', 1],
    ]);
    expect(runner.deploys(7)).toHaveLength(1);
    expect(runner.currentRelease('web')).toMatchObject({ commit: input.request.commit, jobId: 7 });
    const log = jobLog(input);
    expect(log).toContain('Resuming the deploy of job 7 (attempt 1) where it stopped.');
    expect(log).toContain('Step 3/4 command "second": starting again, since the agent stopped while it ran.');
    // Its first run's output, then its second run's.
    expect(count(log, 'line 0\n')).toBe(2);
    expect(count(log, 'line 1\n')).toBe(1);
  });

  it('continues a rollback it was in the middle of', async () => {
    const upstream = new TestRepository(join(dir, 'upstream'));
    env = testEnv();
    site = testSite(dir, upstream.dir, {
      steps: [
        { kind: 'git' },
        // Unhealthy in a release that has a file named "broken"; otherwise it waits for the test once.
        { kind: 'health', argv: ['sh', '-c', `test ! -e broken || exit 1; ${WAITS}`], retries: 0, intervalSeconds: 0.05, deadlineSeconds: 30 },
      ],
    });
    const good = upstream.commit({ 'index.html': 'good\n' });
    const bad = upstream.commit({ 'index.html': 'bad\n', broken: '' });
    input = { dbFile: join(dir, 'agent.db'), logsDir: join(dir, 'logs'), jobId: 2, site, request: testRequest(bad) };

    writeFileSync(env.GO, '');
    const first = resumeRunner(input, env);
    expect((await first.run(1, site, testRequest(good), new AbortController().signal)).status).toBe('succeeded');
    db?.close();
    db = undefined;
    rmSync(env.GO);

    // The bad release fails its health check, and the child dies while checking the good one again.
    const probe = await runAndKill(input, env, () => jobLog(input).includes('Rollback step 1/1'));
    const runner = resumeRunner(input, env);
    expect(runner.deploys(2)[0]).toMatchObject({ phase: 'rolling-back' });
    writeFileSync(env.GO, '');

    // A health probe is not taken over: it is stopped and the check runs again.
    const outcome = await runner.run(2, site, input.request, new AbortController().signal);
    expect(isRunning(probe)).toBe(false);
    expect(outcome).toMatchObject({ status: 'rolled-back', rolledBackTo: runner.releases('web')[1].id });
    expect(runner.deploys(2)[0].steps.map((step) => [step.stage, step.state, step.runs])).toEqual([
      ['deploy', 'succeeded', 1],
      ['deploy', 'failed', 1],
      ['rollback', 'succeeded', 2],
    ]);
    expect(runner.currentRelease('web')).toMatchObject({ commit: good, jobId: 1 });
    expect(runner.releases('web').map((release) => release.state)).toEqual(['bad', 'current']);
  });
});
