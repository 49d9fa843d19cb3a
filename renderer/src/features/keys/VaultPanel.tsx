import { useState, type FormEvent } from 'react';
import type { ApiError, Result, VaultStatus } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { useAppStore } from '../../store/store-context';

const MIN_PASSPHRASE = 8;

/** Set up, unlock, lock and change the passphrase: what the vault's state allows, one thing at a time. */
export function VaultPanel({ status }: { status: VaultStatus }) {
  return (
    <section className="panel vault-panel" aria-labelledby="vault-heading" data-testid="vault-panel">
      <h2 id="vault-heading">Vault</h2>
      {status.state === 'uninitialized' && <SetUpForm keychainAvailable={status.keychainAvailable} />}
      {status.state === 'locked' && <UnlockForm status={status} />}
      {status.state === 'unlocked' && <UnlockedVault status={status} />}
    </section>
  );
}

type Errors = Record<string, string | undefined>;

/** Runs a vault call and keeps its refusal to show: the message, and each field's problem. */
function useVaultCall() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const run = async <T,>(call: () => Promise<Result<T>>): Promise<boolean> => {
    if (busy) return false;
    setBusy(true);
    const result = await call();
    setBusy(false);
    if (result.ok) {
      setMessage(null);
      setErrors({});
      return true;
    }
    refuse(result);
    return false;
  };
  const refuse = (error: Pick<ApiError, 'message' | 'fields'>) => {
    setMessage(error.message);
    setErrors(error.fields ?? {});
  };
  return { busy, message, errors, run, refuse };
}

function SetUpForm({ keychainAvailable }: { keychainAvailable: boolean }) {
  const initializeVault = useAppStore((state) => state.initializeVault);
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const { busy, message, errors, run, refuse } = useVaultCall();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    // Checked here too: a typo in a passphrase typed twice is the user's, and no round trip is needed.
    if ([...passphrase].length < MIN_PASSPHRASE) {
      return refuse({ message: 'Please correct the highlighted field.', fields: { passphrase: `Choose a passphrase of at least ${MIN_PASSPHRASE} characters` } });
    }
    if (passphrase !== repeat) return refuse({ message: 'Please correct the highlighted field.', fields: { repeat: 'The two passphrases differ; type the same one twice' } });
    await run(() => initializeVault({ passphrase }));
  };

  return (
    <form className="vault-form" noValidate onSubmit={(event) => void submit(event)} aria-busy={busy || undefined}>
      <p>
        The vault keeps your private keys and saved passwords encrypted on this machine. Choose a passphrase to protect it; Lifeline cannot
        recover it if you forget it.
      </p>
      <div className="form-grid">
        <TextField id="vault-passphrase" label="Passphrase" type="password" autoComplete="new-password" value={passphrase} onChange={setPassphrase} error={errors.passphrase} hint={`At least ${MIN_PASSPHRASE} characters`} />
        <TextField id="vault-repeat" label="Repeat passphrase" type="password" autoComplete="new-password" value={repeat} onChange={setRepeat} error={errors.repeat} />
      </div>
      <div className="form-actions">
        <p className="form-message" role="alert">
          {message}
        </p>
        {keychainAvailable && (
          <button type="button" className="button" onClick={() => void run(() => initializeVault({ keychain: true }))}>
            Use the OS keychain instead
          </button>
        )}
        <button type="submit" className="button primary" aria-disabled={busy || undefined}>
          Set up the vault
        </button>
      </div>
    </form>
  );
}

function UnlockForm({ status }: { status: VaultStatus }) {
  const unlockVault = useAppStore((state) => state.unlockVault);
  const [passphrase, setPassphrase] = useState('');
  const { busy, message, errors, run } = useVaultCall();
  const keychain = status.wrapping === 'keychain';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await run(() => unlockVault(keychain ? null : passphrase))) setPassphrase('');
  };

  return (
    <form className="vault-form" noValidate onSubmit={(event) => void submit(event)} aria-busy={busy || undefined}>
      <p data-testid="vault-state">
        The vault is locked. Keys are listed, but none can be used, generated or imported until it is unlocked.
      </p>
      {!keychain && (
        <div className="form-grid">
          <TextField id="vault-unlock" label="Passphrase" type="password" autoComplete="current-password" value={passphrase} onChange={setPassphrase} error={errors.passphrase} />
        </div>
      )}
      <div className="form-actions">
        <p className="form-message" role="alert">
          {message}
        </p>
        <button type="submit" className="button primary" aria-disabled={busy || undefined}>
          {keychain ? 'Unlock with the OS keychain' : 'Unlock'}
        </button>
      </div>
    </form>
  );
}

function UnlockedVault({ status }: { status: VaultStatus }) {
  const lockVault = useAppStore((state) => state.lockVault);
  const changeVaultPassphrase = useAppStore((state) => state.changeVaultPassphrase);
  const [changing, setChanging] = useState(false);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const { busy, message, errors, run } = useVaultCall();

  const change = async (event: FormEvent) => {
    event.preventDefault();
    if (!(await run(() => changeVaultPassphrase(current, next)))) return;
    setCurrent('');
    setNext('');
    setChanging(false);
    setNotice('Passphrase changed.');
  };

  return (
    <div className="vault-form">
      <p data-testid="vault-state">
        The vault is unlocked{status.wrapping === 'keychain' ? ' (protected by the OS keychain)' : ''}. <span role="status">{notice}</span>
      </p>
      <div className="form-actions">
        {status.wrapping === 'passphrase' && !changing && (
          <button type="button" className="button" onClick={() => setChanging(true)}>
            Change passphrase
          </button>
        )}
        <button type="button" className="button" onClick={() => void run(() => lockVault())}>
          Lock vault
        </button>
      </div>
      {changing && (
        <form noValidate onSubmit={(event) => void change(event)} aria-label="Change passphrase" aria-busy={busy || undefined}>
          <div className="form-grid">
            <TextField id="vault-current" label="Current passphrase" type="password" autoComplete="current-password" value={current} onChange={setCurrent} error={errors.current} />
            <TextField id="vault-next" label="New passphrase" type="password" autoComplete="new-password" value={next} onChange={setNext} error={errors.next} hint={`At least ${MIN_PASSPHRASE} characters`} />
          </div>
          <div className="form-actions">
            <p className="form-message" role="alert">
              {message}
            </p>
            <button type="button" className="button" onClick={() => setChanging(false)}>
              Cancel
            </button>
            <button type="submit" className="button primary" aria-disabled={busy || undefined}>
              Save new passphrase
            </button>
          </div>
        </form>
      )}
      {!changing && message && (
        <p className="form-message" role="alert">
          {message}
        </p>
      )}
    </div>
  );
}
