import type { CommandRecordInfo, CommandState } from '../../../../preload/api';
import type { AttemptView, RowView } from './run-reducer';
import { ROW_OUTPUT_CAP } from './run-reducer';

/** A word for each way a command ends, as the results table and the history say it. */
const STATE_WORDS: Record<CommandState, string> = {
  running: 'running',
  finished: 'finished',
  timeout: 'timed out',
  refused: 'refused',
  lost: 'lost',
  undelivered: 'undelivered',
};

/** What a row's state cell says: "queued", "running", "exit 0", "exit 2", "killed by SIGTERM", "timed out", "not run"… */
export function rowStateText(row: Pick<RowView, 'phase' | 'result'>): string {
  if (row.phase === 'queued') return 'queued';
  if (row.phase === 'running') return 'running';
  if (row.phase === 'notRun' || !row.result) return 'not run';
  return endText(row.result);
}

export function recordStateText(record: Pick<CommandRecordInfo, 'state' | 'exitCode' | 'signal'>): string {
  return endText(record);
}

function endText(end: Pick<CommandRecordInfo, 'state' | 'exitCode' | 'signal'>): string {
  if (end.state !== 'finished') return STATE_WORDS[end.state];
  if (end.signal) return `killed by ${end.signal}`;
  return end.exitCode === null ? 'finished' : `exit ${end.exitCode}`;
}

/** One attempt in a few words: "tmux failed (TIMEOUT) after 1 s", "bridge skipped (down)". */
export function attemptText(attempt: AttemptView, formatMs: (ms: number | null) => string): string {
  switch (attempt.phase) {
    case 'skipped':
      return `${attempt.layer} skipped (down)`;
    case 'started':
      return `${attempt.layer} trying…`;
    case 'ok':
      return `${attempt.layer} ok in ${formatMs(attempt.latencyMs)}`;
    case 'failed':
      return `${attempt.layer} failed${attempt.errorCode ? ` (${attempt.errorCode})` : ''} after ${formatMs(attempt.latencyMs)}`;
  }
}

export const LEDGER_CUT = 'The ledger keeps only the start of long output; the rest was not stored.';

/** Why a row's output is shorter than what the command printed, or null when nothing was cut. */
export function cutNotice(row: Pick<RowView, 'cutHere' | 'cutAtSource' | 'phase'>): string | null {
  const notes: string[] = [];
  if (row.cutHere) notes.push(`This table keeps the first ${ROW_OUTPUT_CAP / 1024} KiB of each stream; Recent commands below has the ledger's longer copy.`);
  if (row.cutAtSource) {
    notes.push(
      row.phase === 'ended'
        ? LEDGER_CUT
        : 'Live output reached its limit; the result will bring the ledger\'s copy.',
    );
  }
  return notes.length > 0 ? notes.join(' ') : null;
}

/** "812 B", "4.2 KiB": how much output a collapsed row holds. */
export function formatSize(chars: number): string {
  return chars < 1024 ? `${chars} B` : `${(chars / 1024).toFixed(1).replace(/\.0$/, '')} KiB`;
}
