import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandResult, RunParams } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import { CommandLedger, isEnded, ownerOf, toResult, type CommandRow, type Via } from './ledger';
import { DEFAULT_KILL_GRACE_MS, type CommandsOptions } from './options';
import { currentOwner, ownerAlive, type Owner } from './owner';
import { checkPolicy, decide, type Permitted } from './policy';
import { SpawnedCommand, type OutputListener, type SpawnOutcome } from './spawn-command';

export interface CommandExecutorDeps {
  /** The agent's database, with commandsMigration applied. */
  db: Database;
  options: CommandsOptions;
  /** The environment commands start from (the request's env is added to it); defaults to this process's. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

// How often a command that another process runs is looked at until it ends.
const FOREIGN_POLL_MS = 100;

/**
 * The one place every layer's command ends up (bridge, trigger file, `lifeline agent run-command`). A
 * command id runs at most once, ever: the id is recorded in the database before anything is spawned,
 * and every later arrival of it gets the recorded result instead — or waits for the run in progress, or,
 * when the process running it died, learns that it was lost. Lost commands are never run again: whether
 * they completed is unknown, and running twice is the one thing failover must not do.
 */
export class CommandExecutor {
  private readonly db: Database;
  private readonly ledger: CommandLedger;
  private readonly options: CommandsOptions;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;
  private readonly owner: Owner = currentOwner();
  private readonly inProgress = new Map<string, { spawned: SpawnedCommand; result: Promise<CommandResult> }>();
  private readonly closing = new AbortController();

  constructor(deps: CommandExecutorDeps) {
    checkPolicy(deps.options);
    this.db = deps.db;
    this.ledger = new CommandLedger(deps.db);
    this.options = deps.options;
    this.env = deps.env ?? process.env;
    this.now = deps.now ?? Date.now;
  }

  /**
   * Runs the command once per id, ever; later calls get the recorded result (`replayed: true`). Live
   * output goes to `onOutput` only for the call that runs it. Rejects only when the executor is closed or
   * the database fails; everything about the command itself (refused, not found, timed out) is a result.
   */
  async run(params: RunParams, via: Via, onOutput?: OutputListener): Promise<CommandResult> {
    if (this.closing.signal.aborted) throw closedError();
    // Everything up to the claim runs without awaiting, so two calls in this process cannot both claim.
    const ours = this.inProgress.get(params.commandId);
    if (ours) return { ...(await ours.result), replayed: true };

    const decision = decide(params, this.options);
    const base = { commandId: params.commandId, via, request: describe(params), requestedBy: params.requestedBy ?? null, at: this.now() };
    const existing = this.ledger.claim('refused' in decision ? { ...base, state: 'refused', message: decision.refused } : { ...base, state: 'running', owner: this.owner });
    if (existing) return this.outcomeOf(existing);
    if ('refused' in decision) return this.recorded(params.commandId, false);
    return this.spawn(params.commandId, decision.permitted, onOutput);
  }

  /**
   * A command's recorded result, or null when there is none yet: the agent never saw the id, or it is
   * still running (a `run` with the same id waits for it). A running command whose process died is
   * marked lost here, as `run` would.
   */
  get(commandId: string): CommandResult | null {
    const row = this.ledger.find(commandId);
    if (!row) return null;
    if (isEnded(row)) return toResult(row, true);
    return this.loseIfOrphaned(row) ?? null;
  }

  /**
   * Stops the commands this executor runs (their process groups: SIGTERM, then SIGKILL after the grace
   * time), records how they ended, and refuses new ones. Callers waiting on another process's command
   * stop waiting.
   */
  async close(): Promise<void> {
    this.closing.abort();
    const running = [...this.inProgress.values()];
    running.forEach(({ spawned }) => spawned.stop());
    await Promise.allSettled(running.map(({ result }) => result));
  }

  private spawn(commandId: string, permitted: Permitted, onOutput: OutputListener | undefined): Promise<CommandResult> {
    // Where an SSH exec would start (a relative cwd too), so a command behaves the same over every layer.
    const home = this.env.HOME ?? '/';
    const spawned = new SpawnedCommand({
      argv: permitted.argv,
      cwd: resolve(home, permitted.cwd ?? '.'),
      env: { ...this.env, ...permitted.env },
      timeoutMs: permitted.timeoutMs,
      killGraceMs: this.options.killGraceMs ?? DEFAULT_KILL_GRACE_MS,
      capBytes: this.options.outputCapBytes,
      onOutput,
    });
    const result = spawned.done
      .then((outcome) => {
        this.ledger.finish(commandId, this.owner, {
          state: outcome.timedOut ? 'timeout' : 'finished',
          exitCode: outcome.exitCode,
          signal: outcome.signal,
          stdout: outcome.stdout,
          stderr: outcome.stderr,
          truncated: outcome.truncated,
          message: this.explain(outcome, permitted),
          at: this.now(),
        });
        return this.recorded(commandId, false);
      })
      .finally(() => this.inProgress.delete(commandId));
    this.inProgress.set(commandId, { spawned, result });
    return result;
  }

  private explain(outcome: SpawnOutcome, permitted: Permitted): string | null {
    if (outcome.startError) return `It could not be started: ${outcome.startError}.`;
    if (outcome.timedOut) {
      return `The agent stopped it at its time limit of ${permitted.timeoutMs / 1000} s (its whole process group). Ask for a longer timeoutSeconds, up to the agent's limit.`;
    }
    if (this.closing.signal.aborted && outcome.signal !== null) return 'The agent stopped it while shutting down.';
    return null;
  }

  /** What a second arrival of an id gets: the recorded result, the running one's when it ends, or lost. */
  private async outcomeOf(row: CommandRow): Promise<CommandResult> {
    let current: CommandRow | undefined = row;
    for (;;) {
      if (!current) throw new Error(`The command ${row.command_id} vanished from the agent's database while it was awaited.`);
      if (isEnded(current)) return toResult(current, true);
      const lost = this.loseIfOrphaned(current);
      if (lost) return lost;
      // Another process (or another executor in this one) runs it: its row changes when it ends.
      await sleep(FOREIGN_POLL_MS, undefined, { signal: this.closing.signal }).catch(() => {
        throw closedError();
      });
      current = this.ledger.find(row.command_id);
    }
  }

  private loseIfOrphaned(row: CommandRow): CommandResult | undefined {
    const owner = ownerOf(row);
    if (!owner || ownerAlive(owner)) return undefined;
    this.ledger.markLost(
      row.command_id,
      owner,
      `The agent process (pid ${owner.pid}) that ran it stopped before it ended, so whether it completed is unknown. ` +
        `It is not run again under this id: check the server, then send it with a new id if it must run.`,
    );
    // Whoever marked it, the row now says how it ended.
    return this.get(row.command_id) ?? undefined;
  }

  private recorded(commandId: string, replayed: boolean): CommandResult {
    const row = this.ledger.find(commandId);
    if (!row || !isEnded(row)) throw new Error(`The command ${commandId} has no recorded end in the agent's database (${this.db.name}).`);
    return toResult(row, replayed);
  }
}

function closedError(): Error {
  return new Error('The agent is stopping, so it takes no more commands; send the command again (same id) once it runs again.');
}

/** The request as the ledger keeps it: the environment's names only, since its values may be secrets. */
function describe(params: RunParams): string {
  return JSON.stringify({
    argv: params.argv,
    named: params.named,
    cwd: params.cwd,
    env: params.env === undefined ? undefined : Object.keys(params.env),
    timeoutSeconds: params.timeoutSeconds,
  });
}
