import { useState, type FormEvent } from 'react';
import type { KeyInfo } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';

interface InstallKeyFormProps {
  keyInfo: KeyInfo;
  onClose(): void;
}

/** Picks a server and appends the key's public line to its authorized_keys, logging in as that server is set up to. */
export function InstallKeyForm({ keyInfo, onClose }: InstallKeyFormProps) {
  const servers = useAppStore((state) => state.servers);
  const installKey = useAppStore((state) => state.installKey);
  const [serverId, setServerId] = useState(() => servers[0]?.id ?? '');
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selectId = `install-${keyInfo.id}-server`;

  if (servers.length === 0) {
    return (
      <p className="install-key muted" data-testid="install-key-status">
        No servers yet: add one on the Servers page, then install the key on it here.
      </p>
    );
  }

  const install = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || serverId === '') return;
    setBusy(true);
    setStatus('Installing… the server may ask for its password or host key.');
    setProblem(null);
    const result = await installKey(keyInfo.id, serverId);
    setBusy(false);
    const name = servers.find((server) => server.id === serverId)?.name ?? 'the server';
    if (result.ok) setStatus(result.value.alreadyInstalled ? `Already installed on ${name}.` : `Installed on ${name}.`);
    else {
      setStatus(null);
      setProblem(result.message);
    }
  };

  return (
    <form
      className="install-key"
      aria-label={`Install ${keyInfo.name} on a server`}
      aria-busy={busy || undefined}
      onSubmit={(event) => void install(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          onClose();
        }
      }}
    >
      <div className="field">
        <label htmlFor={selectId}>Server</label>
        <div className="inline-field">
          <select
            id={selectId}
            value={serverId}
            autoFocus
            onChange={(event) => setServerId(event.target.value)}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${selectId}-status ${selectId}-error`}
          >
            {servers.map((server) => (
              <option key={server.id} value={server.id}>
                {server.name} ({server.user}@{server.host})
              </option>
            ))}
          </select>
          <button type="submit" className="button small primary" aria-disabled={busy || undefined}>
            Install
          </button>
          <button type="button" className="button small" onClick={onClose}>
            Close
          </button>
        </div>
        <p id={`${selectId}-status`} className="field-hint" role="status" data-testid="install-key-status">
          {status ?? 'Appended to ~/.ssh/authorized_keys; a line already there is left alone'}
        </p>
        <p id={`${selectId}-error`} className="field-error" role="alert" data-testid="install-key-error">
          {problem}
        </p>
      </div>
    </form>
  );
}
