import type { Server } from '../../../../preload/api';
import { pageHash } from '../../store/navigation-slice';
import { useAppStore } from '../../store/store-context';
import { INITIAL_SIZE } from '../terminals/OpenTerminalForm';
import { cellTestId, LinkCell } from './LinkCell';
import { MATRIX_LAYERS, type MatrixRow } from './link-matrix';

interface LinkMatrixProps {
  rows: MatrixRow[];
  selectedId: string | null;
  onSelect(serverId: string): void;
  onProbe(server: Server): void;
}

/** Servers × layers: each cell's state, latency and failures, and the manual way in (a terminal). */
export function LinkMatrix({ rows, selectedId, onSelect, onProbe }: LinkMatrixProps) {
  return (
    <div className="panel table-wrap">
      <table className="links-table" data-testid="links-matrix">
        <caption className="visually-hidden">Every layer of every server: its state, last latency and failures. Choose a server to chart its latency.</caption>
        <thead>
          <tr>
            <th scope="col">Server</th>
            {MATRIX_LAYERS.map((layer) => (
              <th key={layer} scope="col">
                {layer}
              </th>
            ))}
            <th scope="col">terminal</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <MatrixLine key={row.server.id} row={row} selected={row.server.id === selectedId} onSelect={onSelect} onProbe={onProbe} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface MatrixLineProps {
  row: MatrixRow;
  selected: boolean;
  onSelect(serverId: string): void;
  onProbe(server: Server): void;
}

function MatrixLine({ row, selected, onSelect, onProbe }: MatrixLineProps) {
  const { server } = row;
  const openTerminal = useAppStore((state) => state.openTerminal);
  const probing = useAppStore((state) => state.linkProbing.all || state.linkProbing.servers.includes(server.id));
  // As on the Servers page: the Terminals page shows the new tab, or why it could not be opened.
  const open = () => {
    void openTerminal({ serverId: server.id, ...INITIAL_SIZE });
    window.location.hash = pageHash('terminals');
  };
  return (
    <tr className={selected ? 'selected' : undefined} data-testid="link-row">
      <th scope="row">
        <div className="link-server">
          <button
            type="button"
            className="link-server-name"
            aria-pressed={selected}
            aria-label={`${server.name}: chart its latency`}
            onClick={() => onSelect(server.id)}
          >
            {server.name}
          </button>
          <span className="link-server-host">
            {server.user}@{server.host}
          </span>
        </div>
      </th>
      {row.cells.map((cell) => (
        <LinkCell key={cell.layer} server={server} cell={cell} />
      ))}
      <td className="link-cell link-terminal" data-testid={cellTestId(server.name, 'terminal')}>
        <button type="button" className="button small" aria-label={`Open terminal on ${server.name}`} onClick={open}>
          Open terminal
        </button>
      </td>
      <td className="link-actions">
        <button
          type="button"
          className="button small"
          aria-label={probing ? `Probing ${server.name}…` : `Probe now: every layer of ${server.name}`}
          aria-disabled={probing || undefined}
          onClick={() => probing || onProbe(server)}
        >
          {probing && <span className="spinner" aria-hidden="true" />}
          {probing ? 'Probing…' : 'Probe now'}
        </button>
      </td>
    </tr>
  );
}
