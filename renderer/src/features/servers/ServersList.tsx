import { memo, type MouseEvent } from 'react';
import type { Server } from '../../../../preload/api';
import { pageHash } from '../../store/navigation-slice';
import { useAppStore } from '../../store/store-context';
import { INITIAL_SIZE } from '../terminals/OpenTerminalForm';
import { Nothing } from './Nothing';

export type RowAction = (server: Server, opener: HTMLElement) => void;

interface ServersListProps {
  onAdd(event: MouseEvent<HTMLButtonElement>): void;
  onImport(): void;
  onEdit: RowAction;
  onDelete: RowAction;
}

export function ServersList({ onAdd, onImport, onEdit, onDelete }: ServersListProps) {
  const status = useAppStore((state) => state.serversStatus);
  const error = useAppStore((state) => state.serversError);
  const servers = useAppStore((state) => state.servers);
  const retry = useAppStore((state) => state.loadServers);

  if (status === 'loading') {
    return (
      <div className="panel list-placeholder" aria-busy="true" data-testid="servers-loading">
        <span className="spinner" aria-hidden="true" />
        Loading servers…
      </div>
    );
  }
  return (
    <>
      {status === 'error' && (
        <div className="panel error-panel" role="alert" data-testid="servers-error">
          <p>
            <strong>Could not load the servers.</strong> {error}
          </p>
          <button type="button" className="button" onClick={() => void retry()}>
            Retry
          </button>
        </div>
      )}
      {status === 'ready' && servers.length === 0 && (
        <div className="panel list-placeholder empty-state" data-testid="servers-empty">
          <h2>No servers yet</h2>
          <p className="muted">Add the machines you look after; terminals, links and agents all start from this list.</p>
          <div className="form-actions">
            <button type="button" className="button primary" onClick={onAdd}>
              Add your first server
            </button>
            <button type="button" className="button" onClick={onImport}>
              Import them from ~/.ssh/config
            </button>
          </div>
        </div>
      )}
      {servers.length > 0 && (
        <div className="panel table-wrap">
          <table className="servers-table" data-testid="servers-table">
            <caption className="visually-hidden">Servers, ordered by name</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Host</th>
                <th scope="col">Port</th>
                <th scope="col">User</th>
                <th scope="col">Group</th>
                <th scope="col">Tags</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {servers.map((server) => (
                <ServerRow key={server.id} server={server} onEdit={onEdit} onDelete={onDelete} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

const ServerRow = memo(function ServerRow({ server, onEdit, onDelete }: { server: Server; onEdit: RowAction; onDelete: RowAction }) {
  const openTerminal = useAppStore((state) => state.openTerminal);
  // The Terminals page shows the new tab, or why it could not be opened (its state line says the rest).
  const open = () => {
    void openTerminal({ serverId: server.id, ...INITIAL_SIZE });
    window.location.hash = pageHash('terminals');
  };
  return (
    <tr data-testid="server-row">
      <th scope="row">{server.name}</th>
      <td className="mono">{server.host}</td>
      <td className="mono">{server.port}</td>
      <td className="mono">{server.user}</td>
      <td>{server.group ?? <Nothing />}</td>
      <td>
        {server.tags.length > 0 ? (
          <ul className="tags">
            {server.tags.map((tag) => (
              <li key={tag} className="tag">
                {tag}
              </li>
            ))}
          </ul>
        ) : (
          <Nothing />
        )}
      </td>
      <td className="row-actions">
        <button type="button" className="button small" aria-label={`Open terminal on ${server.name}`} onClick={open}>
          Open terminal
        </button>
        <button type="button" className="button small" aria-label={`Edit ${server.name}`} onClick={(event) => onEdit(server, event.currentTarget)}>
          Edit
        </button>
        <button type="button" className="button small danger-quiet" aria-label={`Delete ${server.name}`} onClick={(event) => onDelete(server, event.currentTarget)}>
          Delete
        </button>
      </td>
    </tr>
  );
});
