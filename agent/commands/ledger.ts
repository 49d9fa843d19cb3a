import type { CommandResult } from '../protocol/messages';
import type { Database } from '../store/sqlite';
import type { Owner } from './owner';

export type CommandState = 'running' | 'finished' | 'timeout' | 'refused' | 'lost';
export type Via = 'bridge' | 'trigger' | 'cli';

export interface CommandRow {
  command_id: string;
  state: CommandState;
  via: Via;
  request: string;
  requested_by: string | null;
  owner_pid: number | null;
  owner_start: string | null;
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: 0 | 1;
  message: string | null;
  started_at: number;
  finished_at: number | null;
}

/** A new row: a command about to be spawned (running, with its owner) or one the policy refused. */
export type NewCommand =
  | { state: 'running'; commandId: string; via: Via; request: string; requestedBy: string | null; owner: Owner; at: number }
  | { state: 'refused'; commandId: string; via: Via; request: string; requestedBy: string | null; message: string; at: number };

export interface Ending {
  state: 'finished' | 'timeout';
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  message: string | null;
  at: number;
}

/**
 * The commands table, one guarded statement per change. A row is only ever inserted once (the id is the
 * key) and leaves `running` once: the updates name the owner they expect, so a process that was taken
 * for dead cannot overwrite the `lost` that replaced its row, nor a second claim the first.
 */
export class CommandLedger {
  private readonly selectRow;
  private readonly insertRow;
  private readonly finishRow;
  private readonly loseRow;

  constructor(private readonly db: Database) {
    this.selectRow = db.prepare<[string], CommandRow>('SELECT * FROM commands WHERE command_id = ?');
    this.insertRow = db.prepare(
      `INSERT INTO commands (command_id, state, via, request, requested_by, owner_pid, owner_start, message, started_at, finished_at)
       VALUES (@commandId, @state, @via, @request, @requestedBy, @ownerPid, @ownerStart, @message, @at, @finishedAt)
       ON CONFLICT (command_id) DO NOTHING`,
    );
    this.finishRow = db.prepare(
      `UPDATE commands SET state = @state, exit_code = @exitCode, signal = @signal, stdout = @stdout, stderr = @stderr,
         truncated = @truncated, message = @message, finished_at = @at
       WHERE command_id = @commandId AND state = 'running' AND owner_pid = @ownerPid AND owner_start = @ownerStart`,
    );
    this.loseRow = db.prepare(
      `UPDATE commands SET state = 'lost', message = @message
       WHERE command_id = @commandId AND state = 'running' AND owner_pid = @ownerPid AND owner_start = @ownerStart`,
    );
  }

  find(commandId: string): CommandRow | undefined {
    return this.selectRow.get(commandId);
  }

  /**
   * Records a command unless its id is already there, under the write lock, so two processes claiming
   * the same id at once cannot both win. Returns the row that was there when the claim lost.
   */
  claim(command: NewCommand): CommandRow | undefined {
    const claim = this.db.transaction(() => {
      const existing = this.selectRow.get(command.commandId);
      if (existing) return existing;
      this.insertRow.run({
        commandId: command.commandId,
        state: command.state,
        via: command.via,
        request: command.request,
        requestedBy: command.requestedBy,
        ownerPid: command.state === 'running' ? command.owner.pid : null,
        ownerStart: command.state === 'running' ? command.owner.start : null,
        message: command.state === 'refused' ? command.message : null,
        at: command.at,
        finishedAt: command.state === 'refused' ? command.at : null,
      });
      return undefined;
    });
    return claim.immediate();
  }

  finish(commandId: string, owner: Owner, ending: Ending): void {
    this.finishRow.run({
      commandId,
      ownerPid: owner.pid,
      ownerStart: owner.start,
      state: ending.state,
      exitCode: ending.exitCode,
      signal: ending.signal,
      stdout: ending.stdout,
      stderr: ending.stderr,
      truncated: ending.truncated ? 1 : 0,
      message: ending.message,
      at: ending.at,
    });
  }

  /** Marks a running command whose owner is gone as lost; false when its row had already changed. */
  markLost(commandId: string, owner: Owner, message: string): boolean {
    return this.loseRow.run({ commandId, ownerPid: owner.pid, ownerStart: owner.start, message }).changes === 1;
  }
}

export type EndedRow = CommandRow & { state: Exclude<CommandState, 'running'> };

export function isEnded(row: CommandRow): row is EndedRow {
  return row.state !== 'running';
}

/** An ended row as the protocol's result. */
export function toResult(row: EndedRow, replayed: boolean): CommandResult {
  return {
    commandId: row.command_id,
    exitCode: row.exit_code,
    signal: row.signal,
    state: row.state,
    stdout: row.stdout,
    stderr: row.stderr,
    truncated: row.truncated === 1,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
    durationMs: row.finished_at === null ? null : row.finished_at - row.started_at,
    replayed,
    ...(row.message === null ? {} : { message: row.message }),
  };
}

export function ownerOf(row: CommandRow): Owner | undefined {
  return row.owner_pid === null || row.owner_start === null ? undefined : { pid: row.owner_pid, start: row.owner_start };
}
