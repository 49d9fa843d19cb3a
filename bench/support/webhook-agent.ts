// Lifeline's side: a real `lifeline agent` process, configured by `lifeline agent init` and changed only
// where a benchmark must: the example site queues every push (fifo) and its one step parks the queue.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { parseDocument } from 'yaml';
import { freeLoopbackPort } from '../../main/ssh/testing/free-port';
import { startPinnedServer, type PinnedServer } from './webhook-process';

const ROOT = resolve(__dirname, '../..');
const LAUNCHER = join(ROOT, 'bin/lifeline.cjs');
// Generous: the launcher rebuilds out/ first when a source changed since the last build.
const BUILD_TIMEOUT_MS = 180_000;
const START_TIMEOUT_MS = 120_000;
/** Longer than the whole benchmark: the first deploy is still running when the agent is stopped. */
const PARK_SECONDS = 600;

export interface AgentUnderBench {
  readonly server: PinnedServer;
  readonly hookUrl: string;
  /** From the webhook.secret that init wrote. */
  readonly secret: string;
  /** agent.db in the agent's data folder. */
  readonly database: string;
}

/**
 * `lifeline agent init --dir <dir>`, then the example site set to `fifo` with one step that sleeps for
 * longer than the benchmark: the first delivery's deploy holds the site, and every later one waits in
 * the queue, so each accepted delivery stays a job and no deploy competes with ingress for the CPU.
 * Then `lifeline agent --config … --port <free>` pinned to `cpu`, ready once /health/ready answers 200.
 */
export async function startLifelineAgent(dir: string, cpu: number): Promise<AgentUnderBench> {
  const init = spawnSync(process.execPath, [LAUNCHER, 'agent', 'init', '--dir', dir], { cwd: ROOT, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS });
  if (init.status !== 0) throw new Error(`lifeline agent init ended with ${init.status ?? init.signal ?? init.error?.message}:\n${init.stderr}`);
  const config = join(dir, 'agent.yaml');
  writeFileSync(config, parkedFifoConfig(readFileSync(config, 'utf8')));

  const port = await freeLoopbackPort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await startPinnedServer({
    name: 'lifeline agent',
    command: process.execPath,
    args: [LAUNCHER, 'agent', '--config', config, '--port', String(port)],
    cwd: ROOT,
    cpu,
    outputFile: join(dir, 'agent.out'),
    readyUrl: `${origin}/health/ready`,
    readyStatus: 200,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return {
    server,
    hookUrl: `${origin}/hooks/example`,
    secret: readFileSync(join(dir, 'webhook.secret'), 'utf8').trim(),
    // init's config keeps the data next to it, in data/.
    database: join(dir, 'data', 'agent.db'),
  };
}

/** init's config with the example site queueing every push and parked by its one long step. */
function parkedFifoConfig(text: string): string {
  const doc = parseDocument(text);
  if (doc.getIn(['sites', 0, 'id']) !== 'example' || doc.getIn(['hooks', 0, 'site']) !== 'example') {
    throw new Error('The config from `lifeline agent init` no longer has the hook "example" for the site "example" first; update the benchmark.');
  }
  doc.setIn(['sites', 0, 'queue'], 'fifo');
  doc.setIn(['sites', 0, 'steps'], doc.createNode([{ kind: 'command', name: 'park the queue', argv: ['sleep', String(PARK_SECONDS)] }]));
  return doc.toString();
}

/** Read-only counts from the agent's database, safe while the agent writes (WAL). */
export class AgentJobCounts {
  private readonly db: BetterSqlite3.Database;

  constructor(database: string) {
    this.db = new BetterSqlite3(database, { readonly: true, fileMustExist: true });
  }

  /** Jobs made from deliveries whose id starts with `tag-` (one wrk run's). */
  ofRun(tag: string): number {
    // A range rather than LIKE, so the deliveries' primary key finds them; "." sorts right after "-".
    const row = this.db
      .prepare('SELECT count(*) AS n FROM deliveries d JOIN jobs j ON j.id = d.job_id WHERE d.hook_id = ? AND d.delivery_id >= ? AND d.delivery_id < ?')
      .get('example', `${tag}-`, `${tag}.`) as { n: number };
    return row.n;
  }

  /** Every job and every delivery record: each delivery must have made exactly one job. */
  totals(): { jobs: number; deliveries: number } {
    const jobs = (this.db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
    const deliveries = (this.db.prepare('SELECT count(*) AS n FROM deliveries').get() as { n: number }).n;
    return { jobs, deliveries };
  }

  close(): void {
    this.db.close();
  }
}
