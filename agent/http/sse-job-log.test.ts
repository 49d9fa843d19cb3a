import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent, type Agent, type OperatorParts } from '../app';
import { loadAgentConfig, type AgentConfig } from '../config';
import { DeployRunner } from '../deploy/runner';
import { waitFor } from '../deploy/testing/processes';
import { listenAgent, type RunningAgent } from '../listen';
import { agentMigrations } from '../migrations';
import { collectingLogger, type LogCollector } from '../log/testing';
import { JobQueue } from '../queue/job-queue';
import { openDatabase, type Database } from '../store/sqlite';
import { DeployWorker } from '../worker';
import { SseClient, SseParser } from './sse-testing';

const TOKEN = 'sse-test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const COMMIT = 'a1b2c3'.padEnd(40, '0');
// Says one line, waits for the test to open the gate, says another: the test decides when the deploy moves.
const SCRIPT = 'echo "line one"; while [ ! -e "$GATE" ]; do sleep 0.02; done; echo "line two"';

let dir: string;
let gate: string;
let db: Database;
let config: AgentConfig;
let queue: JobQueue;
let runner: DeployRunner;
let worker: DeployWorker;
let agent: Agent;
let server: RunningAgent;
let log: LogCollector;
let clients: SseClient[];
/** Live subscriptions to a job's log that are open now (followLog called, neither unsubscribed nor ended). */
let following: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-sse-'));
  gate = join(dir, 'gate');
  writeFileSync(join(dir, 'api.token'), TOKEN);
  writeFileSync(
    join(dir, 'agent.yaml'),
    `dataDir: data\napiToken: file:api.token\nsites:\n  - id: web\n    dir: sites/web\n    repository: /srv/git/web.git\n    branches: { main: production }\n    steps: [{ kind: command, name: talk, argv: [sh, -c, '${SCRIPT}'] }]\n`,
  );
  config = loadAgentConfig(join(dir, 'agent.yaml'), {});
  db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: agentMigrations });
  queue = new JobQueue(db);
  runner = new DeployRunner({ db, logsDir: join(config.dataDir, 'jobs'), jobLogMaxBytes: 1_000_000, killGraceMs: 500, env: { ...process.env, GATE: gate } });
  const collecting = collectingLogger();
  log = collecting.collector;
  worker = new DeployWorker({ queue, runner, sites: new Map(config.sites.map((site) => [site.id, site])), concurrency: 2, leaseSeconds: 30, log: collecting.logger, pollMs: 50 });
  following = 0;
  const spied: OperatorParts['runner'] = {
    deploys: (jobId) => runner.deploys(jobId),
    currentRelease: (siteId) => runner.currentRelease(siteId),
    logFile: (jobId) => runner.logFile(jobId),
    followLog: (jobId, onChunk, onEnd) => {
      let open = true;
      following++;
      const close = () => {
        if (open) following--;
        open = false;
      };
      const unfollow = runner.followLog(jobId, onChunk, () => {
        close();
        onEnd?.();
      });
      return () => {
        close();
        unfollow();
      };
    },
  };
  agent = buildAgent({
    config,
    db,
    log: collecting.logger,
    operator: {
      queue,
      runner: spied,
      runsHere: (jobId) => worker.active.some((job) => job.id === jobId),
      wake: () => worker.wake(),
      cancelCheckSeconds: 10,
      logStream: { heartbeatMs: 20, pollMs: 20 },
    },
  });
  server = await listenAgent(agent, { host: '127.0.0.1', port: 0 });
  clients = [];
  worker.start();
});
afterEach(async () => {
  clients.forEach((client) => client.close());
  writeFileSync(gate, '');
  await worker.stop(5000);
  await server.close(0);
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function follow(jobId: number): SseClient {
  const client = new SseClient(`${server.url}/jobs/${jobId}/log`, AUTH);
  clients.push(client);
  return client;
}

async function deployByHand(): Promise<number> {
  const response = await fetch(`${server.url}/sites/web/deploy`, { method: 'POST', headers: AUTH, body: JSON.stringify({ commit: COMMIT }) });
  expect(response.status).toBe(202);
  return ((await response.json()) as { jobId: number }).jobId;
}

const endOf = async (client: SseClient) => JSON.parse((await client.next('end')).data) as Record<string, unknown>;
const fileOf = (jobId: number) => readFileSync(runner.logFile(jobId), 'utf8');

describe('GET /jobs/:id/log (Server-Sent Events)', () => {
  it('follows a running deploy live, then ends with the final status; the text is the log file, exactly', async () => {
    const jobId = await deployByHand();
    const client = follow(jobId);
    await client.next('log', (text) => /^line one$/m.test(text));
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['content-length']).toBeUndefined();
    await waitFor('the feed to follow the deploy live', () => following === 1);
    // The command line itself is in the log too; its output is on lines of their own.
    expect(client.logText()).not.toMatch(/^line two$/m);
    expect(client.ended).toBe(false);

    writeFileSync(gate, '');
    expect(await endOf(client)).toEqual({ jobId, state: 'succeeded', lastError: null, deploy: { attempt: 1, phase: 'succeeded', error: null } });
    await client.untilEnded();
    expect(client.logText()).toMatch(/^line two$/m);
    expect(client.logText()).toBe(fileOf(jobId));
    expect(following).toBe(0);
  });

  it('unsubscribes when the client goes away, while the deploy carries on', async () => {
    const jobId = await deployByHand();
    const client = follow(jobId);
    await client.next('log', (text) => /^line one$/m.test(text));
    await waitFor('the feed to follow the deploy live', () => following === 1);

    client.close();
    await waitFor('the feed to unsubscribe', () => following === 0);
    await waitFor('the stream-closed line', () => log.records().some((line) => line.msg === 'stream closed' && line.why === 'client-gone'));
    expect(queue.get(jobId)?.state).toBe('running');
    writeFileSync(gate, '');
    await waitFor('the deploy to finish', () => queue.get(jobId)?.state === 'succeeded');
  });

  it('sends heartbeats while a job waits, then follows it once it starts', async () => {
    await fetch(`${server.url}/sites/web/pause`, { method: 'POST', headers: AUTH });
    const jobId = await deployByHand();
    const client = follow(jobId);
    await waitFor('two heartbeats', () => client.comments >= 2);
    expect(client.events).toEqual([]);
    expect(queue.get(jobId)?.state).toBe('queued');

    writeFileSync(gate, '');
    await fetch(`${server.url}/sites/web/resume`, { method: 'POST', headers: AUTH });
    expect(await endOf(client)).toMatchObject({ jobId, state: 'succeeded' });
    expect(client.logText()).toBe(fileOf(jobId));
  });

  it('ends a waiting job\'s stream when it is cancelled', async () => {
    queue.pauseSite('web');
    const jobId = await deployByHand();
    const client = follow(jobId);
    await waitFor('a heartbeat', () => client.comments >= 1);
    queue.cancel(jobId);
    expect(await endOf(client)).toEqual({ jobId, state: 'cancelled', lastError: 'cancelled by an operator', deploy: null });
    await client.untilEnded();
  });

  it('follows a job that another agent process runs through its log file', async () => {
    const jobId = (queue.enqueueManual({ policy: 'fifo', request: { siteId: 'web', environment: 'production', repository: 'r', branch: 'main', commit: COMMIT, event: 'manual' } }) as { jobId: number }).jobId;
    // In the same turn, so this process's worker cannot take it first.
    expect(queue.claim('other-agent', { concurrency: 2 })?.id).toBe(jobId);
    mkdirSync(dirname(runner.logFile(jobId)), { recursive: true });
    appendFileSync(runner.logFile(jobId), 'from the other agent\n');

    const client = follow(jobId);
    await client.next('log', (text) => text.includes('from the other agent'));
    appendFileSync(runner.logFile(jobId), 'ünïcödé, and more\n');
    await waitFor('the appended line', () => client.logText().includes('ünïcödé'));
    expect(client.ended).toBe(false);
    queue.complete(jobId, 'other-agent');
    expect(await endOf(client)).toMatchObject({ jobId, state: 'succeeded' });
    expect(client.logText()).toBe('from the other agent\nünïcödé, and more\n');
    expect(following).toBe(0);
  });

  it('gives a finished job\'s log and its end through inject too', async () => {
    writeFileSync(gate, '');
    const jobId = await deployByHand();
    await waitFor('the deploy to finish', () => queue.get(jobId)?.state === 'succeeded');
    const response = await agent.inject({ method: 'GET', url: `/jobs/${jobId}/log`, headers: AUTH });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const parsed = new SseParser();
    parsed.feed(response.body);
    expect(parsed.logText()).toBe(fileOf(jobId));
    expect(parsed.events.at(-1)).toEqual({ event: 'end', data: JSON.stringify({ jobId, state: 'succeeded', lastError: null, deploy: { attempt: 1, phase: 'succeeded', error: null } }) });
  });

  it('answers 404 in JSON for an unknown job', async () => {
    const response = await agent.inject({ method: 'GET', url: '/jobs/999/log', headers: AUTH });
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: 'job-not-found' });
  });

  it('when the agent stops, tells each follower, ends the streams and refuses new ones', async () => {
    const jobId = await deployByHand();
    const client = follow(jobId);
    await client.next('log', (text) => /^line one$/m.test(text));
    await waitFor('the feed to follow the deploy live', () => following === 1);

    agent.closeStreams();
    const stopping = JSON.parse((await client.next('stopping')).data) as { message: string };
    expect(stopping.message).toContain('The agent is stopping');
    await client.untilEnded();
    expect(following).toBe(0);

    const late = follow(jobId);
    await waitFor('an answer', () => late.status !== undefined);
    expect(late.status).toBe(503);
    // No stream holds the server open now.
    await server.close(60_000);
  });
});
