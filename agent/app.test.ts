import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { version as packageVersion } from '../package.json';
import { buildAgent, type Agent } from './app';
import { loadAgentConfig } from './config';
import { collectingLogger, type LogCollector } from './log/testing';
import { openDatabase, type Database } from './store/sqlite';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let dir: string;
let db: Database;
let agent: Agent;
let log: LogCollector;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-app-'));
  const config = loadAgentConfig(undefined, {}, { LIFELINE_HOME: dir });
  db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: [] });
  const collecting = collectingLogger();
  log = collecting.collector;
  agent = buildAgent({ config, db, startedAt: Date.now() - 90_000, log: collecting.logger });
});
afterEach(() => {
  if (db.open) db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /health', () => {
  it('answers with the status, the version and the uptime, uncached', async () => {
    const response = await agent.inject({ method: 'GET', url: '/health' });
    expect(response.status).toBe(200);
    const body = response.json() as { status: string; version: string; uptimeSeconds: number };
    expect(body.status).toBe('ok');
    expect(body.version).toBe(packageVersion);
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(90);
    expect(body.uptimeSeconds).toBeLessThan(90 + 60);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-length']).toBe(String(Buffer.byteLength(response.body)));
  });

  it('ignores the query string', async () => {
    expect((await agent.inject({ method: 'GET', url: '/health?probe=k8s' })).status).toBe(200);
  });

  it('gives every response its own request id and logs it', async () => {
    const first = await agent.inject({ method: 'GET', url: '/health' });
    const second = await agent.inject({ method: 'GET', url: '/nope' });
    const ids = [first.headers['x-request-id'], second.headers['x-request-id']];
    expect(ids[0]).toMatch(UUID);
    expect(ids[1]).toMatch(UUID);
    expect(ids[0]).not.toBe(ids[1]);
    const lines = log.records();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', requestId: ids[0], method: 'GET', path: '/health', status: 200 });
    expect(lines[1]).toMatchObject({ level: 'info', msg: 'request', requestId: ids[1], method: 'GET', path: '/nope', status: 404 });
    expect(typeof lines[0].ms).toBe('number');
  });
});

describe('GET /health/ready', () => {
  it('is ready when the database answers a query', async () => {
    const response = await agent.inject({ method: 'GET', url: '/health/ready' });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'ok', disk: 'ok' } });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('is not ready, saying why, once the database is closed', async () => {
    db.close();
    const response = await agent.inject({ method: 'GET', url: '/health/ready' });
    expect(response.status).toBe(503);
    expect(response.json()).toEqual({ status: 'not-ready', checks: { database: 'The database connection is not open', disk: 'ok' } });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('is not ready while another connection holds the write lock, and says so', () => {
    const other = openDatabase({ path: db.name, migrations: [] });
    other.pragma('busy_timeout = 0');
    db.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    return agent.inject({ method: 'GET', url: '/health/ready' }).then((response) => {
      other.exec('ROLLBACK');
      other.close();
      expect(response.status).toBe(503);
      expect(response.json()).toMatchObject({ status: 'not-ready', checks: { database: expect.stringMatching(/locked|busy/) } });
    });
  });

  it("is not ready when the data dir's disk is below the floor, saying how much is free", async () => {
    const config = loadAgentConfig(undefined, {}, { LIFELINE_HOME: dir });
    const full = buildAgent({ config, db, freeBytes: () => 10 * 1024 * 1024 });
    const response = await full.inject({ method: 'GET', url: '/health/ready' });
    expect(response.status).toBe(503);
    expect(response.json()).toMatchObject({ checks: { database: 'ok', disk: expect.stringMatching(/^only 10 MiB free for .* \(the floor is 256 MiB\); free some space there$/) } });
  });
});

describe('routing', () => {
  it('answers an unknown path with a JSON 404 carrying the request id', async () => {
    const response = await agent.inject({ method: 'GET', url: '/healthz' });
    expect(response.status).toBe(404);
    expect(response.json()).toEqual({
      error: 'not-found',
      message: 'Nothing here: GET /healthz. Check the URL; GET /health shows whether the agent is up.',
      requestId: response.headers['x-request-id'],
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('answers a wrong method with 405 and the allowed ones', async () => {
    const response = await agent.inject({ method: 'post', url: '/health/ready', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.json()).toMatchObject({ error: 'method-not-allowed', message: '/health/ready does not accept POST; use GET.' });
  });

  it('serves no /hooks routes without a queue to hand deliveries to', async () => {
    const response = await agent.inject({ method: 'POST', url: '/hooks/example', body: '{}' });
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: 'not-found' });
  });

  it('refuses a body over 1 MiB with 413 and closes the connection', async () => {
    const response = await agent.inject({ method: 'GET', url: '/health', body: Buffer.alloc(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(response.headers.connection).toBe('close');
    expect(response.json()).toMatchObject({ error: 'body-too-large' });
    expect((await agent.inject({ method: 'GET', url: '/health', body: Buffer.alloc(1024 * 1024) })).status).toBe(200);
  });
});
