import type { Server } from '../../../../preload/api';
import { formatFailures, formatLatency, formatProbeTime, ordinal, STATE_LABELS } from './link-format';
import type { ActiveCell, MatrixCell, UnsetCell } from './link-matrix';

/** `link-<server name>-<layer>`: what our e2e tests find a cell by. */
export function cellTestId(serverName: string, column: string): string {
  return `link-${serverName}-${column}`;
}

export function LinkCell({ server, cell }: { server: Server; cell: MatrixCell }) {
  return cell.kind === 'active' ? <ActiveLinkCell server={server} cell={cell} /> : <UnsetLinkCell server={server} cell={cell} />;
}

function ActiveLinkCell({ server, cell }: { server: Server; cell: ActiveCell }) {
  const { status, warning } = cell;
  const label = STATE_LABELS[status.state];
  const failures = formatFailures(status.failures);
  const latency =
    status.lastLatencyMs === null ? null : status.state === 'up' ? formatLatency(status.lastLatencyMs) : `failed after ${formatLatency(status.lastLatencyMs)}`;
  return (
    <td
      className={`link-cell state-${status.state}`}
      data-testid={cellTestId(server.name, cell.layer)}
      data-state={status.state}
      title={status.lastError ?? warning ?? undefined}
    >
      <span className="link-state">
        <span className="link-state-icon" aria-hidden="true">
          {label.icon}
        </span>
        {label.text}
      </span>
      {(latency || failures) && (
        <div className="link-facts">
          {latency && (
            <span className="link-latency" data-testid="link-latency">
              {latency}
            </span>
          )}
          {failures && <span className="link-failures">{failures}</span>}
        </div>
      )}
      {warning && (
        <p className="link-warning">
          <span aria-hidden="true">⚠ </span>No agent token saved
        </p>
      )}
      <details className="link-details">
        <summary aria-label={`Details of ${cell.layer} on ${server.name}`}>Details</summary>
        <dl>
          <dt>Last probe</dt>
          <dd>{formatProbeTime(status.lastProbeAt)}</dd>
          <dt>Failover</dt>
          <dd>
            tried {ordinal(cell.position)} of {server.link.layers.length}
          </dd>
          <dt>Last error</dt>
          <dd className={status.lastError ? 'link-failures' : 'muted'}>{status.lastError ?? 'none'}</dd>
        </dl>
        {warning && <p className="link-warning">{warning}</p>}
      </details>
    </td>
  );
}

function UnsetLinkCell({ server, cell }: { server: Server; cell: UnsetCell }) {
  return (
    <td className="link-cell state-not-set-up" data-testid={cellTestId(server.name, cell.layer)} data-state="not-set-up" title={cell.reason}>
      <span className="link-state">
        <span className="link-state-icon" aria-hidden="true">
          –
        </span>
        Not set up
      </span>
      <details className="link-details">
        <summary aria-label={`How to set up ${cell.layer} on ${server.name}`}>How to set up</summary>
        <p>{cell.reason}</p>
        <p>{cell.fix}</p>
      </details>
    </td>
  );
}
