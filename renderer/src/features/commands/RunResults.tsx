import { memo, useId, useRef, useState } from 'react';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { pageHash } from '../../store/navigation-slice';
import { useAppStore } from '../../store/store-context';
import { formatLatency } from '../links/link-format';
import { INITIAL_SIZE } from '../terminals/OpenTerminalForm';
import { OutputBlock } from './OutputBlock';
import { attemptText, cutNotice, formatSize, rowStateText } from './run-format';
import { isRetryable, retryNeedsConfirming, rowOutcome, type RowView, type RunView } from './run-reducer';

interface RunResultsProps {
  run: RunView;
  /** Says what happened to the page (retried, or why not). */
  onNotice(notice: string, problem: boolean): void;
}

/** One run's live results: a row per server, its output behind a toggle so collapsed rows stay cheap. */
export function RunResults({ run, onNotice }: RunResultsProps) {
  const retryFailed = useAppStore((state) => state.retryFailed);
  const dismiss = useAppStore((state) => state.dismissCommandRun);
  const headingId = useId();
  const [retrying, setRetrying] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const retryButton = useRef<HTMLButtonElement>(null);
  const counts = { running: 0, ok: 0, failed: 0 };
  let retryable = 0;
  for (const row of run.rows) {
    counts[rowOutcome(row)]++;
    if (isRetryable(row)) retryable++;
  }

  /** Resolves to why the retry did not start, or null. */
  const retry = async (): Promise<string | null> => {
    setRetrying(true);
    const result = await retryFailed(run.runId);
    setRetrying(false);
    if (result === null) onNotice('Nothing to retry: no server of this run failed.', false);
    else if (result.ok) onNotice(`Retrying on ${result.value.servers.map((server) => server.serverName).join(', ')}.`, false);
    else return `Could not retry: ${result.message}`;
    return null;
  };

  const askOrRetry = () => {
    if (retrying) return;
    if (retryNeedsConfirming(run)) setConfirming(true);
    else void retry().then((problem) => problem && onNotice(problem, true));
  };

  return (
    <section className="panel run-results" aria-labelledby={headingId} aria-busy={!run.done || undefined} data-testid="run-results">
      <header className="run-header">
        <h2 id={headingId}>
          <code>{run.label ?? 'a command'}</code>
          {!run.startedHere && <span className="muted run-origin"> started in another window</span>}
        </h2>
        <p className="run-summary" data-testid="run-summary">
          {!run.done && <span className="spinner" aria-hidden="true" />}
          {summaryText(counts, run.rows.length, run.done)}
        </p>
        {retryable > 0 && (
          <button ref={retryButton} type="button" className="button small" aria-disabled={retrying || undefined} onClick={askOrRetry} data-testid="retry-failed">
            Retry failed ({retryable})
          </button>
        )}
        <button type="button" className="button small" aria-label={`Dismiss the results of ${run.label ?? 'this run'}`} onClick={() => dismiss(run.runId)}>
          Dismiss
        </button>
      </header>
      <div className="table-wrap">
        <table className="commands-table run-table">
          <caption className="visually-hidden">Results of {run.label ?? 'the run'}, one row per server</caption>
          <thead>
            <tr>
              <th scope="col">Server</th>
              <th scope="col">State</th>
              <th scope="col">Layer</th>
              <th scope="col">Exit</th>
              <th scope="col">Attempts</th>
              <th scope="col">Duration</th>
              <th scope="col">
                <span className="visually-hidden">Output and actions</span>
              </th>
            </tr>
          </thead>
          {run.rows.map((row) => (
            <RunRow key={row.serverId} row={row} />
          ))}
        </table>
      </div>
      {confirming && (
        <ConfirmDialog
          title={`Run ${run.label ?? 'this command'} again?`}
          confirmLabel={`Retry on ${retryable} server${retryable === 1 ? '' : 's'}`}
          onConfirm={retry}
          onClose={() => {
            setConfirming(false);
            retryButton.current?.focus();
          }}
        >
          <p>
            {run.dangerous
              ? 'This command is marked dangerous. It runs again, as a new command, on the servers where it failed.'
              : 'This run was started in another window, so this one cannot tell whether its command is marked dangerous. It runs again, as a new command, on the servers where it failed.'}
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function summaryText(counts: Record<'running' | 'ok' | 'failed', number>, total: number, done: boolean): string {
  const parts = [`${counts.ok} ok`, `${counts.failed} failed`];
  if (counts.running > 0) parts.unshift(`${counts.running} running`);
  return `${done ? 'Done' : 'Running'} on ${total} server${total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** Each row is its own <tbody>, so its output row stays next to it; memo skips rows a batch did not touch. */
const RunRow = memo(function RunRow({ row }: { row: RowView }) {
  const openTerminal = useAppStore((state) => state.openTerminal);
  const [open, setOpen] = useState(false);
  const outputId = useId();
  const outcome = rowOutcome(row);
  const message = row.notRunMessage ?? row.result?.message ?? null;
  const size = row.stdout.length + row.stderr.length;

  // The manual layer: a terminal on the server, on the Terminals page, which shows it or why it failed.
  const recover = () => {
    void openTerminal({ serverId: row.serverId, ...INITIAL_SIZE });
    window.location.hash = pageHash('terminals');
  };

  return (
    <tbody className={`run-row-group outcome-${outcome}`}>
      <tr data-testid={`run-row-${row.serverName}`} data-state={outcome}>
        <th scope="row">{row.serverName}</th>
        <td>
          <span className={`run-state state-${outcome}`}>
            {outcome === 'running' ? <span className="spinner" aria-hidden="true" /> : <span aria-hidden="true">{outcome === 'ok' ? '✓' : '✕'}</span>}
            {rowStateText(row)}
          </span>
        </td>
        <td className="mono" data-testid="run-layer">
          {row.result?.layer ?? (row.phase === 'running' ? (row.attempts.at(-1)?.layer ?? '') : '—')}
        </td>
        <td className="mono" data-testid="run-exit">
          {row.result?.exitCode ?? '—'}
        </td>
        <td>
          {row.attempts.length === 0 ? (
            <span className="muted">—</span>
          ) : (
            <ol className="attempts">
              {row.attempts.map((attempt, index) => (
                <li key={index} className={`attempt attempt-${attempt.phase}`} title={attempt.error ?? undefined}>
                  {attemptText(attempt, formatLatency)}
                </li>
              ))}
            </ol>
          )}
        </td>
        <td className="mono">{row.result?.durationMs != null ? formatLatency(row.result.durationMs) : '—'}</td>
        <td className="row-actions">
          {row.result?.state === 'undelivered' && (
            <button type="button" className="button small" aria-label={`Open a terminal on ${row.serverName}`} onClick={recover}>
              Open terminal
            </button>
          )}
          <button
            type="button"
            className="button small"
            aria-expanded={open}
            aria-controls={outputId}
            aria-label={`${open ? 'Hide' : 'Show'} the output of ${row.serverName}`}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide' : 'Output'}
            {size > 0 && <span className="muted">{formatSize(size)}</span>}
          </button>
        </td>
      </tr>
      <tr id={outputId} className="run-output-row" hidden={!open}>
        <td colSpan={7}>
          {open && (
            <>
              <AttemptErrors row={row} />
              <OutputBlock stdout={row.stdout} stderr={row.stderr} cut={cutNotice(row)} message={message} />
            </>
          )}
        </td>
      </tr>
    </tbody>
  );
});

/** The full error of each failed attempt; the attempts cell has only their codes. */
function AttemptErrors({ row }: { row: RowView }) {
  const failed = row.attempts.filter((attempt) => attempt.error);
  if (failed.length === 0) return null;
  return (
    <ul className="attempt-errors">
      {failed.map((attempt, index) => (
        <li key={index}>
          <strong>{attempt.layer}:</strong> {attempt.error}
        </li>
      ))}
    </ul>
  );
}
