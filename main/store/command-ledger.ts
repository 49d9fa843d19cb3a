import type { Database } from '../../agent/store/sqlite';
import type { LayerName } from '../links/adapters/layer';

// The desktop's audit of commands (schema step 3): one row per command, one per attempt over a layer.
// Everything handed to this repository is already redacted by the link manager.

/**
 * running: not ended yet (or the desktop stopped while it ran). finished, timeout, refused, lost: as the
 * agent reported. undelivered: no layer brought a result back; the command may still have run, and a
 * retry with the same id never runs it twice.
 */
export type CommandState = 'running' | 'finished' | 'timeout' | 'refused' | 'lost' | 'undelivered';

export interface CommandStart {
  readonly id: string;
  readonly serverId: string;
  readonly serverName: string;
  readonly argv: readonly string[] | null;
  readonly named: string | null;
  /** The saved command this ran, by the name it had then; null for a command typed in. */
  readonly savedCommand: string | null;
  readonly cwd: string | null;
  readonly requestedBy: string;
  readonly startedAt: string;
}

export interface CommandEnd {
  readonly state: Exclude<CommandState, 'running'>;
  readonly finishedAt: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  /** The layer that brought the result back; null when none did. */
  readonly layer: LayerName | null;
  readonly message: string | null;
}

export interface CommandAttempt {
  readonly seq: number;
  readonly layer: LayerName;
  readonly startedAt: string;
  /** Time to the layer's answer or failure; null while it runs. */
  readonly latencyMs: number | null;
  readonly outcome: 'running' | 'ok' | 'failed';
  /** A LinkError code (UNREACHABLE, TIMEOUT, …) when it failed. */
  readonly errorCode: string | null;
  readonly error: string | null;
}

export interface CommandRecord extends Omit<CommandStart, 'serverId'> {
  /** null once the server was deleted (`serverName` keeps the name it had). */
  readonly serverId: string | null;
  readonly state: CommandState;
  readonly finishedAt: string | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly layer: LayerName | null;
  readonly message: string | null;
  readonly attempts: readonly CommandAttempt[];
}

interface CommandRow {
  id: string;
  server_id: string | null;
  server_name: string;
  argv: string | null;
  named: string | null;
  saved_command: string | null;
  cwd: string | null;
  requested_by: string;
  started_at: string;
  finished_at: string | null;
  state: CommandState;
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: 0 | 1;
  layer: LayerName | null;
  message: string | null;
}

interface AttemptRow {
  seq: number;
  layer: LayerName;
  started_at: string;
  latency_ms: number | null;
  outcome: CommandAttempt['outcome'];
  error_code: string | null;
  error: string | null;
}

export class CommandLedgerRepository {
  private readonly statements;

  constructor(db: Database) {
    this.statements = {
      start: db.prepare<[Pick<CommandRow, 'id' | 'server_id' | 'server_name' | 'argv' | 'named' | 'saved_command' | 'cwd' | 'requested_by' | 'started_at'>]>(`
        INSERT INTO commands (id, server_id, server_name, argv, named, saved_command, cwd, requested_by, started_at, state)
        VALUES (:id, :server_id, :server_name, :argv, :named, :saved_command, :cwd, :requested_by, :started_at, 'running')`),
      // Guarded: a command ends once; a second end (a bug) changes nothing.
      finish: db.prepare<[Pick<CommandRow, 'id' | 'state' | 'finished_at' | 'exit_code' | 'signal' | 'stdout' | 'stderr' | 'truncated' | 'layer' | 'message'>]>(`
        UPDATE commands SET state = :state, finished_at = :finished_at, exit_code = :exit_code, signal = :signal,
          stdout = :stdout, stderr = :stderr, truncated = :truncated, layer = :layer, message = :message
        WHERE id = :id AND state = 'running'`),
      addAttempt: db.prepare<[{ command_id: string; layer: LayerName; started_at: string }], { seq: number }>(`
        INSERT INTO command_attempts (command_id, seq, layer, started_at, outcome)
        VALUES (:command_id, (SELECT coalesce(max(seq), 0) + 1 FROM command_attempts WHERE command_id = :command_id), :layer, :started_at, 'running')
        RETURNING seq`),
      endAttempt: db.prepare<[{ command_id: string; seq: number; latency_ms: number; outcome: 'ok' | 'failed'; error_code: string | null; error: string | null }]>(`
        UPDATE command_attempts SET latency_ms = :latency_ms, outcome = :outcome, error_code = :error_code, error = :error
        WHERE command_id = :command_id AND seq = :seq AND outcome = 'running'`),
      byId: db.prepare<[string], CommandRow>('SELECT * FROM commands WHERE id = ?'),
      recent: db.prepare<[number], CommandRow>('SELECT * FROM commands ORDER BY started_at DESC LIMIT ?'),
      attempts: db.prepare<[string], AttemptRow>('SELECT seq, layer, started_at, latency_ms, outcome, error_code, error FROM command_attempts WHERE command_id = ? ORDER BY seq'),
    };
  }

  start(command: CommandStart): void {
    this.statements.start.run({
      id: command.id,
      server_id: command.serverId,
      server_name: command.serverName,
      argv: command.argv === null ? null : JSON.stringify(command.argv),
      named: command.named,
      saved_command: command.savedCommand,
      cwd: command.cwd,
      requested_by: command.requestedBy,
      started_at: command.startedAt,
    });
  }

  /** Records that an attempt over `layer` began; returns its number within the command (1, 2, …). */
  startAttempt(commandId: string, layer: LayerName, startedAt: string): number {
    return this.statements.addAttempt.get({ command_id: commandId, layer, started_at: startedAt })!.seq;
  }

  endAttempt(commandId: string, seq: number, end: { latencyMs: number; ok: boolean; errorCode?: string; error?: string }): void {
    this.statements.endAttempt.run({
      command_id: commandId,
      seq,
      latency_ms: end.latencyMs,
      outcome: end.ok ? 'ok' : 'failed',
      error_code: end.errorCode ?? null,
      error: end.error ?? null,
    });
  }

  finish(commandId: string, end: CommandEnd): void {
    this.statements.finish.run({
      id: commandId,
      state: end.state,
      finished_at: end.finishedAt,
      exit_code: end.exitCode,
      signal: end.signal,
      stdout: end.stdout,
      stderr: end.stderr,
      truncated: end.truncated ? 1 : 0,
      layer: end.layer,
      message: end.message,
    });
  }

  get(commandId: string): CommandRecord | undefined {
    const row = this.statements.byId.get(commandId);
    return row && this.toRecord(row);
  }

  /** The newest commands first. */
  recent(limit: number): CommandRecord[] {
    return this.statements.recent.all(limit).map((row) => this.toRecord(row));
  }

  private toRecord(row: CommandRow): CommandRecord {
    return {
      id: row.id,
      serverId: row.server_id,
      serverName: row.server_name,
      argv: row.argv === null ? null : (JSON.parse(row.argv) as string[]),
      named: row.named,
      savedCommand: row.saved_command,
      cwd: row.cwd,
      requestedBy: row.requested_by,
      startedAt: row.started_at,
      state: row.state,
      finishedAt: row.finished_at,
      exitCode: row.exit_code,
      signal: row.signal,
      stdout: row.stdout,
      stderr: row.stderr,
      truncated: row.truncated === 1,
      layer: row.layer,
      message: row.message,
      attempts: this.statements.attempts.all(row.id).map((attempt) => ({
        seq: attempt.seq,
        layer: attempt.layer,
        startedAt: attempt.started_at,
        latencyMs: attempt.latency_ms,
        outcome: attempt.outcome,
        errorCode: attempt.error_code,
        error: attempt.error,
      })),
    };
  }
}
