import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { BridgeCallError } from './bridge/methods';
import { BridgeServer } from './bridge/server';
import { ensureSelfSignedCert } from './bridge/self-signed';
import { CommandExecutor } from './commands/executor';
import type { AgentConfig } from './config';
import { jobView } from './http/operator-views';
import type { Logger } from './log/logger';
import type { JobState } from './queue/job';
import { JOB_STATES } from './queue/job';
import type { JobQueue } from './queue/job-queue';
import { QueueError } from './queue/queue-error';
import type { Database } from './store/sqlite';
import { tmuxCapture, tmuxSend } from './tmux/send-capture';
import { TriggerWatcher } from './trigger/watcher';
import { version } from './version';

// The ways a command reaches this server besides HTTP (issue 5): the socket bridge and trigger files, both
// ending in the one executor whose ledger runs each command id once. (The tmux and exec layers type or
// exec `lifeline agent run-command`, which opens the same ledger from its own process.)

export interface CommandLayers {
  readonly executor: CommandExecutor;
  /** Starts the bridge (when it has a token) and the trigger watcher (when enabled). */
  start(): Promise<{ bridge?: { port: number; fingerprint?: string }; triggerDir?: string }>;
  close(graceMs: number): Promise<void>;
}

export function openCommandLayers(config: AgentConfig, deps: { db: Database; queue: JobQueue; log: Logger; logPath: string; startedAt: number }): CommandLayers {
  const { db, queue, log } = deps;
  const executor = new CommandExecutor({ db, options: config.commands });
  let bridge: BridgeServer | undefined;
  let trigger: TriggerWatcher | undefined;
  const tmux = config.tmux.socketName === undefined ? {} : { socketName: config.tmux.socketName };

  const startBridge = async (): Promise<{ port: number; fingerprint?: string } | undefined> => {
    const { token, tls } = config.bridge;
    if (token === undefined) {
      log.info('socket bridge off: set bridge.token in the config (lifeline agent init writes bridge.token) to turn it on');
      return undefined;
    }
    const pem = tls === undefined ? undefined : tls === 'self-signed' ? await ensureSelfSignedCert(config.dataDir) : { cert: readFileSync(tls.cert, 'utf8'), key: readFileSync(tls.key, 'utf8') };
    bridge = new BridgeServer(
      {
        host: config.bridge.host,
        port: config.bridge.port,
        token,
        ...(pem ? { tls: { cert: pem.cert, key: pem.key } } : {}),
        limits: { maxFrameBytes: config.bridge.maxFrameBytes },
      },
      {
        run: (params, onOutput) => executor.run(params, 'bridge', onOutput),
        commandGet: (commandId) => executor.get(commandId),
        status: () => ({
          agent: version,
          uptimeSeconds: Math.floor((Date.now() - deps.startedAt) / 1000),
          hostname: hostname(),
          loadAverage: loadavg(),
          jobs: queue.counts(),
        }),
        tmuxSend: (params) => tmuxSend({ ...tmux, ...params }),
        tmuxCapture: (params) => tmuxCapture({ ...tmux, ...params }),
        jobsList: ({ state, site, limit }) => queue.list({ ...(state ? { state: jobState(state) } : {}), ...(site ? { siteId: site } : {}), limit }).map(jobView),
        jobsGet: (id) => {
          const job = queue.get(id);
          return job ? jobView(job) : null;
        },
        jobsCancel: (id) => queue.cancel(id),
        jobsRetry: (id) => {
          try {
            return { ...queue.retry(id) };
          } catch (error) {
            if (error instanceof QueueError) throw new BridgeCallError('BAD_PARAMS', error.message);
            throw error;
          }
        },
        logsTail: (lines) => tail(deps.logPath, lines),
      },
      log.child({ component: 'bridge' }),
    );
    const listening = await bridge.listen();
    return { port: listening.port, ...(pem && 'fingerprint' in pem ? { fingerprint: pem.fingerprint } : {}) };
  };

  return {
    executor,
    async start() {
      const started: { bridge?: { port: number; fingerprint?: string }; triggerDir?: string } = {};
      const listening = await startBridge();
      if (listening) started.bridge = listening;
      if (config.trigger.enabled) {
        const { dir, rescanSeconds, retentionHours, maxFileBytes } = config.trigger;
        trigger = new TriggerWatcher(
          { dir, rescanMs: rescanSeconds * 1000, retentionMs: retentionHours * 3_600_000, maxFileBytes },
          (params) => executor.run(params, 'trigger'),
          log.child({ component: 'trigger' }),
        );
        await trigger.start();
        started.triggerDir = dir;
      }
      return started;
    },
    async close(graceMs) {
      await bridge?.close(graceMs);
      await trigger?.stop();
      await executor.close();
    },
  };
}

function jobState(state: string): JobState {
  if ((JOB_STATES as readonly string[]).includes(state)) return state as JobState;
  throw new BridgeCallError('BAD_PARAMS', `state must be one of ${JOB_STATES.join(', ')}; got "${state}".`);
}

/** The last `lines` lines of the agent's log, read from its last 4 MiB at most (a line is a few hundred bytes). */
function tail(path: string, lines: number): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, 4 * 1024 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    // A read that starts mid-file starts mid-line: that first piece is not a whole line.
    const whole = length < size ? text.slice(text.indexOf('\n') + 1) : text;
    return whole.split('\n').filter(Boolean).slice(-lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
