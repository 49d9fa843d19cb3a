import type { AgentCliIo } from './cli';
import { parseCommandArgs } from './cli-args';
import { formatAge, withOperatorContext } from './cli-operator';
import { isoTime } from './http/operator-views';
import { JOB_STATES } from './queue/job';

const PROBE_TIMEOUT_MS = 3000;

interface AgentProbe {
  url: string;
  up: boolean;
  version?: string;
  uptimeSeconds?: number;
  /** Why it is not up: refused, timed out, or something else answering. */
  problem?: string;
}

/**
 * `lifeline agent status`: is the agent answering on its port, and what its queue holds (read from the
 * database, so the second part works while the agent is down).
 */
export async function runStatus(argv: string[], io: AgentCliIo): Promise<number> {
  const args = parseCommandArgs(argv, { config: { type: 'string' }, json: { type: 'boolean' } }, false, 'status takes only options');
  if ('error' in args) {
    io.err(`lifeline agent status: ${args.error} Run "lifeline agent --help" for the options.`);
    return 2;
  }
  const { config: configFile, json = false } = args.values;
  return withOperatorContext('status', configFile, io, async ({ config, databasePath, queue }) => {
    const agent = await probe(config.http);
    const now = Date.now();
    const counts = queue?.counts() ?? Object.fromEntries(JOB_STATES.map((state) => [state, 0]));
    const running = (queue?.list({ state: 'running', limit: 1000 }) ?? []).map((job) => ({
      jobId: job.id,
      siteId: job.siteId,
      commit: job.request.commit,
      startedAt: isoTime(job.startedAt),
      ageSeconds: job.startedAt === null ? null : Math.max(0, (now - job.startedAt) / 1000),
      leaseOwner: job.leaseOwner,
      // Its agent stopped renewing it: the next agent to poll takes the job back and resumes it.
      leaseExpired: job.leaseExpiresAt !== null && job.leaseExpiresAt < now,
    }));
    const status = {
      agent,
      database: queue ? databasePath : null,
      jobs: counts,
      running,
      pausedSites: queue?.pausedSites() ?? [],
      oldestQueuedAgeSeconds: queue?.oldestQueuedAgeSeconds() ?? null,
    };
    if (json) {
      io.out(JSON.stringify(status, null, 2));
      return 0;
    }
    io.out(
      agent.up
        ? `Agent: up at ${agent.url} (version ${agent.version ?? '?'}, up ${formatAge(agent.uptimeSeconds ?? 0)})`
        : `Agent: not answering at ${agent.url} (${agent.problem ?? 'no answer'})`,
    );
    if (!queue) {
      io.out(`Database: none yet at ${databasePath} (the agent has not run with this config).`);
      return 0;
    }
    io.out(`Database: ${databasePath}`);
    io.out(`Jobs: ${JOB_STATES.map((state) => `${counts[state] ?? 0} ${state}`).join(', ')}`);
    io.out(`Oldest waiting job: ${status.oldestQueuedAgeSeconds === null ? 'none waiting' : `waiting for ${formatAge(status.oldestQueuedAgeSeconds)}`}`);
    io.out(`Paused sites: ${status.pausedSites.length ? status.pausedSites.join(', ') : 'none'}`);
    io.out(running.length ? 'Running:' : 'Running: nothing');
    for (const job of running) {
      const age = job.ageSeconds === null ? '' : ` for ${formatAge(job.ageSeconds)}`;
      const lease = job.leaseExpired ? 'lease expired: its agent stopped; the next agent to poll resumes it' : `lease held by ${job.leaseOwner ?? '?'}`;
      io.out(`  job ${job.jobId}  site ${job.siteId}  commit ${job.commit.slice(0, 12)}${age}  (${lease})`);
    }
    return 0;
  });
}

/** GET /health on the agent's configured port. An agent listening on every interface is asked on loopback. */
async function probe(http: { host: string; port: number }): Promise<AgentProbe> {
  const host = http.host === '0.0.0.0' ? '127.0.0.1' : http.host === '::' ? '::1' : http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${http.port}`;
  let response: Response;
  try {
    response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (error) {
    return { url, up: false, problem: describeFetchError(error) };
  }
  const body = (await response.json().catch(() => undefined)) as { status?: unknown; version?: unknown; uptimeSeconds?: unknown } | undefined;
  if (!response.ok || body?.status !== 'ok' || typeof body.version !== 'string') {
    return { url, up: false, problem: `something else answers there (HTTP ${response.status}), not a Lifeline agent; check http.port in the config` };
  }
  return { url, up: true, version: body.version, ...(typeof body.uptimeSeconds === 'number' ? { uptimeSeconds: body.uptimeSeconds } : {}) };
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused: it is not running, or listens elsewhere';
  return error instanceof Error ? `${error.message}${typeof code === 'string' ? ` (${code})` : ''}` : String(error);
}
