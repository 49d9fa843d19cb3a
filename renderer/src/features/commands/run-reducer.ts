import type { CommandRecordInfo, CommandRunEvent, CommandRunInfo, CommandRunUpdate, CommandState, LinkLayer } from '../../../../preload/api';

// The command panel's runs as the window shows them, built from the main side's batched progress events.
// Pure functions over immutable values: a batch touches only the rows it mentions, so the table's other
// rows keep their identity and are not rendered again, and a whole batch is one store update.

/** Output kept per server and stream. Fifty servers streaming at once must not fill the window's memory; the ledger (Recent commands) keeps the longer copy. */
export const ROW_OUTPUT_CAP = 32 * 1024;
/** Runs shown at once; older finished ones give way (the ledger keeps them). */
export const KEPT_RUNS = 10;

/** queued: waiting for a free slot (the run's concurrency). notRun: nothing was sent or recorded. */
export type RowPhase = 'queued' | 'running' | 'ended' | 'notRun';

export interface AttemptView {
  layer: LinkLayer;
  /** started: still under way; skipped: the layer was down by its probes. */
  phase: 'started' | 'ok' | 'failed' | 'skipped';
  latencyMs: number | null;
  errorCode: string | null;
  error: string | null;
}

export interface RowResult {
  state: CommandState;
  exitCode: number | null;
  signal: string | null;
  layer: LinkLayer | null;
  durationMs: number | null;
  message: string | null;
}

export interface RowView {
  serverId: string;
  serverName: string;
  /** The command this row shows; a retry gives the server a new one. */
  commandId: string | null;
  phase: RowPhase;
  attempts: AttemptView[];
  stdout: string;
  stderr: string;
  /** This window dropped output beyond ROW_OUTPUT_CAP. */
  cutHere: boolean;
  /** The main side sent no more (its live limit, or the ledger's limit in the result). */
  cutAtSource: boolean;
  result: RowResult | null;
  /** Why nothing ran (phase notRun). */
  notRunMessage: string | null;
}

export interface RunView {
  runId: string;
  /** What was run, for the table's heading; null until known for a run started in another window. */
  label: string | null;
  /** Started by this window (false: only its events were seen). */
  startedHere: boolean;
  /** Started with confirmDangerous: running it again asks again. */
  dangerous: boolean;
  /** No server of the run is running any more. */
  done: boolean;
  /** In the order the servers start. */
  rows: RowView[];
}

/** Looks a server's name up by id, for rows first seen in an event (which names servers by id only). */
export type NameOf = (serverId: string) => string | undefined;

/** ok: finished with exit code 0. failed: anything else that ended. */
export type RowOutcome = 'running' | 'ok' | 'failed';

export function rowOutcome(row: RowView): RowOutcome {
  if (row.phase === 'queued' || row.phase === 'running') return 'running';
  return row.phase === 'ended' && row.result?.state === 'finished' && row.result.exitCode === 0 ? 'ok' : 'failed';
}

/** Failures worth running again: a non-zero exit, a time-out, a lost or undelivered command. A refusal by the agent's policy would only be refused again. */
export function isRetryable(row: RowView): boolean {
  if (row.phase !== 'ended' || !row.result) return false;
  const { state, exitCode } = row.result;
  return (state === 'finished' && exitCode !== 0) || state === 'timeout' || state === 'lost' || state === 'undelivered';
}

/** A retry asks first when the run was of a dangerous command, or was started elsewhere (this window cannot tell). */
export function retryNeedsConfirming(run: RunView): boolean {
  return run.dangerous || !run.startedHere;
}

export function retryableServerIds(run: RunView): string[] {
  return run.rows.filter(isRetryable).map((row) => row.serverId);
}

/** The run this window just started: its rows in start order, merged with any of its events that came first. */
export function registerRun(runs: readonly RunView[], info: CommandRunInfo, label: string, dangerous: boolean): readonly RunView[] {
  const existing = runs.find((run) => run.runId === info.runId);
  const seen = new Map(existing?.rows.map((row) => [row.serverId, row]));
  const rows = info.servers.map((server) => {
    const row = seen.get(server.serverId);
    seen.delete(server.serverId);
    return row ? { ...row, serverName: server.serverName } : emptyRow(server.serverId, server.serverName);
  });
  const run: RunView = { runId: info.runId, label, startedHere: true, dangerous, done: existing?.done ?? false, rows: [...rows, ...seen.values()] };
  return keepRecent([run, ...runs.filter((other) => other.runId !== info.runId)]);
}

/** Applies one batch of progress. A run not seen before (started in another window, or its events came before its answer) is added. */
export function applyRunEvent(runs: readonly RunView[], event: CommandRunEvent, nameOf: NameOf): readonly RunView[] {
  const index = runs.findIndex((run) => run.runId === event.runId);
  const before: RunView = index === -1 ? { runId: event.runId, label: null, startedHere: false, dangerous: false, done: false, rows: [] } : runs[index]!;
  const rows = [...before.rows];
  const positions = new Map(rows.map((row, position) => [row.serverId, position]));
  // Rows are copied once, on their first update in the batch, and then changed in place.
  const copied = new Set<number>();
  let label = before.label;
  for (const update of event.updates) {
    let position = positions.get(update.serverId);
    if (position === undefined) {
      position = rows.push(emptyRow(update.serverId, nameOf(update.serverId) ?? update.serverId)) - 1;
      positions.set(update.serverId, position);
      copied.add(position);
    } else if (!copied.has(position)) {
      rows[position] = { ...rows[position]!, attempts: [...rows[position]!.attempts] };
      copied.add(position);
    }
    const row = rows[position]!;
    applyUpdate(row, update);
    if (update.kind === 'result' && label === null) label = labelOfRecord(update.result);
  }
  const run: RunView = { ...before, label, rows, done: event.done };
  if (index === -1) return keepRecent([run, ...runs]);
  const next = [...runs];
  next[index] = run;
  return next;
}

/**
 * After retryCommandRun answered: the retried rows that have not heard of their new command yet wait
 * for it. `commandIdsBefore` are the rows' command ids when the retry was asked for, so a row whose new
 * command already started (its events can come before the answer) is left alone.
 */
export function markRetried(runs: readonly RunView[], runId: string, commandIdsBefore: ReadonlyMap<string, string | null>): readonly RunView[] {
  return runs.map((run) => {
    if (run.runId !== runId) return run;
    let waiting = false;
    const rows = run.rows.map((row) => {
      if (!commandIdsBefore.has(row.serverId) || commandIdsBefore.get(row.serverId) !== row.commandId) return row;
      waiting = true;
      return { ...emptyRow(row.serverId, row.serverName), commandId: row.commandId };
    });
    return waiting ? { ...run, rows, done: false } : run;
  });
}

/**
 * Settles rows still running with the ledger's record of their command: the events of a run are lost
 * while the console connection is down, and the ledger has the outcome.
 */
export function settleFromLedger(runs: readonly RunView[], records: readonly CommandRecordInfo[]): readonly RunView[] {
  const ended = new Map(records.filter((record) => record.state !== 'running').map((record) => [record.id, record]));
  let anyChanged = false;
  const settled = runs.map((run) => {
    let changed = false;
    const rows = run.rows.map((row) => {
      const record = row.phase === 'running' && row.commandId !== null ? ended.get(row.commandId) : undefined;
      if (!record) return row;
      changed = true;
      const settled = { ...row, attempts: [...row.attempts] };
      applyResult(settled, record);
      return settled;
    });
    if (!changed) return run;
    anyChanged = true;
    return { ...run, rows, done: rows.every((row) => row.phase === 'ended' || row.phase === 'notRun') };
  });
  // Unchanged runs stay the same value, so the store does not announce a change.
  return anyChanged ? settled : runs;
}

export function dismissRun(runs: readonly RunView[], runId: string): readonly RunView[] {
  return runs.filter((run) => run.runId !== runId);
}

/** How a ledger record names what ran: the saved command's name, else what it ran (see commandOfRecord). */
export function labelOfRecord(record: Pick<CommandRecordInfo, 'savedCommand' | 'named' | 'argv'>): string {
  return record.savedCommand ?? commandOfRecord(record);
}

/** What a ledger record ran: the agent's named command, or the argv. */
export function commandOfRecord(record: Pick<CommandRecordInfo, 'named' | 'argv'>): string {
  return record.named ?? record.argv?.join(' ') ?? 'command';
}

function emptyRow(serverId: string, serverName: string): RowView {
  return {
    serverId,
    serverName,
    commandId: null,
    phase: 'queued',
    attempts: [],
    stdout: '',
    stderr: '',
    cutHere: false,
    cutAtSource: false,
    result: null,
    notRunMessage: null,
  };
}

/** Changes `row`, a copy owned by the batch being applied. */
function applyUpdate(row: RowView, update: CommandRunUpdate): void {
  switch (update.kind) {
    case 'started':
      if (row.commandId !== update.commandId) {
        // A retry: the row starts over for the new command.
        Object.assign(row, emptyRow(row.serverId, row.serverName), { commandId: update.commandId });
      }
      row.phase = 'running';
      return;
    case 'attempt': {
      if (row.commandId !== null && row.commandId !== update.commandId) return;
      row.commandId = update.commandId;
      if (row.phase === 'queued') row.phase = 'running';
      const attempt: AttemptView = { layer: update.layer, phase: update.phase, latencyMs: update.latencyMs, errorCode: update.errorCode, error: update.error };
      const open = update.phase === 'ok' || update.phase === 'failed' ? findOpenAttempt(row.attempts, update.layer) : -1;
      if (open === -1) row.attempts.push(attempt);
      else row.attempts[open] = attempt;
      return;
    }
    case 'output': {
      if (row.phase === 'queued') row.phase = 'running';
      row.cutAtSource ||= update.cut === true;
      if (row[update.stream].length >= ROW_OUTPUT_CAP) {
        row.cutHere ||= update.text.length > 0;
        return;
      }
      const appended = capped(row[update.stream] + update.text);
      row[update.stream] = appended.text;
      row.cutHere ||= appended.cut;
      return;
    }
    case 'result':
      applyResult(row, update.result);
      return;
    case 'notRun':
      row.phase = 'notRun';
      row.notRunMessage = update.message;
      return;
  }
}

/** The ledger's copy replaces the live output: some layers (trigger files) bring output only with the result. */
function applyResult(row: RowView, record: CommandRecordInfo): void {
  const stdout = capped(record.stdout);
  const stderr = capped(record.stderr);
  row.commandId = record.id;
  row.phase = 'ended';
  row.stdout = stdout.text;
  row.stderr = stderr.text;
  row.cutHere = stdout.cut || stderr.cut;
  row.cutAtSource = record.truncated;
  row.attempts = mergeAttempts(row.attempts, record);
  row.result = {
    state: record.state,
    exitCode: record.exitCode,
    signal: record.signal,
    layer: record.layer,
    durationMs: record.durationMs,
    message: record.message,
  };
}

/**
 * The ledger's attempts are the record of the layers tried; the layers skipped as down are only in the
 * events, so they keep their places when the live list matches the ledger's, attempt for attempt.
 */
function mergeAttempts(live: readonly AttemptView[], record: CommandRecordInfo): AttemptView[] {
  const recorded = [...record.attempts]
    .sort((a, b) => a.seq - b.seq)
    .map((attempt): AttemptView => ({
      layer: attempt.layer,
      phase: attempt.outcome === 'running' ? 'started' : attempt.outcome,
      latencyMs: attempt.latencyMs,
      errorCode: attempt.errorCode,
      error: attempt.error,
    }));
  const tried = live.filter((attempt) => attempt.phase !== 'skipped');
  if (tried.length !== recorded.length || tried.some((attempt, i) => attempt.layer !== recorded[i]!.layer)) return recorded;
  let next = 0;
  return live.map((attempt) => (attempt.phase === 'skipped' ? attempt : recorded[next++]!));
}

function findOpenAttempt(attempts: readonly AttemptView[], layer: LinkLayer): number {
  for (let i = attempts.length - 1; i >= 0; i--) if (attempts[i]!.layer === layer && attempts[i]!.phase === 'started') return i;
  return -1;
}

function capped(text: string): { text: string; cut: boolean } {
  return text.length <= ROW_OUTPUT_CAP ? { text, cut: false } : { text: text.slice(0, ROW_OUTPUT_CAP), cut: true };
}

/** Keeps every unfinished run and the newest finished ones, up to KEPT_RUNS runs in all. */
function keepRecent(runs: RunView[]): RunView[] {
  let room = KEPT_RUNS - runs.filter((run) => !run.done).length;
  return runs.filter((run) => !run.done || room-- > 0);
}
