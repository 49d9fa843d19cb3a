import { useCallback, useRef, useState, type MouseEvent } from 'react';
import type { Server, SshConfigImportOutcome } from '../../../../preload/api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useAppStore } from '../../store/store-context';
import { ServerForm } from './ServerForm';
import { ServersList } from './ServersList';
import { SshImportPanel } from './SshImportPanel';

/** Which server the form edits; `server: null` adds one. */
interface Editing {
  server: Server | null;
}

export function ServersPage() {
  const deleteServer = useAppStore((state) => state.deleteServer);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deleting, setDeleting] = useState<Server | null>(null);
  const [importing, setImporting] = useState(false);
  const [notice, setNotice] = useState('');
  // Where focus goes back to when the form or the dialog closes.
  const opener = useRef<HTMLElement | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const importButton = useRef<HTMLButtonElement>(null);

  const returnFocus = () => {
    const target = opener.current?.isConnected ? opener.current : addButton.current;
    opener.current = null;
    target?.focus();
  };

  const startAdd = useCallback((event: MouseEvent<HTMLButtonElement>) => {
    opener.current = event.currentTarget;
    setNotice('');
    setImporting(false);
    setEditing({ server: null });
  }, []);

  const startEdit = useCallback((server: Server, element: HTMLElement) => {
    opener.current = element;
    setNotice('');
    setImporting(false);
    setEditing({ server });
  }, []);

  // One panel at a time above the list: importing closes the server form.
  const startImport = () => {
    setNotice('');
    setEditing(null);
    setImporting(true);
  };

  const imported = (outcome: SshConfigImportOutcome) => {
    const created = outcome.created.length;
    const failed = outcome.notCreated.length;
    setNotice(`Imported ${created} server${created === 1 ? '' : 's'} from the SSH config${failed ? `; ${failed} not created (see why above)` : ''}.`);
  };

  const importClosed = () => {
    setImporting(false);
    importButton.current?.focus();
  };

  const startDelete = useCallback((server: Server, element: HTMLElement) => {
    opener.current = element;
    setNotice('');
    setDeleting(server);
  }, []);

  const formDone = (saved: Server | null) => {
    if (saved) setNotice(editing?.server ? `Saved ${saved.name}.` : `Added ${saved.name}.`);
    setEditing(null);
    returnFocus();
  };

  const confirmDelete = async (server: Server): Promise<string | null> => {
    const result = await deleteServer(server.id);
    return result.ok ? null : result.message;
  };

  const deleteDone = (server: Server, deleted: boolean) => {
    setDeleting(null);
    if (deleted) {
      setNotice(`Deleted ${server.name}.`);
      // The row that opened the dialog is gone.
      opener.current = null;
      if (editing?.server?.id === server.id) setEditing(null);
    }
    returnFocus();
  };

  return (
    <section className="page" aria-labelledby="page-heading">
      <header className="page-header">
        <h1 id="page-heading">
          Servers
        </h1>
        <p className="page-notice" role="status" data-testid="notice">
          {notice}
        </p>
        <button ref={addButton} type="button" className="button primary" onClick={startAdd}>
          Add server
        </button>
        <button ref={importButton} type="button" className="button" aria-expanded={importing} onClick={startImport}>
          Import from ~/.ssh/config
        </button>
      </header>
      {importing && <SshImportPanel onImported={imported} onClose={importClosed} />}
      {editing && <ServerForm key={editing.server?.id ?? 'new'} server={editing.server} onDone={formDone} />}
      <ServersList onAdd={startAdd} onImport={startImport} onEdit={startEdit} onDelete={startDelete} />
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete server"
          onConfirm={() => confirmDelete(deleting)}
          onClose={(deleted) => deleteDone(deleting, deleted)}
        >
          <p>
            Lifeline will forget{' '}
            <code>
              {deleting.user}@{deleting.host}:{deleting.port}
            </code>
            . Nothing changes on the server itself.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
