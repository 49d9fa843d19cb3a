import { useCallback, useEffect, useRef, useState } from 'react';
import type { Server, TrustedHostKeyInfo } from '../../../../preload/api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useAppStore } from '../../store/store-context';

type Listing = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; keys: TrustedHostKeyInfo[] };

/**
 * The host keys Lifeline remembers for a server. Forgetting one is the deliberate way to accept a changed
 * key: the next connection asks again instead of refusing.
 */
export function TrustedHostKeys({ server }: { server: Server }) {
  const listTrustedHostKeys = useAppStore((state) => state.listTrustedHostKeys);
  const forgetTrustedHostKey = useAppStore((state) => state.forgetTrustedHostKey);
  const [listing, setListing] = useState<Listing>({ state: 'loading' });
  const [forgetting, setForgetting] = useState<TrustedHostKeyInfo | null>(null);
  const [notice, setNotice] = useState('');
  const opener = useRef<HTMLElement | null>(null);
  const latest = useRef(0);

  const serverId = server.id;
  const load = useCallback(async () => {
    // Only the newest answer may write: an older one arriving late would bring a forgotten key back.
    const request = ++latest.current;
    const result = await listTrustedHostKeys(serverId);
    if (request !== latest.current) return;
    setListing(result.ok ? { state: 'ready', keys: result.value } : { state: 'error', message: result.message });
  }, [listTrustedHostKeys, serverId]);

  useEffect(() => {
    void load();
    // An answer arriving after the form closed is dropped by the same counter.
    return () => {
      latest.current++;
    };
  }, [load]);

  const forget = async (key: TrustedHostKeyInfo): Promise<string | null> => {
    const result = await forgetTrustedHostKey(server.id, key.keyType);
    if (!result.ok) return result.message;
    await load();
    return null;
  };

  const forgetDone = (key: TrustedHostKeyInfo, forgotten: boolean) => {
    setForgetting(null);
    if (forgotten) {
      setNotice(`Forgot the ${key.keyType} key; the next connection will ask.`);
      opener.current = null;
    }
    opener.current?.focus();
  };

  return (
    <fieldset className="form-section trusted-host-keys" data-testid="trusted-host-keys">
      <legend>Trusted host keys</legend>
      {listing.state === 'loading' && <p className="muted">Loading…</p>}
      {listing.state === 'error' && (
        <p className="field-error" role="alert">
          The trusted host keys could not be loaded: {listing.message}{' '}
          <button type="button" className="button small" onClick={() => void load()}>
            Try again
          </button>
        </p>
      )}
      {listing.state === 'ready' && listing.keys.length === 0 && (
        <p className="muted" data-testid="trusted-host-keys-empty">
          None yet: Lifeline remembers a host key when you accept it while connecting.
        </p>
      )}
      {listing.state === 'ready' && listing.keys.length > 0 && (
        <table className="trusted-keys-table">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Fingerprint</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {listing.keys.map((key) => (
              <tr key={`${key.host}:${key.port}:${key.keyType}`} data-testid="trusted-host-key">
                <td>{key.keyType}</td>
                <td>
                  <code>{key.fingerprint}</code>
                </td>
                <td>
                  <time dateTime={key.addedAt}>{new Date(key.addedAt).toLocaleString()}</time>
                </td>
                <td>
                  <button
                    type="button"
                    className="button small danger-quiet"
                    aria-label={`Forget the ${key.keyType} key`}
                    onClick={(event) => {
                      opener.current = event.currentTarget;
                      setNotice('');
                      setForgetting(key);
                    }}
                  >
                    Forget
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="field-hint" role="status" data-testid="trusted-host-keys-notice">
        {notice}
      </p>
      {forgetting && (
        // Escape closes the dialog only; without this it would also reach the form and close it.
        <div onKeyDown={(event) => event.key === 'Escape' && event.stopPropagation()}>
          <ConfirmDialog
            title={`Forget the ${forgetting.keyType} host key?`}
            confirmLabel="Forget key"
            onConfirm={() => forget(forgetting)}
            onClose={(forgotten) => forgetDone(forgetting, forgotten)}
          >
            <p>
              Lifeline will no longer trust <code>{forgetting.fingerprint}</code> for {forgetting.host}:{forgetting.port}. The next connection
              will show the server's key and ask again. Do this when the server's key has changed on purpose (it was reinstalled or its
              keys were rotated); if you do not know why it changed, ask its administrator first.
            </p>
          </ConfirmDialog>
        </div>
      )}
    </fieldset>
  );
}
