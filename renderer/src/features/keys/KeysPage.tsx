import { useRef, useState } from 'react';
import type { KeyInfo } from '../../../../preload/api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useAppStore } from '../../store/store-context';
import { GenerateKeyForm, ImportKeyForm } from './AddKeyForms';
import { KeysList } from './KeysList';
import { VaultPanel } from './VaultPanel';

/** The key vault: its lock, and the keys in it. Private keys never reach this page, only public data. */
export function KeysPage() {
  const vault = useAppStore((state) => state.vault);
  const deleteKey = useAppStore((state) => state.deleteKey);
  const [adding, setAdding] = useState<'generate' | 'import' | null>(null);
  const [deleting, setDeleting] = useState<KeyInfo | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const opener = useRef<HTMLElement | null>(null);

  const added = (key: KeyInfo, how: 'generated' | 'imported') => {
    setAdding(null);
    setNotice(`${how === 'generated' ? 'Generated' : 'Imported'} ${key.name}.`);
  };

  const confirmDelete = async (key: KeyInfo): Promise<string | null> => {
    const result = await deleteKey(key.id);
    return result.ok ? null : result.message;
  };

  const deleteDone = (key: KeyInfo, deleted: boolean) => {
    setDeleting(null);
    if (deleted) {
      setNotice(`Deleted ${key.name}.`);
      opener.current = null;
    }
    opener.current?.focus();
  };

  return (
    <section className="page" aria-labelledby="page-heading">
      <header className="page-header">
        <h1 id="page-heading">Keys</h1>
        <p className="page-notice" role="status" data-testid="notice">
          {notice}
        </p>
        {vault && vault.state !== 'uninitialized' && (
          <>
            <button type="button" className="button" onClick={() => setAdding('import')}>
              Import key
            </button>
            <button type="button" className="button primary" onClick={() => setAdding('generate')}>
              Generate key
            </button>
          </>
        )}
      </header>
      {vault === null ? <p className="panel muted">Loading the vault…</p> : <VaultPanel status={vault} />}
      {adding === 'generate' && <GenerateKeyForm onAdded={added} onCancel={() => setAdding(null)} />}
      {adding === 'import' && <ImportKeyForm onAdded={added} onCancel={() => setAdding(null)} />}
      {vault && vault.state !== 'uninitialized' && (
        <KeysList
          onDelete={(key, from) => {
            opener.current = from;
            setDeleting(key);
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete key"
          onConfirm={() => confirmDelete(deleting)}
          onClose={(deleted) => deleteDone(deleting, deleted)}
        >
          <p>
            The private key <code>{deleting.fingerprint}</code> will be erased from the vault. Servers that have its public key keep it,
            but Lifeline can no longer log in with it. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
