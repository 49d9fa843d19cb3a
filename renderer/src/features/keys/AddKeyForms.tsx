import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type { KeyInfo, Result } from '../../../../preload/api';
import { TextField } from '../../components/TextField';
import { useAppStore } from '../../store/store-context';
import { SelectField } from '../../components/SelectField';

interface AddKeyProps {
  onAdded(key: KeyInfo, how: 'generated' | 'imported'): void;
  onCancel(): void;
}

type Errors = Record<string, string | undefined>;

function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [errors, setErrors] = useState<Errors>({});
  const submit = async (call: () => Promise<Result<KeyInfo>>): Promise<Result<KeyInfo> | null> => {
    if (busy) return null;
    setBusy(true);
    const result = await call();
    setBusy(false);
    setMessage(result.ok ? null : result.message);
    setErrors(result.ok ? {} : (result.fields ?? {}));
    return result;
  };
  return { busy, message, errors, submit };
}

export function GenerateKeyForm({ onAdded, onCancel }: AddKeyProps) {
  const generateKey = useAppStore((state) => state.generateKey);
  const [name, setName] = useState('');
  const [type, setType] = useState<'ed25519' | 'rsa'>('ed25519');
  const [comment, setComment] = useState('');
  const { busy, message, errors, submit } = useSubmit();

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submit(() => generateKey({ name, type, comment: comment.trim() === '' ? undefined : comment }));
    if (result?.ok) onAdded(result.value, 'generated');
  };

  return (
    <form className="panel" aria-label="Generate a key" noValidate onSubmit={(event) => void send(event)} aria-busy={busy || undefined} data-testid="generate-form">
      <h2>Generate a key</h2>
      <div className="form-grid">
        <TextField id="generate-name" label="Key name" required value={name} onChange={setName} error={errors.name} hint="e.g. deploy" />
        <SelectField<'ed25519' | 'rsa'>
          id="generate-type"
          label="Key type"
          value={type}
          onChange={setType}
          error={errors.type}
          options={[
            { value: 'ed25519', label: 'Ed25519 (recommended)' },
            { value: 'rsa', label: 'RSA 4096 (for old servers)' },
          ]}
        />
        <TextField id="generate-comment" label="Comment" value={comment} onChange={setComment} error={errors.comment} hint="Optional; the name is used otherwise" />
      </div>
      <div className="form-actions">
        <p className="form-message" role="alert">
          {busy ? 'Generating…' : message}
        </p>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" aria-disabled={busy || undefined}>
          Generate key
        </button>
      </div>
    </form>
  );
}

export function ImportKeyForm({ onAdded, onCancel }: AddKeyProps) {
  const importKey = useAppStore((state) => state.importKey);
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [passphrase, setPassphrase] = useState('');
  // Shown once the main side says the key is encrypted; the passphrase is sent with that one import only.
  const [needsPassphrase, setNeedsPassphrase] = useState(false);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const passphraseInput = useRef<HTMLInputElement>(null);
  const focusPassphrase = useRef(false);
  const { busy, message, errors, submit } = useSubmit();

  // After the render that shows the passphrase field, so that it exists to take the focus.
  useEffect(() => {
    if (!focusPassphrase.current) return;
    focusPassphrase.current = false;
    passphraseInput.current?.focus();
  });

  const chooseFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setFileProblem(null);
    // The user's own file, read here and sent as text: the main side never opens paths it is given.
    const reader = new FileReader();
    reader.onload = () => {
      setText(typeof reader.result === 'string' ? reader.result : '');
      if (name.trim() === '') setName(file.name.replace(/\.(pem|key)$/i, ''));
    };
    reader.onerror = () => setFileProblem(`${file.name} could not be read; choose it again, or paste its text.`);
    reader.readAsText(file);
  };

  const send = async (event: FormEvent) => {
    event.preventDefault();
    const result = await submit(() => importKey({ name, text, passphrase: needsPassphrase ? passphrase : undefined }));
    if (!result) return;
    if (result.ok) {
      setPassphrase('');
      onAdded(result.value, 'imported');
    } else if (result.code === 'PASSPHRASE_REQUIRED' || result.code === 'WRONG_PASSPHRASE') {
      setNeedsPassphrase(true);
      setPassphrase('');
      focusPassphrase.current = true;
    }
  };

  return (
    <form className="panel" aria-label="Import a key" noValidate onSubmit={(event) => void send(event)} aria-busy={busy || undefined} data-testid="import-form">
      <h2>Import a key</h2>
      <div className="form-grid">
        <TextField id="import-name" label="Key name" required value={name} onChange={setName} error={errors.name} hint="e.g. laptop" />
        <div className="field">
          <label htmlFor="import-file">Key file</label>
          <input id="import-file" type="file" onChange={chooseFile} aria-describedby="import-file-hint" />
          <p id="import-file-hint" className="field-hint">
            Or paste the text below
          </p>
          <p className="field-error">{fileProblem}</p>
        </div>
      </div>
      <div className="field">
        <label htmlFor="import-text">Private key</label>
        <textarea
          id="import-text"
          className="key-text"
          rows={6}
          value={text}
          onChange={(event) => setText(event.target.value)}
          spellCheck={false}
          autoComplete="off"
          placeholder="-----BEGIN OPENSSH PRIVATE KEY-----"
          aria-invalid={errors.text ? true : undefined}
          aria-describedby="import-text-error"
        />
        <p id="import-text-error" className="field-error">
          {errors.text}
        </p>
      </div>
      {needsPassphrase && (
        <div className="form-grid">
          <TextField
            id="import-passphrase"
            label="Key passphrase"
            type="password"
            autoComplete="off"
            value={passphrase}
            onChange={setPassphrase}
            inputRef={passphraseInput}
            hint="Used once to read the key; not kept"
          />
        </div>
      )}
      <div className="form-actions">
        <p className="form-message" role="alert" data-testid="import-message">
          {message}
        </p>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" aria-disabled={busy || undefined}>
          Import key
        </button>
      </div>
    </form>
  );
}
