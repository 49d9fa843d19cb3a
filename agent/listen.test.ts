import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgent, type Agent } from './app';
import { loadAgentConfig } from './config';
import { readAll, startSlowRequest } from './http/testing';
import { AgentListenError, listenAgent, type RunningAgent } from './listen';
import { openDatabase, type Database } from './store/sqlite';

let dir: string;
let db: Database;
let agent: Agent;
const running: RunningAgent[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-listen-'));
  const config = loadAgentConfig(undefined, {}, { LIFELINE_HOME: dir });
  db = openDatabase({ path: join(config.dataDir, 'agent.db'), migrations: [] });
  agent = buildAgent({ config, db });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close(0)));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(port = 0): Promise<RunningAgent> {
  const server = await listenAgent(agent, { host: '127.0.0.1', port });
  running.push(server);
  return server;
}

describe('listenAgent', () => {
  it('serves the agent over real HTTP on the port it was given', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('says in one line what to do when the port is taken', async () => {
    const first = await start();
    const second = listenAgent(agent, { host: '127.0.0.1', port: first.port });
    await expect(second).rejects.toThrow(AgentListenError);
    await expect(second).rejects.toThrow(
      `Port ${first.port} on 127.0.0.1 is already in use: stop the program using it, or start the agent with --port <another>.`,
    );
  });

  it('says what to do when the address is not one of this machine', async () => {
    // 192.0.2.0/24 is reserved for documentation, so no interface has it.
    await expect(listenAgent(agent, { host: '192.0.2.1', port: 0 })).rejects.toMatchObject({
      code: 'EADDRNOTAVAIL',
      message: expect.stringContaining('192.0.2.1 is not an address of this machine'),
    });
  });

  it('lets a request in flight finish on close, then refuses new connections', async () => {
    const server = await start();
    const keepAlive = new HttpAgent({ keepAlive: true });
    const req = await startSlowRequest(server.port, keepAlive);
    const closed = server.close(60_000);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    req.end('hello');
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    expect(res.statusCode).toBe(200);
    // The client learns not to reuse the connection, and the server does not wait for it to idle out.
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(await readAll(res))).toMatchObject({ status: 'ok' });
    await closed;
    keepAlive.destroy();
  });

  it('cuts what is still open when the grace time is over', async () => {
    const server = await start();
    const req = await startSlowRequest(server.port);
    const failed = once(req, 'error');
    await server.close(50);
    const [error] = (await failed) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNRESET');
  });
});
