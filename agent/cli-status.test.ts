import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { runAgentCli } from './cli';
import { fakeIo } from './cli-testing';
import { agentMigrations } from './migrations';
import { JobQueue } from './queue/job-queue';
import type { DeployRequest } from './queue/types';
import { openDatabase } from './store/sqlite';

let dir: string;
let configFile: string;
let database: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lifeline-agent-status-'));
  configFile = join(dir, 'agent.yaml');
  database = join(dir, 'data', 'agent.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A port nothing listens on: taken from the system, then let go. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// A hook whose secret is in an environment variable this shell does not have, as under systemd.
const writeConfig = (port: number) =>
  writeFileSync(
    configFile,
    `dataDir: data\nhttp: { port: ${port} }\nshutdownTimeoutSeconds: 600\nhooks:\n  - { id: gh, source: github, secret: env:LIFELINE_TEST_UNSET_SECRET, site: web }\nsites:\n  - { id: web, dir: sites/web, repository: /srv/web.git, branches: { main: production }, steps: [{ kind: git }] }\n  - { id: api, dir: sites/api, repository: /srv/api.git, branches: { main: production }, steps: [{ kind: git }] }\n`,
  );

const request = (siteId: string): DeployRequest => ({ siteId, environment: 'production', repository: 'r', branch: 'main', commit: 'a'.repeat(40), event: 'push' });

/** Jobs in several states, as an agent would have left them; `startedAgo` ms ago the running one started, its agent since gone. */
function seed(startedAgo: number) {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const db = openDatabase({ path: database, migrations: agentMigrations });
  try {
    const past = new JobQueue(db, { now: () => Date.now() - startedAgo, leaseSeconds: 60 });
    past.enqueueManual({ policy: 'fifo', request: request('web') });
    const running = past.claim('agent-1234-gone', { concurrency: 5 });
    const queue = new JobQueue(db);
    queue.enqueueManual({ policy: 'fifo', request: request('web') });
    queue.enqueueManual({ policy: 'fifo', request: request('api') });
    queue.pauseSite('api');
    return running?.id;
  } finally {
    db.close();
  }
}

describe('lifeline agent status', () => {
  it('with the agent down and no database yet, says both and creates nothing', async () => {
    const port = await freePort();
    writeConfig(port);
    const { io, out, err } = fakeIo();
    expect(await runAgentCli(['status', '--config', configFile], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([
      `Agent: not answering at http://127.0.0.1:${port} (connection refused: it is not running, or listens elsewhere)`,
      `Database: none yet at ${database} (the agent has not run with this config).`,
    ]);
    expect(existsSync(database)).toBe(false);
  });

  it('with the agent down, reads the queue from the database: states, running jobs and their age, pauses', async () => {
    const port = await freePort();
    writeConfig(port);
    const runningId = seed(5 * 60_000);
    const { io, out } = fakeIo();
    expect(await runAgentCli(['status', '--config', configFile], io)).toBe(0);
    expect(out[0]).toMatch(/^Agent: not answering at /);
    expect(out.slice(1, 5)).toEqual([
      `Database: ${database}`,
      'Jobs: 2 queued, 1 running, 0 succeeded, 0 failed, 0 dead, 0 cancelled',
      expect.stringMatching(/^Oldest waiting job: waiting for \d+s$/),
      'Paused sites: api',
    ]);
    expect(out.slice(5)).toEqual([
      'Running:',
      expect.stringMatching(
        new RegExp(`^  job ${runningId}  site web  commit aaaaaaaaaaaa for 5m 0\\ds  \\(lease expired: its agent stopped; the next agent to poll resumes it\\)$`),
      ),
    ]);
  });

  it('prints JSON with --json', async () => {
    writeConfig(await freePort());
    const runningId = seed(0);
    const { io, out } = fakeIo();
    expect(await runAgentCli(['status', '--config', configFile, '--json'], io)).toBe(0);
    const status = JSON.parse(out.join('\n')) as Record<string, unknown>;
    expect(status).toEqual({
      agent: { url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), up: false, problem: expect.stringContaining('connection refused') },
      database,
      jobs: { queued: 2, running: 1, succeeded: 0, failed: 0, dead: 0, cancelled: 0 },
      running: [
        {
          jobId: runningId,
          siteId: 'web',
          commit: 'a'.repeat(40),
          startedAt: expect.any(String),
          ageSeconds: expect.any(Number),
          leaseOwner: 'agent-1234-gone',
          leaseExpired: false,
        },
      ],
      pausedSites: ['api'],
      oldestQueuedAgeSeconds: expect.any(Number),
    });
  });

  it('says the agent is up, with its version, while it runs', async () => {
    writeConfig(await freePort());
    const agent = fakeIo();
    const started = agent.listening();
    // The agent itself needs the hook's secret: it has it in its environment, as a service would.
    process.env.LIFELINE_TEST_UNSET_SECRET = 'webhook secret';
    const exit = runAgentCli(['--config', configFile], agent.io);
    let url: string;
    try {
      url = await Promise.race([started, exit.then((code) => Promise.reject(new Error(`the agent exited with ${code}: ${agent.err.join(' ')}`)))]);
    } finally {
      delete process.env.LIFELINE_TEST_UNSET_SECRET;
    }
    const { io, out, err } = fakeIo();
    expect(await runAgentCli(['status', '--config', configFile], io)).toBe(0);
    expect(err).toEqual([]);
    expect(out[0]).toMatch(new RegExp(`^Agent: up at ${url.replace(/\./g, '\\.')} \\(version ${version.replace(/\./g, '\\.')}, up \\d+s\\)$`));
    expect(out[1]).toBe(`Database: ${database}`);
    agent.signals.emit('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('says when something else answers on the port', async () => {
    const other = createServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')).listen(0, '127.0.0.1');
    await once(other, 'listening');
    try {
      writeConfig((other.address() as AddressInfo).port);
      const { io, out } = fakeIo();
      expect(await runAgentCli(['status', '--config', configFile], io)).toBe(0);
      expect(out[0]).toMatch(/\(something else answers there \(HTTP 404\), not a Lifeline agent; check http\.port in the config\)$/);
    } finally {
      other.close();
    }
  });

  it.each([
    [['status', '--jsn'], 'lifeline agent status: unknown option --jsn. Run "lifeline agent --help" for the options.'],
    [['status', 'now'], 'lifeline agent status: unexpected argument "now" (status takes only options). Run "lifeline agent --help" for the options.'],
  ])('refuses %j with exit code 2', async (argv, line) => {
    const { io, err } = fakeIo();
    expect(await runAgentCli(argv, io)).toBe(2);
    expect(err).toEqual([line]);
  });

  it('prints config problems and a damaged database in one line each, exit code 2', async () => {
    writeFileSync(configFile, 'http: { port: nope }\n');
    const bad = fakeIo();
    expect(await runAgentCli(['status', '--config', configFile], bad.io)).toBe(2);
    expect(bad.err).toEqual([`${configFile}: http.port: must be a whole number between 1 and 65535`]);

    writeConfig(await freePort());
    mkdirSync(join(dir, 'data'));
    writeFileSync(database, 'not a database');
    const damaged = fakeIo();
    expect(await runAgentCli(['status', '--config', configFile], damaged.io)).toBe(2);
    expect(damaged.err).toEqual([expect.stringMatching(new RegExp(`^lifeline agent status: ${database.replace(/\./g, '\\.')} is not a Lifeline agent database`))]);
  });
});
