import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

// A deploy in a child process is killed with SIGKILL in the middle of a step; a new runner on the same
// database file must run that step again and finish, without running the steps before it again.

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

type TestEnv = { MARKS: string; PIDS: string; GO: string };

const testEnv = (): TestEnv => ({ MARKS: join(dir, 'marks'), PIDS: join(dir, 'pids'), GO: join(dir, 'go') });

/**
 * Starts the deploy in a child process, kills it with SIGKILL once `running` holds, stops the step it
 * left behind and lets the step through from now on (the GO file).
 */
async function runAndKill(input: CrashChildInput, env: TestEnv, running: () => boolean): Promise<void> {
  const pidsBefore = readPids(env.PIDS).length;
  child = spawn(process.execPath, [childScript, JSON.stringify(input)], {
    env: { ...process.env, ...env, NODE_PATH: join(ROOT, 'node_modules') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor('the step to start in the child', () => running() && readPids(env.PIDS).length > pidsBefore);
  child.kill('SIGKILL');
  await once(child, 'exit');
  // The killed agent's step lives on in its own process group, as it would after a real crash.
  const orphan = readPids(env.PIDS)[pidsBefore];
  expect(isRunning(orphan)).toBe(true);
  killGroups([orphan]);
  writeFileSync(env.GO, '');
}

function resumeRunner(input: CrashChildInput, env: TestEnv): DeployRunner {
  db = openDeployDatabase(input.dbFile);
  return new DeployRunner({ db, logsDir: input.logsDir, jobLogMaxBytes: 1_000_000, killGraceMs: 500, env: { ...process.env, ...env } });
}

// Waits for the test on its first run; after that, the test has let it through.
const WAITS = 'echo $$ >> "$PIDS"; while [ ! -e "$GO" ]; do sleep 0.05; done';

describe('a deploy whose agent was killed', () => {
  it('resumes at the step that was running and finishes', async () => {
    const upstream = new TestRepository(join(dir, 'upstream'));
    const commit = upstream.commit({ 'index.html': 'hello\n' });
    const env = testEnv();
    const site = testSite(dir, upstream.dir, {
      steps: [
        { kind: 'git' },
        { kind: 'command', name: 'first', argv: ['sh', '-c', 'echo first >> "$MARKS"'] },
        { kind: 'command', name: 'second', argv: ['sh', '-c', `echo second >> "$MARKS"; ${WAITS}`] },
        { kind: 'health', url: server.url, retries: 2, intervalSeconds: 0.05, deadlineSeconds: 10 },
      ],
    });
    const input: CrashChildInput = { dbFile: join(dir, 'agent.db'), logsDir: join(dir, 'logs'), jobId: 7, site, request: testRequest(commit) };

    await runAndKill(input, env, () => existsSync(env.MARKS) && readFileSync(env.MARKS, 'utf8').includes('second'));

    const runner = resumeRunner(input, env);
    expect(runner.deploys(7)[0].steps.map((step) => step.state)).toEqual(['succeeded', 'succeeded', 'running', 'pending']);

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
    expect(runner.currentRelease('web')).toMatchObject({ commit, jobId: 7 });
    const log = readFileSync(runner.logFile(7), 'utf8');
    expect(log).toContain('Resuming the deploy of job 7 (attempt 1) where it stopped.');
    expect(log).toContain('Step 3/4 command "second": starting again, since the agent stopped while it ran.');
  });

  it('continues a rollback it was in the middle of', async () => {
    const upstream = new TestRepository(join(dir, 'upstream'));
    const env = testEnv();
    const site = testSite(dir, upstream.dir, {
      steps: [
        { kind: 'git' },
        // Unhealthy in a release that has a file named "broken"; otherwise it waits for the test once.
        { kind: 'health', argv: ['sh', '-c', `test ! -e broken || exit 1; ${WAITS}`], retries: 0, intervalSeconds: 0.05, deadlineSeconds: 30 },
      ],
    });
    const good = upstream.commit({ 'index.html': 'good\n' });
    const bad = upstream.commit({ 'index.html': 'bad\n', broken: '' });
    const input: CrashChildInput = { dbFile: join(dir, 'agent.db'), logsDir: join(dir, 'logs'), jobId: 2, site, request: testRequest(bad) };

    writeFileSync(env.GO, '');
    const first = resumeRunner(input, env);
    expect((await first.run(1, site, testRequest(good), new AbortController().signal)).status).toBe('succeeded');
    db?.close();
    db = undefined;
    rmSync(env.GO);

    // The bad release fails its health check, and the child dies while checking the good one again.
    await runAndKill(input, env, () => existsSync(join(input.logsDir, '2.log')) && readFileSync(join(input.logsDir, '2.log'), 'utf8').includes('Rollback step 1/1'));
    const runner = resumeRunner(input, env);
    expect(runner.deploys(2)[0]).toMatchObject({ phase: 'rolling-back' });

    const outcome = await runner.run(2, site, input.request, new AbortController().signal);
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
