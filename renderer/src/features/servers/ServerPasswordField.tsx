import { useState } from 'react';
import type { Server } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';

/**
 * The login password kept in the vault for a server. It is saved with its own button, straight to the
 * vault, and never shown back: the field only ever holds what the user is typing now.
 */
export function ServerPasswordField({ server }: { server: Server | null }) {
  const setServerPassword = useAppStore((state) => state.setServerPassword);
  const [password, setPassword] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (!server) {
    return (
      <div className="field">
        <span className="field-label">Saved password</span>
        <p className="field-hint" data-testid="password-hint">
          Add the server first; then edit it to save its password in the vault.
        </p>
      </div>
    );
  }

  const save = async (value: string | null) => {
    if (busy) return;
    setBusy(true);
    const result = await setServerPassword(server.id, value);
    setBusy(false);
    if (result.ok) {
      setPassword('');
      setProblem(null);
      setStatus(result.value.saved ? 'Password saved in the vault.' : 'Saved password forgotten.');
    } else {
      setProblem(result.code === 'VAULT_LOCKED' || result.code === 'VAULT_NOT_INITIALIZED' ? `${result.message} (on the Keys page)` : result.message);
    }
  };

  return (
    <div className="field server-password">
      <label htmlFor="server-password">Saved password</label>
      <div className="inline-field">
        <input
          id="server-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          // Enter here saves the password, not the whole form.
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              if (password !== '') void save(password);
            }
          }}
          aria-invalid={problem ? true : undefined}
          aria-describedby="server-password-hint server-password-error"
        />
        <button type="button" className="button small" aria-disabled={busy || password === '' || undefined} onClick={() => password !== '' && void save(password)}>
          Save password
        </button>
        <button type="button" className="button small" aria-disabled={busy || undefined} onClick={() => void save(null)}>
          Forget
        </button>
      </div>
      <p id="server-password-hint" className="field-hint" role="status" data-testid="password-status">
        {status ?? 'Kept encrypted in the vault and never shown again'}
      </p>
      <p id="server-password-error" className="field-error">
        {problem}
      </p>
    </div>
  );
}
