import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent, type Ref } from 'react';
import type { ApiError, SshConfigImportOutcome, SshConfigPreview } from '../../../../preload/api';
import { useAppStore } from '../../store/store-context';
import { SkippedList, SshImportPreview } from './SshImportPreview';
import { DEFAULT_SSH_CONFIG, selectionNotice, toggleHost } from './ssh-import';

interface SshImportPanelProps {
  /** After an import, with what it did, for the page's notice. */
  onImported(outcome: SshConfigImportOutcome): void;
  onClose(): void;
}

/** A preview, and the path it was made from: the import reads that same file. */
interface Previewed {
  file: string;
  value: SshConfigPreview;
}

/**
 * Reads an OpenSSH client config on the machine that runs Lifeline, shows what importing it would create
 * and skip, and creates the hosts the user keeps chosen. The main side owns every rule; this shows its answers.
 */
export function SshImportPanel({ onImported, onClose }: SshImportPanelProps) {
  const previewSshConfigImport = useAppStore((state) => state.previewSshConfigImport);
  const importSshConfig = useAppStore((state) => state.importSshConfig);
  const [path, setPath] = useState(DEFAULT_SSH_CONFIG);
  const [pathError, setPathError] = useState<string | null>(null);
  const [problem, setProblem] = useState<{ title: string; message: string } | null>(null);
  const [previewed, setPreviewed] = useState<Previewed | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [status, setStatus] = useState('');
  const [outcome, setOutcome] = useState<SshConfigImportOutcome | null>(null);
  const [busy, setBusy] = useState(false);
  const pathInput = useRef<HTMLInputElement>(null);
  const outcomeHeading = useRef<HTMLHeadingElement>(null);
  const mounted = useRef(true);
  const headingId = useId();
  const pathId = useId();

  useEffect(() => {
    mounted.current = true;
    pathInput.current?.focus();
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    if (outcome) outcomeHeading.current?.focus();
  }, [outcome]);

  const showFailure = (result: ApiError, title: string) => {
    if (result.fields?.file) {
      setPathError(result.fields.file);
      pathInput.current?.focus();
    } else {
      setProblem({ title, message: result.message });
    }
  };

  const preview = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const file = path.trim();
    setBusy(true);
    setProblem(null);
    setPathError(null);
    setOutcome(null);
    setStatus('Reading the config…');
    const result = await previewSshConfigImport({ file });
    if (!mounted.current) return;
    setBusy(false);
    if (!result.ok) {
      setPreviewed(null);
      setStatus('');
      showFailure(result, result.code === 'SSH_CONFIG_ERROR' ? 'Could not read the SSH config.' : 'Could not preview the import.');
      return;
    }
    const { create, skipped } = result.value;
    setPreviewed({ file, value: result.value });
    setSelected(new Set(create.map((host) => host.name)));
    setStatus(`${count(create.length, 'server')} to create, ${skipped.length} skipped.`);
  };

  const toggle = (name: string, checked: boolean) => {
    if (!previewed) return;
    const change = toggleHost(previewed.value.create, selected, name, checked);
    setSelected(change.selected);
    setStatus(selectionNotice(name, checked, change.alsoChanged));
  };

  const toggleAll = (checked: boolean) => {
    setSelected(new Set(checked && previewed ? previewed.value.create.map((host) => host.name) : []));
    setStatus('');
  };

  const runImport = async () => {
    if (busy || !previewed) return;
    if (selected.size === 0) {
      setProblem({ title: 'Nothing chosen.', message: 'Tick the servers to import, or close this panel.' });
      return;
    }
    setBusy(true);
    setProblem(null);
    setStatus('Importing…');
    // In the preview's order, so jump servers are named before the servers behind them.
    const hosts = previewed.value.create.map((host) => host.name).filter((name) => selected.has(name));
    const result = await importSshConfig({ file: previewed.file, hosts });
    if (!mounted.current) return;
    setBusy(false);
    setStatus('');
    if (!result.ok) {
      showFailure(result, result.code === 'SSH_CONFIG_ERROR' ? 'Could not read the SSH config again.' : 'Could not import.');
      return;
    }
    // Imported servers now exist: a second import of this preview would only say so.
    setPreviewed(null);
    setOutcome(result.value);
    onImported(result.value);
  };

  const closeOnEscape = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    onClose();
  };

  return (
    <section
      className="panel server-form"
      aria-labelledby={headingId}
      aria-busy={busy || undefined}
      onKeyDown={closeOnEscape}
      data-testid="ssh-import"
    >
      <h2 id={headingId}>Import from ~/.ssh/config</h2>
      <form noValidate onSubmit={(event) => void preview(event)}>
        <div className="field">
          <label htmlFor={pathId}>Config file</label>
          <div className="inline-field">
            <input
              id={pathId}
              ref={pathInput}
              value={path}
              onChange={(event) => {
                setPath(event.target.value);
                setPathError(null);
              }}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={pathError ? true : undefined}
              aria-describedby={`${pathId}-error ${pathId}-hint`}
            />
            <button type="submit" className="button" aria-disabled={busy || undefined}>
              Preview
            </button>
          </div>
          <p id={`${pathId}-hint`} className="field-hint">
            On the machine that runs Lifeline: a path from the root, or from its home folder with ~/. Include lines are followed; nothing is
            written until you import.
          </p>
          <p id={`${pathId}-error`} className="field-error">
            {pathError}
          </p>
        </div>
      </form>
      {problem && (
        <div className="panel error-panel" role="alert" data-testid="ssh-import-error">
          <p>
            <strong>{problem.title}</strong> {problem.message}
          </p>
        </div>
      )}
      <p className="field-hint" role="status" data-testid="ssh-import-status">
        {status}
      </p>
      {previewed && <SshImportPreview preview={previewed.value} selected={selected} onToggle={toggle} onToggleAll={toggleAll} />}
      {outcome && <ImportOutcome outcome={outcome} headingRef={outcomeHeading} />}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        {previewed && previewed.value.create.length > 0 && (
          <button type="button" className="button primary" aria-disabled={busy || undefined} onClick={() => void runImport()}>
            Import selected ({selected.size})
          </button>
        )}
      </div>
    </section>
  );
}

function ImportOutcome({ outcome, headingRef }: { outcome: SshConfigImportOutcome; headingRef: Ref<HTMLHeadingElement> }) {
  const notCreatedHeading = useId();
  return (
    <div data-testid="ssh-import-outcome">
      <h3 ref={headingRef} tabIndex={-1}>
        Imported {count(outcome.created.length, 'server')}
      </h3>
      {outcome.created.length > 0 && <p>{outcome.created.map((server) => server.name).join(', ')}: now in the list below.</p>}
      {outcome.notCreated.length > 0 && (
        <>
          <h3 id={notCreatedHeading}>Not created ({outcome.notCreated.length})</h3>
          <SkippedList entries={outcome.notCreated} labelledBy={notCreatedHeading} testId="ssh-import-not-created" />
        </>
      )}
    </div>
  );
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
