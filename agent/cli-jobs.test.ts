import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgentCli } from './cli';
import { fakeIo } from './cli-testing';
import { isRunning, killGroups, waitFor } from './deploy/testing/processes';
import { agentMigrations } from './migrations';
import { JobQueue } from './queue/job-queue';
import type { DeployRequest } from './queue/types';
import { openDatabase, type Database } from './store/sqlite';

let dir: string;
let configFile: string;
let db: Database | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-jobs-'));
  configFile = join(dir, 'agent.yaml');
  writeFileSync(configFile, 'dataDir: data\nqueue: { leaseSeconds: 10 }\n');
});
afterEach(() => {
  db?.close();
  db = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** The agent's database, opened as the agent would (another connection to the same file). */
function openQueue(): JobQueue {
  db ??= openDatabase({ path: join(dir, 'data', 'agent.db'), migrations: agentMigrations });
  return new JobQueue(db);
}

const request = (siteId: string, commit = 'a'.repeat(40)): DeployRequest => ({ siteId, environment: 'production', repository: 'r', branch: 'main', commit, event: 'push' });

function enqueue(queue: JobQueue, siteId: string, commit?: string): number {
  const outcome = queue.enqueueManual({ policy: 'fifo', request: request(siteId, commit) });
  if (outcome.status !== 'accepted') throw new Error(outcome.status);
  return outcome.jobId;
}

async function run(...argv: string[]) {
  const { io, out, err } = fakeIo();
  const code = await runAgentCli([...argv, '--config', configFile], io);
  return { code, out, err };
}

describe('lifeline agent jobs', () => {
  it('lists the newest jobs as a table, filtered by state and site, limited', async () => {
    const queue = openQueue();
    const first = enqueue(queue, 'web');
    const second = enqueue(queue, 'api', 'b'.repeat(40));
    const third = enqueue(queue, 'web', 'c'.repeat(40));
    queue.cancel(first);

    const all = await run('jobs');
    expect(all.code).toBe(0);
    expect(all.err).toEqual([]);
    expect(all.out).toEqual([
      expect.stringMatching(/^ID +STATE +SITE +BRANCH +COMMIT +TRIES +CREATED +LAST ERROR$/),
      expect.stringMatching(new RegExp(`^${third} +queued +web +main +cccccccccccc +0/3 +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`)),
      expect.stringMatching(new RegExp(`^${second} +queued +api +main +bbbbbbbbbbbb +0/3 +`)),
      expect.stringMatching(new RegExp(`^${first} +cancelled +web +main +aaaaaaaaaaaa +0/3 +\\S+ +cancelled by an operator$`)),
    ]);

    expect((await run('jobs', '--state', 'queued', '--site', 'web')).out.slice(1)).toEqual([expect.stringMatching(new RegExp(`^${third} `))]);
    const limited = await run('jobs', '--limit', '2');
    expect(limited.out.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${third} `)),
      expect.stringMatching(new RegExp(`^${second} `)),
      '(the newest 2; --limit N shows more)',
    ]);
    expect((await run('jobs', '--state', 'dead')).out).toEqual(['No dead jobs.']);
  });

  it('prints the API\'s job objects with --json', async () => {
    const id = enqueue(openQueue(), 'web');
    const { code, out } = await run('jobs', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual([expect.objectContaining({ id, siteId: 'web', state: 'queued', request: request('web'), createdAt: expect.any(String) })]);
  });

  it('has no jobs before the agent has run, and creates no database', async () => {
    expect((await run('jobs')).out).toEqual(['No jobs.']);
    expect(existsSync(join(dir, 'data', 'agent.db'))).toBe(false);
  });

  it.each([
    [['jobs', '--state', 'done'], 'lifeline agent jobs: --state must be one of queued, running, succeeded, failed, dead, cancelled. Run "lifeline agent --help" for the options.'],
    [['jobs', '--limit', 'all'], 'lifeline agent jobs: --limit must be how many to list: a whole number from 1 to 1000. Run "lifeline agent --help" for the options.'],
    [['jobs', '--site'], 'lifeline agent jobs: --site needs a value. Run "lifeline agent --help" for the options.'],
    [['jobs', 'web'], 'lifeline agent jobs: unexpected argument "web" (jobs takes only options). Run "lifeline agent --help" for the options.'],
  ])('refuses %j with exit code 2', async (...argv) => {
    const [args, line] = argv as [string[], string];
    const { code, err } = await run(...args);
    expect(code).toBe(2);
    expect(err).toEqual([line]);
  });
});

describe('lifeline agent retry', () => {
  it('queues a new job with the same deploy', async () => {
    const queue = openQueue();
    const id = enqueue(queue, 'web');
    queue.cancel(id);
    const { code, out, err } = await run('retry', String(id));
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const retried = queue.list({ limit: 1 })[0];
    expect(retried).toMatchObject({ state: 'queued', retryOf: id, request: request('web') });
    expect(out).toEqual([
      `Job ${retried?.id} queued to run job ${id}'s deploy again (place 1 in its site's line). A running agent starts it within about a second; otherwise it runs once the agent starts.`,
    ]);
  });

  it.each([
    ['a queued job', (queue: JobQueue) => String(enqueue(queue, 'web')), /^lifeline agent retry: Job \d+ is queued, so there is nothing to retry yet\./],
    ['an unknown job', () => '99', /^lifeline agent retry: There is no job 99\./],
    ['what is not a job id', () => 'latest', /^lifeline agent retry: "latest" is not a job id: job ids are whole numbers from 1 up\. "lifeline agent jobs" lists the jobs with their ids\./],
  ])('refuses %s with exit code 2', async (_name, id, message) => {
    const { code, err } = await run('retry', id(openQueue()));
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(message)]);
  });

  it('says so when there is no database, or no job id, or one too many', async () => {
    const none = await run('retry', '1');
    expect(none.code).toBe(2);
    expect(none.err).toEqual([
      `lifeline agent retry: there is no agent database at ${join(dir, 'data', 'agent.db')} yet, so no jobs; check --config (the agent's config file names its dataDir).`,
    ]);
    expect((await run('retry')).err).toEqual([
      'lifeline agent retry: say which job, like "lifeline agent retry 42"; "lifeline agent jobs" lists them. Run "lifeline agent --help" for the options.',
    ]);
    expect((await run('retry', '1', '2')).err).toEqual(['lifeline agent retry: unexpected argument "2" (retry takes one job id). Run "lifeline agent --help" for the options.']);
  });

  it('prints the help', async () => {
    const { io, out } = fakeIo();
    expect(await runAgentCli(['retry', '--help'], io)).toBe(0);
    expect(out[0]).toContain('lifeline agent retry <job id> [--config FILE]');
  });
});

describe('lifeline agent cancel', () => {
  it('cancels a waiting job at once', async () => {
    const queue = openQueue();
    const id = enqueue(queue, 'web');
    const { code, out } = await run('cancel', String(id));
    expect(code).toBe(0);
    expect(out).toEqual([`Job ${id} was waiting and is now cancelled.`]);
    expect(queue.get(id)?.state).toBe('cancelled');
  });

  it('refuses a finished job and an unknown one with exit code 2', async () => {
    const queue = openQueue();
    const id = enqueue(queue, 'web');
    queue.cancel(id);
    expect((await run('cancel', String(id))).err).toEqual([`lifeline agent cancel: job ${id} is cancelled, so there is nothing to cancel ("lifeline agent retry ${id}" runs it again).`]);
    const unknown = await run('cancel', '12');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toEqual(['lifeline agent cancel: there is no job 12; "lifeline agent jobs" lists them.']);
  });

  it('asks the running agent to stop a running job, which kills the step\'s process group', async () => {
    const pidFile = join(dir, 'pid');
    writeFileSync(
      configFile,
      `dataDir: data\nshutdownTimeoutSeconds: 600\nqueue: { leaseSeconds: 10 }\nsites:\n  - id: web\n    dir: sites/web\n    repository: /srv/web.git\n    branches: { main: production }\n    steps: [{ kind: command, argv: [sh, -c, 'echo $$ > "${pidFile}"; sleep 300 & wait'] }]\n`,
    );
    const agent = fakeIo();
    const started = agent.listening();
    const exit = runAgentCli(['--config', configFile, '--port', '0'], agent.io);
    await started;
    let pid = 0;
    try {
      const queue = openQueue();
      const id = enqueue(queue, 'web');
      await waitFor('the step to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'));
      pid = Number(readFileSync(pidFile, 'utf8'));
      expect(queue.get(id)?.state).toBe('running');

      const { code, out } = await run('cancel', String(id));
      expect(code).toBe(0);
      expect(out).toEqual([
        `Job ${id} is running: cancel requested. The agent running it notices at its next heartbeat (within 4 s), kills the running step's whole process group and ends the job as cancelled. "lifeline agent jobs" shows when it has.`,
      ]);
      await waitFor('the job to end cancelled', () => queue.get(id)?.state === 'cancelled');
      expect(isRunning(pid)).toBe(false);
    } finally {
      killGroups(pid ? [pid] : []);
      agent.signals.emit('SIGTERM');
      expect(await exit).toBe(0);
    }
  });
});
