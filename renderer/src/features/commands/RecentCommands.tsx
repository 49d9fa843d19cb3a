import { memo, useId, useState } from 'react';
import type { CommandRecordInfo } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';
import { formatLatency, formatProbeTime } from '../links/link-format';
import { OutputBlock } from './OutputBlock';
import { LEDGER_CUT, recordStateText } from './run-format';
import { commandOfRecord, labelOfRecord } from './run-reducer';

/** The ledger's newest commands (every run, the command line's too), secrets redacted. */
export function RecentCommands() {
  const records = useAppStore((state) => state.recentCommands);
  const status = useAppStore((state) => state.recentCommandsStatus);
  const error = useAppStore((state) => state.recentCommandsError);
  const reload = useAppStore((state) => state.loadRecentCommands);

  return (
    <section className="panel recent-commands" aria-labelledby="recent-commands-heading">
      <header className="run-header">
        <h2 id="recent-commands-heading">Recent commands</h2>
        <p className="run-summary muted">From the command ledger, newest first</p>
        <button type="button" className="button small" onClick={() => void reload()}>
          Refresh
        </button>
      </header>
      {status === 'loading' && records.length === 0 && (
        <p className="muted" aria-busy="true">
          <span className="spinner" aria-hidden="true" /> Loading the ledger…
        </p>
      )}
      {status === 'error' && (
        <p className="form-message" role="alert">
          Could not read the ledger: {error}
        </p>
      )}
      {status === 'ready' && records.length === 0 && <p className="muted">No command has run yet.</p>}
      {records.length > 0 && (
        <div className="table-wrap">
          <table className="commands-table" data-testid="recent-commands">
            <caption className="visually-hidden">Recent commands, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">Server</th>
                <th scope="col">Command</th>
                <th scope="col">State</th>
                <th scope="col">Layer</th>
                <th scope="col">Duration</th>
                <th scope="col">By</th>
                <th scope="col">
                  <span className="visually-hidden">Output</span>
                </th>
              </tr>
            </thead>
            {records.map((record) => (
              <RecordRow key={record.id} record={record} />
            ))}
          </table>
        </div>
      )}
    </section>
  );
}

const RecordRow = memo(function RecordRow({ record }: { record: CommandRecordInfo }) {
  const [open, setOpen] = useState(false);
  const outputId = useId();
  const failed = record.state !== 'running' && !(record.state === 'finished' && record.exitCode === 0);
  return (
    <tbody>
      <tr>
        <td className="mono">{formatProbeTime(record.startedAt)}</td>
        <th scope="row">{record.serverName}</th>
        <td>
          {record.savedCommand !== null && <span className="record-saved-name">{record.savedCommand}</span>}
          <code className="record-command">{commandOfRecord(record)}</code>
        </td>
        <td className={failed ? 'record-failed' : undefined}>{recordStateText(record)}</td>
        <td className="mono">{record.layer ?? '—'}</td>
        <td className="mono">{record.durationMs === null ? '—' : formatLatency(record.durationMs)}</td>
        <td>{record.requestedBy}</td>
        <td className="row-actions">
          <button
            type="button"
            className="button small"
            aria-expanded={open}
            aria-controls={outputId}
            aria-label={`${open ? 'Hide' : 'Show'} the output of ${labelOfRecord(record)} on ${record.serverName}`}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide' : 'Output'}
          </button>
        </td>
      </tr>
      <tr id={outputId} className="run-output-row" hidden={!open}>
        <td colSpan={8}>
          {open && (
            <OutputBlock
              stdout={record.stdout}
              stderr={record.stderr}
              cut={record.truncated ? LEDGER_CUT : null}
              message={record.message}
            />
          )}
        </td>
      </tr>
    </tbody>
  );
});
