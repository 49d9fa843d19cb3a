import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { buildAgent, type Agent } from './app';
import { openCommandLayers, type CommandLayers } from './command-layers';
import type { AgentConfig } from './config';
import { DeployRunner } from './deploy/runner';
import { openAgentLog } from './log/agent-log';
import { claimLogNames } from './log/log-owner';
import { Logger, LogOutput } from './log/logger';
import type { RotatingLog } from './log/rotating-log';
import { AgentMetrics } from './metrics/agent-metrics';
import { GroupCommit } from './queue/group-commit';
import { JobQueue } from './queue/job-queue';
import { checkpointInBackground } from './store/checkpointer';
import type { Database } from './store/sqlite';
import { DeployWorker } from './worker';

/** The agent's working parts over one open database: the HTTP app, the queue, the deploy worker, logs, metrics. */
export interface AgentRuntime {
  readonly agent: Agent;
  readonly queue: JobQueue;
  readonly runner: DeployRunner;
  readonly worker: DeployWorker;
  readonly metrics: AgentMetrics;
  readonly log: Logger;
  /** The agent's own log file: logs/agent.log, or logs/agent-<pid>.log when another agent owns that one. */
  readonly logPath: string;
  /** Starts claiming and running deploys (after the HTTP side listens), the socket bridge and the trigger watcher. */
  start(): ReturnType<CommandLayers['start']>;
  /** Stops the worker (running deploys resume at their step next start), then flushes and closes the logs. */
  close(graceMs: number): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Files under the data dir: `agent.db`, `logs/agent.log` (JSON lines, rotated and gzipped),
 * `logs/security.log` (refused webhook and operator API requests), `jobs/<id>.log` (each deploy's output).
 */
export function openAgentRuntime(config: AgentConfig, db: Database, options: { now?: () => number } = {}): AgentRuntime {
  const now = options.now ?? Date.now;
  const logsDir = join(config.dataDir, 'logs');
  const ownership = claimLogNames(logsDir);
  const logPath = join(logsDir, `agent${ownership.suffix}.log`);
  const logFile = openAgentLog(logPath, config.logs);
  const securityFile = openAgentLog(join(logsDir, `security${ownership.suffix}.log`), config.logs);
  const output = new LogOutput({ sinks: [logFile], now });
  const log = new Logger(output);

  const checkpointer = checkpointInBackground(db, { onProblem: (message) => log.warn(message) });
  const queue = new JobQueue(db, {
    now,
    backoffSeconds: config.queue.backoffSeconds,
    maxAttempts: config.queue.maxAttempts,
    leaseSeconds: config.queue.leaseSeconds,
  });
  const deliveries = new GroupCommit(queue);
  const layers = openCommandLayers(config, { db, queue, log, logPath, startedAt: now() });
  const runner = new DeployRunner({ db, logsDir: join(config.dataDir, 'jobs'), jobLogMaxBytes: config.logs.jobLogMaxBytes, now });
  const metrics = new AgentMetrics({
    counts: () => queue.counts(),
    oldestQueuedAgeSeconds: () => queue.oldestQueuedAgeSeconds(),
    leasedSites: () => queue.list({ state: 'running' }).map((job) => job.siteId),
  });
  const worker = new DeployWorker({
    queue,
    runner,
    sites: new Map(config.sites.map((site) => [site.id, site])),
    concurrency: config.queue.concurrency,
    leaseSeconds: config.queue.leaseSeconds,
    log,
    metrics,
    now,
  });
  const agent = buildAgent({
    config,
    db,
    log,
    metrics,
    now,
    securityLog: (line) => securityFile.write(`${line}\n`),
    enqueue: async (input) => {
      const outcome = await deliveries.enqueue(input);
      if (outcome.status === 'accepted') worker.wake();
      return outcome;
    },
    operator: {
      queue,
      runner,
      runsHere: (jobId) => worker.active.some((job) => job.id === jobId),
      wake: () => worker.wake(),
      // The worker looks at a running job's cancel flag with each heartbeat, a third of the lease.
      cancelCheckSeconds: Math.ceil(config.queue.leaseSeconds / 3),
    },
  });

  // Dedupe records are kept for the configured days (at least 7); older ones are dropped hourly.
  const prune = (): void => {
    try {
      const dropped = queue.pruneDeliveries(config.queue.dedupeDays);
      if (dropped > 0) log.info('pruned old delivery records', { dropped });
    } catch (error) {
      log.error('could not prune delivery records', { error });
    }
  };
  let pruner: NodeJS.Timeout | undefined;

  return {
    agent,
    queue,
    runner,
    worker,
    metrics,
    log,
    logPath,
    async start() {
      prune();
      pruner = setInterval(prune, HOUR_MS);
      pruner.unref();
      worker.start();
      const started = await layers.start();
      log.info('agent started', { dataDir: config.dataDir, sites: config.sites.length, hooks: config.hooks.length, ...started });
      return started;
    },
    async close(graceMs) {
      clearInterval(pruner);
      await layers.close(graceMs);
      await worker.stop(graceMs);
      await checkpointer.stop();
      log.info('agent stopped');
      // Closed first: a deploy still winding down after the grace time must not write into ended files.
      output.close();
      await Promise.all([logFile, securityFile].map(endLog));
      ownership.release();
    },
  };
}

async function endLog(file: RotatingLog): Promise<void> {
  file.end();
  await finished(file).catch(() => undefined);
}
