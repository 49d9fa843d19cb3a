import { randomUUID } from 'node:crypto';
import type { CommandRunEvent, CommandRunInfo, CommandRunUpdate, LinkLayer, Result } from '../../preload/api';
import { eachLimited } from '../links/each-limited';
import type { CommandRequest, LinkManager } from '../links/manager';
import { toCommandRecordInfo } from './command-records';
import { Emitter } from './emitter';
import { fail, ok } from './errors';
import type { Redaction } from '../links/redact';
import { LiveOutput } from './live-output';

// Runs of the command panel: one command on many servers through the link manager, at most `concurrency`
// at once. What happens is sent to every window in batches (one event per run per flush), so a flood of
// output from fifty servers is a few messages a second, not thousands.

export interface CommandRunsOptions {
  /** Who runs the commands, for the ledgers. */
  readonly requestedBy: string;
  /** How long updates are gathered before they are sent. */
  readonly flushMs: number;
  /** Live output passed on per server and stream; the result has the ledger's copy of the rest. */
  readonly liveOutputChars: number;
  /** Finished runs kept for retries; the oldest is forgotten first. */
  readonly keptRuns: number;
}

export const DEFAULT_COMMAND_RUNS_OPTIONS: Omit<CommandRunsOptions, 'requestedBy'> = { flushMs: 50, liveOutputChars: 256 * 1024, keptRuns: 100 };

export interface RunPlan {
  readonly servers: readonly { readonly serverId: string; readonly serverName: string }[];
  readonly request: CommandRequest;
  readonly concurrency: number;
  readonly layer?: LinkLayer;
  /** The saved command's name when one is run (retries keep it). */
  readonly savedCommand?: string;
}

interface ServerRun {
  readonly serverId: string;
  readonly serverName: string;
  running: boolean;
}

interface Run {
  readonly id: string;
  readonly plan: RunPlan;
  readonly servers: Map<string, ServerRun>;
  pending: CommandRunUpdate[];
  timer: NodeJS.Timeout | undefined;
}

export class CommandRuns {
  private readonly options: CommandRunsOptions;
  private readonly runs = new Map<string, Run>();
  /** The run and server of each command in flight, for the link manager's attempt events. */
  private readonly commands = new Map<string, { run: Run; serverId: string; redaction: Redaction }>();
  private readonly emitter = new Emitter<CommandRunEvent>();
  private readonly stopping = new AbortController();
  private readonly stopListening: () => void;
  readonly onEvent = this.emitter.event;

  constructor(
    private readonly manager: Pick<LinkManager, 'run' | 'onAttempt' | 'redactionFor'>,
    options: Partial<CommandRunsOptions> & Pick<CommandRunsOptions, 'requestedBy'>,
  ) {
    this.options = { ...DEFAULT_COMMAND_RUNS_OPTIONS, ...options };
    this.stopListening = manager.onAttempt((event) => {
      const owner = this.commands.get(event.commandId);
      if (!owner) return;
      const at = new Date(event.at).toISOString();
      const base = { kind: 'attempt' as const, serverId: owner.serverId, commandId: event.commandId, layer: event.layer, at };
      if (event.kind === 'skip') this.queue(owner.run, { ...base, phase: 'skipped', latencyMs: null, errorCode: null, error: null });
      else if (event.kind === 'start') this.queue(owner.run, { ...base, phase: 'started', latencyMs: null, errorCode: null, error: null });
      else {
        // The ledger stores the message redacted; the event gets the same treatment.
        const error = event.error ? owner.redaction.text(event.error.message) : null;
        this.queue(owner.run, { ...base, phase: event.ok ? 'ok' : 'failed', latencyMs: event.latencyMs, errorCode: event.error?.code ?? null, error });
      }
    });
  }

  /** Starts the plan's command on each of its servers; answers at once. */
  start(plan: RunPlan): CommandRunInfo {
    const run: Run = { id: randomUUID(), plan, servers: new Map(), pending: [], timer: undefined };
    for (const server of plan.servers) run.servers.set(server.serverId, { ...server, running: false });
    this.forgetOldRuns();
    this.runs.set(run.id, run);
    this.execute(run, [...run.servers.values()]);
    return infoOf(run, [...run.servers.values()]);
  }

  /** Runs the command again, with a new id, on these servers of the run. */
  retry(runId: string, serverIds: readonly string[]): Result<CommandRunInfo> {
    const run = this.runs.get(runId);
    if (!run) return fail('NOT_FOUND', 'This run is no longer kept (Lifeline restarted, or many runs came after it); start the command again.');
    const chosen: ServerRun[] = [];
    for (const serverId of new Set(serverIds)) {
      const server = run.servers.get(serverId);
      if (!server) return fail('VALIDATION', `Server ${serverId} is not part of this run; retry only servers the run went to.`, { serverIds: 'Choose servers of this run' });
      if (server.running) return fail('CONFLICT', `${server.serverName} is still running this command; wait for its result, then retry.`);
      chosen.push(server);
    }
    this.execute(run, chosen);
    return ok(infoOf(run, chosen));
  }

  /** Gives up waiting for commands in flight (they may run on; their ids keep retries from running them twice). */
  dispose(): void {
    this.stopping.abort();
    this.stopListening();
    for (const run of this.runs.values()) clearTimeout(run.timer);
    this.runs.clear();
    this.emitter.dispose();
  }

  private execute(run: Run, servers: ServerRun[]): void {
    for (const server of servers) server.running = true;
    void eachLimited(servers, run.plan.concurrency, (server) => this.runOn(run, server));
  }

  private async runOn(run: Run, server: ServerRun): Promise<void> {
    const { serverId } = server;
    let commandId: string | undefined;
    try {
      if (this.stopping.signal.aborted) throw new Error('Lifeline is shutting down.');
      const redaction = this.manager.redactionFor(serverId);
      const output = new LiveOutput(redaction, this.options.liveOutputChars, (stream, text, cut) =>
        this.queueOutput(run, serverId, stream, text, cut),
      );
      const record = await this.manager
        .run(serverId, run.plan.request, {
          requestedBy: this.options.requestedBy,
          signal: this.stopping.signal,
          ...(run.plan.layer ? { layer: run.plan.layer } : {}),
          ...(run.plan.savedCommand ? { savedCommand: run.plan.savedCommand } : {}),
          onStart: (id) => {
            commandId = id;
            this.commands.set(id, { run, serverId, redaction });
            this.queue(run, { kind: 'started', serverId, commandId: id, at: new Date().toISOString() });
          },
          onOutput: (stream, text) => output.push(stream, text),
        })
        .finally(() => output.end());
      this.queue(run, { kind: 'result', serverId, result: toCommandRecordInfo(record) });
    } catch (error) {
      // Refused before anything was recorded: the server was deleted meanwhile, or the manager stopped.
      this.queue(run, { kind: 'notRun', serverId, message: `Not run on ${server.serverName}: ${(error as Error).message}` });
    } finally {
      if (commandId) this.commands.delete(commandId);
      server.running = false;
      if (![...run.servers.values()].some((other) => other.running)) this.flush(run);
    }
  }

  private queueOutput(run: Run, serverId: string, stream: 'stdout' | 'stderr', text: string, cut: boolean): void {
    const last = run.pending.at(-1);
    // Output of one server and stream in a row is one update.
    if (last?.kind === 'output' && last.serverId === serverId && last.stream === stream && !last.cut) {
      last.text += text;
      if (cut) last.cut = true;
      this.schedule(run);
      return;
    }
    this.queue(run, { kind: 'output', serverId, stream, text, ...(cut ? { cut: true as const } : {}) });
  }

  private queue(run: Run, update: CommandRunUpdate): void {
    if (this.stopping.signal.aborted) return;
    run.pending.push(update);
    this.schedule(run);
  }

  private schedule(run: Run): void {
    run.timer ??= setTimeout(() => this.flush(run), this.options.flushMs);
  }

  private flush(run: Run): void {
    clearTimeout(run.timer);
    run.timer = undefined;
    if (this.stopping.signal.aborted) return;
    const done = ![...run.servers.values()].some((server) => server.running);
    if (run.pending.length === 0 && !done) return;
    const updates = run.pending;
    run.pending = [];
    this.emitter.fire({ runId: run.id, updates, done });
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.values()].filter((run) => ![...run.servers.values()].some((server) => server.running));
    // Maps keep insertion order: the first finished runs are the oldest.
    for (const run of finished.slice(0, Math.max(0, this.runs.size + 1 - this.options.keptRuns))) this.runs.delete(run.id);
  }
}

function infoOf(run: Run, servers: readonly ServerRun[]): CommandRunInfo {
  return { runId: run.id, servers: servers.map((server) => ({ serverId: server.serverId, serverName: server.serverName })) };
}
