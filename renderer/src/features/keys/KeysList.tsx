import { useState } from 'react';
import type { KeyInfo } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';
import { InstallKeyForm } from './InstallKeyForm';

interface KeysListProps {
  onDelete(key: KeyInfo, opener: HTMLElement): void;
}

/** Every key's public data: what to recognise it by and what to put in authorized_keys. */
export function KeysList({ onDelete }: KeysListProps) {
  const keys = useAppStore((state) => state.keys);
  const status = useAppStore((state) => state.keysStatus);
  const error = useAppStore((state) => state.keysError);
  const loadVault = useAppStore((state) => state.loadVault);

  if (status === 'loading') return <p className="panel muted">Loading keys…</p>;
  if (status === 'error') {
    return (
      <div className="panel" role="alert">
        <p>The keys could not be loaded: {error}</p>
        <button type="button" className="button" onClick={() => void loadVault()}>
          Try again
        </button>
      </div>
    );
  }
  if (keys.length === 0) {
    return (
      <p className="panel muted" data-testid="keys-empty">
        No keys yet. Generate one, or import a key you already use.
      </p>
    );
  }
  return (
    <ul className="keys-list" aria-label="Keys">
      {keys.map((key) => (
        <KeyCard key={key.id} keyInfo={key} onDelete={onDelete} />
      ))}
    </ul>
  );
}

function KeyCard({ keyInfo, onDelete }: { keyInfo: KeyInfo; onDelete: KeysListProps['onDelete'] }) {
  const [copied, setCopied] = useState<string | null>(null);
  const [installing, setInstalling] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(keyInfo.publicKey);
      setCopied('Copied.');
    } catch {
      setCopied('Copying was refused by the browser; select the text and copy it instead.');
    }
  };
  const headingId = `key-${keyInfo.id}`;
  return (
    <li className="panel key-card" aria-labelledby={headingId} data-testid="key-card">
      <div className="key-card-head">
        <h3 id={headingId}>{keyInfo.name}</h3>
        <button type="button" className="button small danger-quiet" aria-label={`Delete ${keyInfo.name}`} onClick={(event) => onDelete(keyInfo, event.currentTarget)}>
          Delete
        </button>
      </div>
      <dl className="key-facts">
        <dt>Type</dt>
        <dd data-testid="key-type">
          {keyInfo.type}, {keyInfo.bits} bits
        </dd>
        <dt>Fingerprint</dt>
        <dd>
          <code data-testid="key-fingerprint">{keyInfo.fingerprint}</code>
        </dd>
        <dt>Comment</dt>
        <dd>{keyInfo.comment || <span className="muted">none</span>}</dd>
      </dl>
      <label className="key-public-label" htmlFor={`${headingId}-public`}>
        Public key
      </label>
      <textarea id={`${headingId}-public`} className="key-public" readOnly rows={2} value={keyInfo.publicKey} data-testid="key-public" />
      <div className="key-card-actions">
        <button type="button" className="button small" onClick={() => void copy()}>
          Copy public key
        </button>
        <button type="button" className="button small" aria-expanded={installing} onClick={() => setInstalling(!installing)}>
          Install on server…
        </button>
        <span role="status">{copied}</span>
      </div>
      {installing && <InstallKeyForm keyInfo={keyInfo} onClose={() => setInstalling(false)} />}
    </li>
  );
}
