import type { CommandRecordInfo } from '../../preload/api';
import type { CommandRecord } from '../store/command-ledger';

/**
 * A ledger record as the contract shows it. Field by field, so that nothing the ledger may add later
 * reaches the windows unreviewed; everything in it was redacted before it was stored.
 */
export function toCommandRecordInfo(record: CommandRecord): CommandRecordInfo {
  return {
    id: record.id,
    serverId: record.serverId,
    serverName: record.serverName,
    argv: record.argv && [...record.argv],
    named: record.named,
    savedCommand: record.savedCommand,
    requestedBy: record.requestedBy,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    durationMs: record.finishedAt === null ? null : Math.max(0, Date.parse(record.finishedAt) - Date.parse(record.startedAt)),
    state: record.state,
    exitCode: record.exitCode,
    signal: record.signal,
    stdout: record.stdout,
    stderr: record.stderr,
    truncated: record.truncated,
    layer: record.layer,
    message: record.message,
    attempts: record.attempts.map((attempt) => ({
      seq: attempt.seq,
      layer: attempt.layer,
      startedAt: attempt.startedAt,
      latencyMs: attempt.latencyMs,
      outcome: attempt.outcome,
      errorCode: attempt.errorCode,
      error: attempt.error,
    })),
  };
}
