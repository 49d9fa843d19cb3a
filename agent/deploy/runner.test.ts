import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../store/sqlite';
import { DeployInterruption, DeployRunner, type DeployRunnerDeps } from './runner';
import { readCurrent } from './releases';
import { openDeployDatabase } from './testing/database';
import { installFakeDocker } from './testing/fake-docker';
import { TestRepository } from './testing/git-repo';
import { HealthServer } from './testing/health-server';
import { isRunning, killGroups, readPids, waitFor } from './testing/processes';
import { testRequest, testSite } from './testing/site';
import type { SiteConfig, StepConfig } from './types';

let dir: string;
let db: Database;
let upstream: TestRepository;
let server: HealthServer;
let pidFile: string;
let site: SiteConfig;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-runner-'));
  db = openDeployDatabase(join(dir, 'agent.db'));
  upstream = new TestRepository(join(dir, 'upstream'));
  server = await HealthServer.start();
  pidFile = join(dir, 'pids');
  site = testSite(dir, upstream.dir, { steps: [{ kind: 'git' }, { kind: 'command', name: 'deploy', argv: ['./deploy.sh'] }, health()] });
  // The site is healthy when its live release says so: each commit carries the status it answers with.
  server.answer = () => {
    try {
      return Number(readFileSync(join(site.dir, 'current', 'health-status'), 'utf8'));
    } catch {
      return 404;
    }
  };
});
afterEach(async () => {
  killGroups(readPids(pidFile));
  await server.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function health(): StepConfig {
  return { kind: 'health', url: server.url, retries: 2, intervalSeconds: 0.02, deadlineSeconds: 10 };
}

function runner(deps: Partial<DeployRunnerDeps> = {}): DeployRunner {
  return new DeployRunner({ db, logsDir: join(dir, 'logs'), jobLogMaxBytes: 1_000_000, killGraceMs: 500, env: { ...process.env, PIDS: pidFile }, ...deps });
}

/** A commit whose deploy script and health answer are given. */
function release(script: string, status = 200, extra: Record<string, string> = {}): string {
  return upstream.commit({ 'deploy.sh': `#!/bin/sh\n${script}\n`, 'health-status': String(status), ...extra });
}

// A deploy script that starts a grandchild and waits for it, recording both pids.
const hangs = 'echo $$ >> "$PIDS"; sleep 300 & echo $! >> "$PIDS"; wait';

const deploy = (r: DeployRunner, jobId: number, commit: string, signal = new AbortController().signal) => r.run(jobId, site, testRequest(commit), signal);
const head = (folder: string) => execFileSync('git', ['-C', folder, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

describe('DeployRunner', () => {
  it('deploys the exact commit, points current at it and records every step', async () => {
    const commit = release('echo "built $LIFELINE_COMMIT for $LIFELINE_ENVIRONMENT in $PWD"');
    upstream.commit({ 'later.txt': 'not deployed' });
    const r = runner();
    const outcome = await deploy(r, 1, commit);
    expect(outcome).toEqual({ status: 'succeeded', releaseId: expect.any(Number) });

    const live = r.currentRelease('web');
    expect(live).toMatchObject({ id: outcome.releaseId, commit, jobId: 1, state: 'current', dir: join(site.dir, 'releases', `${commit.slice(0, 12)}-1`) });
    expect(readCurrent(site.dir)).toBe(live?.dir);
    expect(head(live?.dir ?? '')).toBe(commit);
    expect(existsSync(join(live?.dir ?? '', 'later.txt'))).toBe(false);

    const [attempt] = r.deploys(1);
    expect(attempt).toMatchObject({ jobId: 1, attempt: 1, phase: 'succeeded', error: null, finishedAt: expect.any(Number) });
    expect(attempt.steps.map((s) => [s.stage, s.name, s.state, s.runs, s.exitCode])).toEqual([
      ['deploy', 'git checkout', 'succeeded', 1, 0],
      ['deploy', 'command "deploy"', 'succeeded', 1, 0],
      ['deploy', `health GET ${server.url}`, 'succeeded', 1, null],
    ]);
    for (const step of attempt.steps) {
      expect(step.startedAt).toEqual(expect.any(Number));
      expect(step.finishedAt).toBeGreaterThanOrEqual(step.startedAt ?? Infinity);
      expect(step.logEnd).toBeGreaterThan(step.logOffset ?? Infinity);
    }
    // A step's log range holds exactly its own output.
    const log = readFileSync(r.logFile(1));
    const command = attempt.steps[1];
    const own = log.subarray(command.logOffset ?? 0, command.logEnd ?? 0).toString();
    expect(own).toContain(`built ${commit} for production in ${live?.dir}`);
    expect(own).not.toContain('health check');
  });

  it('rolls back to the previous good release when a command fails, and never back to a bad one', async () => {
    const r = runner();
    const good = await deploy(r, 1, release('echo one'));
    const failing = release('echo "migration failed" >&2; exit 4');
    const hitsBefore = server.hits;
    const second = await deploy(r, 2, failing);
    expect(second).toEqual({
      status: 'rolled-back',
      releaseId: expect.any(Number),
      rolledBackTo: good.releaseId,
      error: './deploy.sh exited with code 4; its output above says why.',
    });
    expect(readCurrent(site.dir)).toBe(r.currentRelease('web')?.dir);
    expect(r.currentRelease('web')?.id).toBe(good.releaseId);
    // Going back re-ran the health gate against the restored release.
    expect(server.hits).toBeGreaterThan(hitsBefore);
    expect(r.deploys(2)[0].steps.filter((s) => s.stage === 'rollback').map((s) => [s.name, s.state])).toEqual([[`health GET ${server.url}`, 'succeeded']]);

    const third = await deploy(r, 3, release('exit 1'));
    expect(third).toMatchObject({ status: 'rolled-back', rolledBackTo: good.releaseId });
    expect(r.releases('web').map((x) => [x.jobId, x.state])).toEqual([
      [3, 'bad'],
      [2, 'bad'],
      [1, 'current'],
    ]);
    expect(readFileSync(r.logFile(2), 'utf8')).toContain('migration failed');
  });

  it('rolls back when the health gate fails', async () => {
    const r = runner();
    const good = await deploy(r, 1, release('true'));
    const outcome = await deploy(r, 2, release('true', 503));
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.rolledBackTo).toBe(good.releaseId);
    expect(outcome.error).toContain(`last result: GET ${server.url} answered 503`);
    expect(r.currentRelease('web')?.id).toBe(good.releaseId);
    expect(r.deploys(2)[0].phase).toBe('rolled-back');
  });

  it('fails, leaving nothing live, when a first deploy fails with nothing to go back to', async () => {
    const r = runner();
    const outcome = await deploy(r, 1, release('true', 500));
    expect(outcome).toMatchObject({ status: 'failed', error: expect.stringContaining('There is no earlier good release to roll back to.') });
    expect(readCurrent(site.dir)).toBeUndefined();
    expect(r.currentRelease('web')).toBeUndefined();
    expect(r.releases('web').map((x) => x.state)).toEqual(['bad']);
  });

  it('also reports failed when going back fails too', async () => {
    const r = runner();
    await deploy(r, 1, release('true'));
    server.answer = () => 503;
    const outcome = await deploy(r, 2, release('true'));
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/The site did not become healthy .* Rolling back to release \d+ failed too: The site did not become healthy/);
  });

  it('cancels on abort: the running step’s whole process group is stopped and current goes back', async () => {
    const r = runner();
    const good = await deploy(r, 1, release('true'));
    const controller = new AbortController();
    const running = deploy(r, 2, release(hangs), controller.signal);
    await waitFor('the deploy script and its grandchild', () => readPids(pidFile).length === 2);
    controller.abort();
    const outcome = await running;
    expect(outcome).toMatchObject({ status: 'cancelled', error: 'The deploy was cancelled.' });
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
    expect(r.currentRelease('web')?.id).toBe(good.releaseId);
    expect(readCurrent(site.dir)).toBe(r.currentRelease('web')?.dir);
    const steps = r.deploys(2)[0].steps;
    expect(steps.map((s) => s.state)).toEqual(['succeeded', 'cancelled', 'pending']);
    // Run again (say, after a crash before the queue heard of it), a cancelled deploy stays cancelled.
    expect((await deploy(r, 2, release('true'))).status).toBe('cancelled');
  });

  it("stops the whole process group at the site's timeout and rolls back", async () => {
    const r = runner();
    const good = await deploy(r, 1, release('true'));
    const outcome = await r.run(2, { ...site, timeoutSeconds: 6 }, testRequest(release(hangs)), new AbortController().signal);
    expect(outcome).toMatchObject({ status: 'rolled-back', rolledBackTo: good.releaseId });
    expect(outcome.error).toContain("the deploy took longer than the site's timeoutSeconds (6 s)");
    expect(readPids(pidFile)).toHaveLength(2);
    for (const pid of readPids(pidFile)) expect(isRunning(pid)).toBe(false);
  });

  it('leaves a deploy stopped for a shutdown to resume at the step that was running', async () => {
    const commit = release(`echo run >> "${join(dir, 'runs')}"; [ -e "${join(dir, 'go')}" ] || { ${hangs}; }`);
    const controller = new AbortController();
    const first = runner();
    const running = deploy(first, 1, commit, controller.signal);
    await waitFor('the deploy script', () => readPids(pidFile).length === 2);
    controller.abort(new DeployInterruption());
    expect(await running).toMatchObject({ status: 'interrupted', error: expect.stringContaining('shutting down') });
    expect(stepsOfJob1(first).map((s) => s.state)).toEqual(['succeeded', 'running', 'pending']);

    execFileSync('touch', [join(dir, 'go')]);
    const outcome = await deploy(runner(), 1, commit);
    expect(outcome.status).toBe('succeeded');
    expect(stepsOfJob1(first).map((s) => [s.state, s.runs])).toEqual([
      ['succeeded', 1],
      ['succeeded', 2],
      ['succeeded', 1],
    ]);
    expect(readFileSync(join(dir, 'runs'), 'utf8')).toBe('run\nrun\n');
    expect(readFileSync(first.logFile(1), 'utf8')).toContain('starting again, since the agent stopped while it ran');
  });

  it('caps the log file but streams everything to a live follower', async () => {
    const r = runner({ jobLogMaxBytes: 4_000 });
    let live = '';
    let ended = false;
    const commit = release(`i=0; while [ $i -lt 500 ]; do echo "line $i of output"; i=$((i+1)); done`);
    const running = deploy(r, 1, commit);
    await waitFor('the job log to exist', () => existsSync(r.logFile(1)));
    const unsubscribe = r.followLog(1, (text) => (live += text), () => (ended = true));
    expect((await running).status).toBe('succeeded');
    unsubscribe();
    expect(ended).toBe(true);
    expect(live).toContain('line 499 of output');
    expect(live).toContain('Deploy succeeded');
    const stored = readFileSync(r.logFile(1), 'utf8');
    expect(stored).not.toContain('line 499 of output');
    expect(stored).toMatch(/\[lifeline\] \d+ bytes of output were not stored: this log is capped at 4000 bytes/);
    expect(statSync(r.logFile(1)).size).toBeLessThan(4_000 + 200);

    // A viewer arriving after the end gets the stored log and the end at once.
    let late = '';
    r.followLog(1, (text) => (late += text), () => (ended = false));
    expect(late).toBe(stored);
    expect(ended).toBe(false);
  });

  it('keeps releasesKept release folders and never deletes the current one', async () => {
    const r = runner();
    const kept = { ...site, releasesKept: 2 };
    const run = (jobId: number, commit: string) => r.run(jobId, kept, testRequest(commit), new AbortController().signal);
    const first = await run(1, release('true'));
    await run(2, release('true'));
    await run(3, release('true'));
    expect(r.releases('web').map((x) => [x.jobId, x.pruned, existsSync(x.dir)])).toEqual([
      [3, false, true],
      [2, false, true],
      [1, true, false],
    ]);
    expect(first.releaseId).toBe(r.releases('web')[2].id);

    // With one kept, a failed deploy is the newest folder, yet the older current one stays.
    const one = { ...site, releasesKept: 1 };
    const outcome = await r.run(4, one, testRequest(release('exit 1')), new AbortController().signal);
    expect(outcome.status).toBe('rolled-back');
    const live = r.currentRelease('web');
    expect(live?.jobId).toBe(3);
    expect(existsSync(live?.dir ?? '')).toBe(true);
    expect(r.releases('web').map((x) => [x.jobId, x.state, x.pruned])).toEqual([
      [4, 'bad', false],
      [3, 'current', false],
      [2, 'good', true],
      [1, 'good', true],
    ]);
  });

  it('brings the previous release’s Compose file up again when rolling back', async () => {
    // There is no Docker daemon here: a `docker` program first on PATH records what would have run.
    const docker = installFakeDocker(dir);
    const r = runner({ env: { ...process.env, PIDS: pidFile, PATH: `${docker.bin}:${process.env.PATH}` } });
    site = { ...site, steps: [{ kind: 'git' }, { kind: 'compose' }, health()] };
    const good = await deploy(r, 1, release('true', 200, { 'compose.yaml': 'services: {}\n' }));
    const outcome = await deploy(r, 2, release('true', 503, { 'compose.yaml': 'services: { web: {} }\n' }));
    expect(outcome.status).toBe('rolled-back');
    const [first, second] = r.releases('web').reverse();
    expect(first.id).toBe(good.releaseId);
    const up = (folder: string) => ['compose', '--project-name', 'web', '--file', join(folder, 'compose.yaml'), 'up', '--detach', '--remove-orphans'];
    expect(docker.calls()).toEqual([
      { argv: up(first.dir), cwd: first.dir },
      { argv: up(second.dir), cwd: second.dir },
      { argv: up(first.dir), cwd: first.dir },
    ]);
    expect(first.composeFile).toBe(join(first.dir, 'compose.yaml'));
  });

  it('does not deploy a succeeded job twice, but gives a failed one a new attempt in its own folder', async () => {
    const r = runner();
    const commit = release('true');
    const done = await deploy(r, 1, commit);
    expect(await deploy(r, 1, commit)).toEqual(done);
    expect(r.deploys(1)).toHaveLength(1);

    const flaky = release(`[ -e "${join(dir, 'fixed')}" ]`);
    expect((await deploy(r, 2, flaky)).status).toBe('rolled-back');
    execFileSync('touch', [join(dir, 'fixed')]);
    const retry = await deploy(r, 2, flaky);
    expect(retry.status).toBe('succeeded');
    expect(r.deploys(2).map((x) => [x.attempt, x.phase])).toEqual([
      [1, 'rolled-back'],
      [2, 'succeeded'],
    ]);
    expect(r.currentRelease('web')?.dir).toBe(join(site.dir, 'releases', `${flaky.slice(0, 12)}-2-2`));
  });

  it('stops without losing the deploy when the site folder is unusable, and resumes once it is fixed', async () => {
    const r = runner();
    const commit = release('true');
    mkdirSync(join(site.dir, 'current'), { recursive: true });
    const outcome = await deploy(r, 1, commit);
    expect(outcome).toMatchObject({ status: 'interrupted', error: expect.stringContaining(`${join(site.dir, 'current')} is not a symbolic link`) });
    expect(r.deploys(1)[0].phase).toBe('deploying');

    rmSync(join(site.dir, 'current'), { recursive: true });
    expect((await deploy(r, 1, commit)).status).toBe('succeeded');
    expect(r.deploys(1)).toHaveLength(1);
  });

  it('refuses a request that does not name a full commit, before touching the disk', async () => {
    const outcome = await deploy(runner(), 1, '../../etc');
    expect(outcome).toEqual({
      status: 'failed',
      error: 'Job 1 names commit "../../etc", which is not a full commit id (40 lowercase hex digits); send the exact commit to deploy.',
    });
    expect(existsSync(site.dir)).toBe(false);
  });
});

function stepsOfJob1(r: DeployRunner) {
  return r.deploys(1)[0].steps;
}
