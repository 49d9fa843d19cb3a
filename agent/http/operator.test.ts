import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent, type Agent, type InjectRequest } from '../app';
import { loadAgentConfig, type AgentConfig } from '../config';
import { DeployRunner } from '../deploy/runner';
import { agentMigrations } from '../migrations';
import { JobQueue } from '../queue/job-queue';
import type { DeployRequest } from '../queue/types';
import { openDatabase, type Database } from '../store/sqlite';

const TOKEN = 'operator-token-0123456789abcdef';
const COMMIT = 'c0ffee'.padEnd(40, '0');
const OTHER = 'beef'.padEnd(40, '1');

const CONFIG = `
dataDir: data
apiToken: file:api.token
sites:
  - id: web
    dir: sites/web
    repository: /srv/git/web.git
    branches: { main: production, staging: staging }
    steps: [{ kind: command, name: hello, argv: [sh, -c, 'echo deploying $LIFELINE_COMMIT; exit "$FAIL"'] }]
  - id: api
    dir: sites/api
    repository: /srv/git/api.git
    branches: { main: production }
    queue: reject-if-busy
    steps: [{ kind: command, argv: ['true'] }]
`;

let dir: string;
let db: Database;
let config: AgentConfig;
let queue: JobQueue;
let runner: DeployRunner;
let agent: Agent;
let security: Record<string, unknown>[];
let wakes: number;

function build(configText = CONFIG): Agent {
  writeFileSync(join(dir, 'agent.yaml'), configText);
  config = loadAgentConfig(join(dir, 'agent.yaml'), {});
  return buildAgent({
    config,
    db,
    securityLog: (line) => security.push(JSON.parse(line) as Record<string, unknown>),
    operator: { queue, runner, runsHere: () => false, wake: () => wakes++, cancelCheckSeconds: 20 },
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-operator-'));
  writeFileSync(join(dir, 'api.token'), `${TOKEN}\n`);
  db = openDatabase({ path: join(dir, 'data', 'agent.db'), migrations: agentMigrations });
  queue = new JobQueue(db);
  runner = new DeployRunner({ db, logsDir: join(dir, 'data', 'jobs'), jobLogMaxBytes: 1_000_000, killGraceMs: 500 });
  security = [];
  wakes = 0;
  agent = build();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(method: string, url: string, options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  const request: InjectRequest = { method, url, headers };
  if (options.body !== undefined) request.body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return agent.inject(request);
}

function request(siteId: string, commit = COMMIT, extra: Partial<DeployRequest> = {}): DeployRequest {
  return { siteId, environment: 'production', repository: `acme/${siteId}`, branch: 'main', commit, event: 'push', ...extra };
}

/** A job queued under its site's policy, as a manual deploy would be. */
function enqueue(siteId = 'web', commit = COMMIT): number {
  const policy = siteId === 'api' ? 'reject-if-busy' : 'fifo';
  const outcome = queue.enqueueManual({ policy, request: request(siteId, commit) });
  if (outcome.status !== 'accepted') throw new Error(`not accepted: ${outcome.status}`);
  return outcome.jobId;
}

/** Claims the site's next job and runs its real deploy to the end, as the worker would. */
async function deploy(siteId: string, env: Record<string, string> = {}) {
  const job = queue.claim('test-worker', { concurrency: 5 });
  if (!job || job.siteId !== siteId) throw new Error(`expected a job of ${siteId} to claim`);
  const site = config.sites.find((candidate) => candidate.id === siteId);
  if (!site) throw new Error(`no site ${siteId}`);
  const run = new DeployRunner({ db, logsDir: join(dir, 'data', 'jobs'), jobLogMaxBytes: 1_000_000, killGraceMs: 500, env: { ...process.env, FAIL: '0', ...env } });
  const outcome = await run.run(job.id, site, job.request, new AbortController().signal);
  if (outcome.status === 'succeeded') queue.complete(job.id, 'test-worker');
  else queue.fail(job.id, 'test-worker', outcome.error ?? outcome.status);
  return { job, outcome };
}

describe('operator API: the token', () => {
  it('is required: none given → 401 with a Bearer challenge, recorded in the security log', async () => {
    const response = await call('GET', '/jobs', { token: null, headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="lifeline-agent"');
    expect(response.json()).toMatchObject({ error: 'missing-token', message: expect.stringContaining('Authorization: Bearer <token>') });
    expect(security).toEqual([
      {
        time: expect.any(String),
        type: 'operator-refused',
        requestId: response.headers['x-request-id'],
        method: 'GET',
        path: '/jobs',
        // No trusted proxies: the forwarded header is not believed.
        ip: '127.0.0.1',
        reason: 'missing-token',
        status: 401,
      },
    ]);
  });

  it('refuses a wrong token as invalid_token and never echoes it', async () => {
    const response = await call('GET', '/jobs', { token: 'guess' });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="lifeline-agent", error="invalid_token"');
    expect(response.json()).toMatchObject({ error: 'bad-token' });
    expect(response.body).not.toContain('guess');
    expect(JSON.stringify(security)).not.toContain('guess');
    expect(security[0]).toMatchObject({ reason: 'bad-token' });
  });

  it.each([
    ['a token one character short', `Bearer ${TOKEN.slice(0, -1)}`, 'bad-token'],
    ['a longer token', `Bearer ${TOKEN}x`, 'bad-token'],
    ['another scheme', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, 'malformed-authorization'],
    ['the scheme alone', 'Bearer', 'malformed-authorization'],
    ['two tokens', `Bearer ${TOKEN} ${TOKEN}`, 'malformed-authorization'],
  ])('refuses %s', async (_name, authorization, reason) => {
    const response = await call('GET', '/sites', { token: null, headers: { authorization } });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: reason });
  });

  it('takes the scheme in any case', async () => {
    expect((await call('GET', '/sites', { token: null, headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('refuses before reading a body, and closes the connection on the sender', async () => {
    const response = await call('POST', '/sites/web/deploy', { token: 'wrong', body: { commit: COMMIT } });
    expect(response.status).toBe(401);
    expect(response.headers.connection).toBe('close');
    expect(queue.list()).toEqual([]);
  });

  it('with no apiToken configured, says how to turn the API on', async () => {
    agent = build(CONFIG.replace('apiToken: file:api.token\n', ''));
    for (const token of [TOKEN, null]) {
      const response = await call('GET', '/jobs', { token });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="lifeline-agent"');
      expect(response.json()).toMatchObject({ error: 'api-token-not-configured', message: expect.stringContaining('Set apiToken in its config') });
    }
    expect(security.map((line) => line.reason)).toEqual(['api-token-not-configured', 'api-token-not-configured']);
  });

  it('guards every operator route', async () => {
    const routes = [
      ['GET', '/jobs'],
      ['GET', '/jobs/1'],
      ['GET', '/jobs/1/log'],
      ['POST', '/jobs/1/cancel'],
      ['POST', '/jobs/1/retry'],
      ['GET', '/sites'],
      ['POST', '/sites/web/deploy'],
      ['POST', '/sites/web/pause'],
      ['POST', '/sites/web/resume'],
      ['GET', '/deliveries'],
    ];
    for (const [method = '', url = ''] of routes) expect((await call(method, url, { token: null })).status, `${method} ${url}`).toBe(401);
  });
});

describe('GET /jobs', () => {
  it('lists jobs newest first, with filters and pages', async () => {
    const ids = [enqueue('web'), enqueue('api'), enqueue('web', OTHER), enqueue('web')];
    queue.cancel(ids[0] ?? 0);

    const all = await call('GET', '/jobs');
    expect(all.status).toBe(200);
    const body = all.json() as { jobs: { id: number; state: string; createdAt: string; request: DeployRequest }[]; nextBefore: number | null };
    expect(body.jobs.map((job) => job.id)).toEqual([...ids].reverse());
    expect(body.nextBefore).toBeNull();
    expect(body.jobs[3]).toMatchObject({ id: ids[0], siteId: 'web', state: 'cancelled', lastError: 'cancelled by an operator', request: request('web') });
    expect(body.jobs[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const web = (await call('GET', '/jobs?site=web&state=queued')).json() as typeof body;
    expect(web.jobs.map((job) => job.id)).toEqual([ids[3], ids[2]]);

    const page = (await call('GET', '/jobs?limit=2')).json() as typeof body;
    expect(page.jobs.map((job) => job.id)).toEqual([ids[3], ids[2]]);
    expect(page.nextBefore).toBe(ids[2]);
    const next = (await call('GET', `/jobs?limit=2&before=${page.nextBefore}`)).json() as typeof body;
    expect(next.jobs.map((job) => job.id)).toEqual([ids[1], ids[0]]);
  });

  it.each([
    ['/jobs?state=done', 'The query parameter state must be one of queued, running, succeeded, failed, dead, cancelled.'],
    ['/jobs?limit=0', 'The query parameter limit must be how many to list: a whole number from 1 to 1000.'],
    ['/jobs?limit=1001', 'The query parameter limit must be how many to list: a whole number from 1 to 1000.'],
    ['/jobs?site=../etc', 'The query parameter site must be an id: 1 to 64 letters, digits, dots, dashes or underscores.'],
    ['/jobs?status=queued', 'The query parameter "status" is not known (the known ones are: state, site, limit, before).'],
  ])('refuses %s with 400 saying what to send', async (url, message) => {
    const response = await call('GET', url);
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({ error: 'bad-request', message, requestId: response.headers['x-request-id'] });
  });
});

describe('GET /jobs/:id', () => {
  it('gives the job with its deploy attempts and their steps: status, exit codes, times', async () => {
    enqueue('web');
    const { job } = await deploy('web', { FAIL: '3' });
    const response = await call('GET', `/jobs/${job.id}`);
    expect(response.status).toBe(200);
    const body = response.json() as { job: Record<string, unknown>; deploys: { steps: Record<string, unknown>[] }[] };
    expect(body.job).toMatchObject({ id: job.id, state: 'failed', attempts: 1, lastError: expect.stringContaining('code 3') });
    expect(body.deploys).toHaveLength(1);
    expect(body.deploys[0]).toMatchObject({ attempt: 1, phase: 'failed', startedAt: expect.any(String), finishedAt: expect.any(String) });
    const step = { stage: 'deploy', position: 0, kind: 'command', name: 'command "hello"', state: 'failed', runs: 1, exitCode: 3 };
    expect(body.deploys[0]?.steps).toEqual([
      { ...step, error: expect.stringContaining('code 3'), startedAt: expect.any(String), finishedAt: expect.any(String), log: { offset: expect.any(Number), end: expect.any(Number) } },
    ]);
    // The step's byte range in the job's log holds its output.
    const { offset, end } = body.deploys[0]?.steps[0]?.log as { offset: number; end: number };
    expect(readFileSync(runner.logFile(job.id)).subarray(offset, end).toString()).toContain(`deploying ${COMMIT}`);
  });

  it('answers 404 for an unknown job and 400 for what is not an id', async () => {
    const missing = await call('GET', '/jobs/99');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'job-not-found', message: 'There is no job 99. GET /jobs lists the jobs with their ids.' });
    const bad = await call('GET', '/jobs/abc');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ message: '"abc" is not a job id: job ids are whole numbers from 1 up. GET /jobs lists the jobs with their ids.' });
    expect((await call('GET', '/jobs/0')).status).toBe(400);
    expect((await call('GET', '/jobs/99999999999999999999')).status).toBe(400);
  });
});

describe('POST /jobs/:id/cancel', () => {
  it('cancels a waiting job at once', async () => {
    const id = enqueue();
    const response = await call('POST', `/jobs/${id}/cancel`);
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ status: 'cancelled', jobId: id });
    expect(queue.get(id)?.state).toBe('cancelled');
  });

  it('flags a running job for the agent running it, and says when it stops', async () => {
    const id = enqueue();
    queue.claim('another-agent', { concurrency: 1 });
    const response = await call('POST', `/jobs/${id}/cancel`);
    expect(response.status).toBe(202);
    expect(response.json()).toMatchObject({ status: 'cancel-requested', jobId: id, message: expect.stringContaining('within 20 s') });
    expect(queue.get(id)).toMatchObject({ state: 'running', cancelRequested: true });
  });

  it('answers 409 for a finished job and 404 for an unknown one', async () => {
    enqueue('api');
    const { job } = await deploy('api');
    const finished = await call('POST', `/jobs/${job.id}/cancel`);
    expect(finished.status).toBe(409);
    expect(finished.json()).toMatchObject({ error: 'not-cancellable', message: `Job ${job.id} is succeeded, so there is nothing to cancel. POST /jobs/${job.id}/retry runs it again.` });
    expect((await call('POST', '/jobs/42/cancel')).status).toBe(404);
  });
});

describe('POST /jobs/:id/retry', () => {
  it('queues a new job with the same request and wakes the worker', async () => {
    const id = enqueue();
    queue.cancel(id);
    const response = await call('POST', `/jobs/${id}/retry`);
    expect(response.status).toBe(202);
    const { jobId } = response.json() as { jobId: number };
    expect(response.json()).toEqual({ status: 'accepted', jobId, position: 1 });
    expect(queue.get(jobId)).toMatchObject({ state: 'queued', retryOf: id, request: request('web') });
    expect(wakes).toBe(1);
  });

  it('answers 409 for a job still waiting and 404 for an unknown one, with the queue\'s message', async () => {
    const id = enqueue();
    const waiting = await call('POST', `/jobs/${id}/retry`);
    expect(waiting.status).toBe(409);
    expect(waiting.json()).toMatchObject({ error: 'not-retryable', message: expect.stringContaining(`Job ${id} is queued`) });
    const missing = await call('POST', '/jobs/77/retry');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: 'job-not-found', message: expect.stringContaining('There is no job 77') });
    expect(wakes).toBe(0);
  });

  it('answers 409 when the site is busy and refuses new deploys while it is', async () => {
    const first = enqueue('api');
    queue.cancel(first);
    enqueue('api');
    queue.claim('another-agent', { concurrency: 1 });
    const response = await call('POST', `/jobs/${first}/retry`);
    expect(response.status).toBe(409);
    expect(response.json()).toMatchObject({ error: 'site-busy', message: expect.stringContaining('reject-if-busy') });
  });
});

describe('GET /sites', () => {
  it('lists each site with its environments, pause, current release and running job', async () => {
    enqueue('api');
    await deploy('api');
    enqueue('web');
    const running = queue.claim('agent-7', { concurrency: 1 });
    queue.pauseSite('web');

    const response = await call('GET', '/sites');
    expect(response.status).toBe(200);
    const { sites } = response.json() as { sites: Record<string, unknown>[] };
    expect(sites).toEqual([
      {
        id: 'web',
        repository: '/srv/git/web.git',
        environments: { main: 'production', staging: 'staging' },
        queue: 'coalesce-latest',
        paused: true,
        currentRelease: null,
        running: { jobId: running?.id, commit: COMMIT, startedAt: expect.any(String), leaseOwner: 'agent-7', leaseExpiresAt: expect.any(String) },
      },
      {
        id: 'api',
        repository: '/srv/git/api.git',
        environments: { main: 'production' },
        queue: 'reject-if-busy',
        paused: false,
        currentRelease: { id: expect.any(Number), commit: COMMIT, jobId: 1, dir: expect.stringContaining(join('sites', 'api', 'releases')), createdAt: expect.any(String) },
        running: null,
      },
    ]);
  });
});

describe('POST /sites/:id/deploy', () => {
  it('queues a manual deploy of the commit to the branch\'s environment and wakes the worker', async () => {
    const response = await call('POST', '/sites/web/deploy', { body: { commit: COMMIT.toUpperCase(), branch: 'staging' } });
    expect(response.status).toBe(202);
    const { jobId } = response.json() as { jobId: number };
    expect(response.json()).toEqual({ status: 'accepted', jobId, position: 1 });
    expect(queue.get(jobId)?.request).toEqual({
      siteId: 'web',
      environment: 'staging',
      repository: '/srv/git/web.git',
      branch: 'staging',
      commit: COMMIT,
      event: 'manual',
    });
    expect(wakes).toBe(1);
  });

  it('takes a site\'s only branch when none is named, and follows its queue policy', async () => {
    const first = await call('POST', '/sites/api/deploy', { body: { commit: COMMIT } });
    expect(first.status).toBe(202);
    const { jobId } = first.json() as { jobId: number };
    expect(queue.get(jobId)?.request).toMatchObject({ branch: 'main', environment: 'production' });
    const busy = await call('POST', '/sites/api/deploy', { body: { commit: OTHER } });
    expect(busy.status).toBe(409);
    expect(busy.json()).toMatchObject({ error: 'site-busy' });
  });

  it('coalesces: a newer manual deploy replaces a waiting one, and a paused site says it waits', async () => {
    queue.pauseSite('web');
    const first = (await call('POST', '/sites/web/deploy', { body: { commit: COMMIT, branch: 'main' } })).json() as { jobId: number };
    const second = await call('POST', '/sites/web/deploy', { body: { commit: OTHER, branch: 'main' } });
    expect(second.json()).toMatchObject({ status: 'accepted', replaced: [first.jobId], message: expect.stringContaining('The site is paused') });
  });

  it.each([
    [{ commit: COMMIT }, 'Site web deploys several branches (main, staging); say which one in the body\'s "branch" field.'],
    [{ commit: COMMIT, branch: 'prod' }, 'Site web does not deploy the branch "prod"; it deploys main, staging.'],
    [{ commit: COMMIT, branch: 'constructor' }, 'Site web does not deploy the branch "constructor"; it deploys main, staging.'],
    [{ commit: 'abc123', branch: 'main' }, 'The body field commit must be the full commit id to deploy: 40 hex digits (git rev-parse HEAD prints it).'],
    [{ branch: 'main' }, 'The body field commit must be the full commit id to deploy: 40 hex digits (git rev-parse HEAD prints it).'],
    [{ commit: COMMIT, branch: 'main', force: true }, 'The body field "force" is not known (the known ones are: commit, branch).'],
    [[COMMIT], 'The body must be a JSON object like {"commit": "<40 hex digits>", "branch": "main"}.'],
    ['{"commit": ', 'The body is not JSON; send a JSON object like {"commit": "<40 hex digits>", "branch": "main"}.'],
    ['', 'The body is not JSON; send a JSON object like {"commit": "<40 hex digits>", "branch": "main"}.'],
  ])('refuses %j with 400 saying what to send', async (body, message) => {
    const response = await call('POST', '/sites/web/deploy', { body });
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ error: 'bad-request', message });
    expect(queue.list()).toEqual([]);
  });

  it('answers 404 naming the sites for an unknown one', async () => {
    const response = await call('POST', '/sites/shop/deploy', { body: { commit: COMMIT } });
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: 'site-not-found', message: 'There is no site "shop" in the agent\'s config (the sites are: web, api).' });
  });
});

describe('POST /sites/:id/pause and /resume', () => {
  it('pauses and resumes a site in the queue, waking the worker on resume', async () => {
    const paused = await call('POST', '/sites/web/pause');
    expect(paused.status).toBe(200);
    expect(paused.json()).toMatchObject({ siteId: 'web', paused: true });
    expect(queue.pausedSites()).toEqual(['web']);
    enqueue('web');
    expect(queue.claim('w', { concurrency: 1 })).toBeUndefined();

    const resumed = await call('POST', '/sites/web/resume');
    expect(resumed.json()).toMatchObject({ siteId: 'web', paused: false });
    expect(queue.pausedSites()).toEqual([]);
    expect(wakes).toBe(1);
    expect(queue.claim('w', { concurrency: 1 })?.siteId).toBe('web');
    expect((await call('POST', '/sites/nope/pause')).status).toBe(404);
  });
});

describe('GET /deliveries', () => {
  it('lists recorded deliveries newest first, by hook, limited', async () => {
    const deliver = (hookId: string, deliveryId: string, commit: string) =>
      queue.enqueueDelivery({ hookId, deliveryId, policy: 'fifo', priority: 0, request: request('web', commit, { hookId, deliveryId }) });
    deliver('gh', 'd-1', COMMIT);
    deliver('gl', 'd-2', OTHER);
    deliver('gh', 'd-3', COMMIT);

    const all = (await call('GET', '/deliveries')).json() as { deliveries: { hookId: string; deliveryId: string; jobId: number; receivedAt: string }[] };
    expect(all.deliveries.map((delivery) => delivery.deliveryId).sort()).toEqual(['d-1', 'd-2', 'd-3']);
    expect(all.deliveries[0]).toEqual({ hookId: expect.any(String), deliveryId: expect.any(String), jobId: expect.any(Number), receivedAt: expect.any(String) });
    const gh = (await call('GET', '/deliveries?hook=gh')).json() as typeof all;
    expect(gh.deliveries.map((delivery) => delivery.deliveryId).sort()).toEqual(['d-1', 'd-3']);
    expect(((await call('GET', '/deliveries?limit=1')).json() as typeof all).deliveries).toHaveLength(1);
    const bad = await call('GET', '/deliveries?hook=a/b');
    expect(bad.status).toBe(400);
  });
});
