import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentConfig } from './config';
import { SseClient } from './http/sse-testing';
import { listenAgent, type RunningAgent } from './listen';
import { agentMigrations } from './migrations';
import { openAgentRuntime, type AgentRuntime } from './runtime';
import { openDatabase, type Database } from './store/sqlite';

const TOKEN = 'runtime-test-token-42';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const COMMIT = '0123456789abcdef0123456789abcdef01234567';

let dir: string;
let db: Database;
let runtime: AgentRuntime;
let server: RunningAgent;
let client: SseClient | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-runtime-'));
  writeFileSync(join(dir, 'api.token'), TOKEN);
  writeFileSync(
    join(dir, 'agent.yaml'),
    `dataDir: data\napiToken: file:api.token\nsites:\n  - id: web\n    dir: sites/web\n    repository: /srv/git/web.git\n    branches: { main: production }\n    steps: [{ kind: command, argv: [sh, -c, 'echo "built $LIFELINE_COMMIT"'] }]\n`,
  );
  const config = loadAgentConfig(join(dir, 'agent.yaml'), {});
  db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: agentMigrations });
  runtime = openAgentRuntime(config, db);
  server = await listenAgent(runtime.agent, { host: '127.0.0.1', port: 0 });
  runtime.start();
});
afterEach(async () => {
  client?.close();
  runtime.agent.closeStreams();
  await server.close(0);
  await runtime.close(5000);
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('openAgentRuntime: the operator API', () => {
  it('runs a deploy asked for by hand and streams its log to the end', async () => {
    const response = await fetch(`${server.url}/sites/web/deploy`, { method: 'POST', headers: AUTH, body: JSON.stringify({ commit: COMMIT }) });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: number };

    client = new SseClient(`${server.url}/jobs/${jobId}/log`, AUTH);
    const end = JSON.parse((await client.next('end')).data) as Record<string, unknown>;
    expect(end).toMatchObject({ jobId, state: 'succeeded', deploy: { phase: 'succeeded' } });
    expect(client.logText()).toMatch(new RegExp(`^built ${COMMIT}$`, 'm'));

    const job = (await (await fetch(`${server.url}/jobs/${jobId}`, { headers: AUTH })).json()) as { job: { state: string }; deploys: { steps: { exitCode: number }[] }[] };
    expect(job.job.state).toBe('succeeded');
    expect(job.deploys[0]?.steps[0]?.exitCode).toBe(0);
    const sites = (await (await fetch(`${server.url}/sites`, { headers: AUTH })).json()) as { sites: { currentRelease: { commit: string } | null }[] };
    expect(sites.sites[0]?.currentRelease?.commit).toBe(COMMIT);
  });

  it('records refused operator requests in the security log file', async () => {
    const response = await fetch(`${server.url}/jobs`, { headers: { authorization: 'Bearer nope' } });
    expect(response.status).toBe(401);
    await server.close(0);
    await runtime.close(5000);
    const lines = readFileSync(join(dir, 'data', 'logs', 'security.log'), 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([expect.objectContaining({ type: 'operator-refused', path: '/jobs', reason: 'bad-token', status: 401 })]);
  });
});
